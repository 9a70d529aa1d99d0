//! Rendering answers the way the gateway does: JSON
//! (`application/json;charset=utf-8`) when `Format` is json (any case) or for
//! v3 requests, XML (`text/xml;charset=utf-8`, root `<ActionResponse>`,
//! `<Error>` for errors) otherwise. Every answer carries `RequestId`; errors
//! also `HostId`, `Code`, `Message`, `Recommend`.

use axum::http::{header, HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};
use serde_json::{Map, Value};

use crate::error::EmuError;

/// Response format.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Format {
    /// JSON.
    Json,
    /// XML (the default when `Format` is absent in a v1 request).
    Xml,
}

impl Format {
    /// From the `Format` parameter: JSON in any case, XML otherwise.
    pub fn from_param(v: Option<&str>) -> Self {
        match v {
            Some(f) if f.eq_ignore_ascii_case("json") => Format::Json,
            _ => Format::Xml,
        }
    }
}

const JSON_TYPE: &str = "application/json;charset=utf-8";
const XML_TYPE: &str = "text/xml;charset=utf-8";

fn respond(status: u16, format: Format, root: &str, body: &Map<String, Value>) -> Response {
    let status = StatusCode::from_u16(status).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR);
    let (ctype, text) = match format {
        Format::Json => (JSON_TYPE, Value::Object(body.clone()).to_string()),
        Format::Xml => (XML_TYPE, to_xml(root, body)),
    };
    let mut resp = (status, text).into_response();
    resp.headers_mut()
        .insert(header::CONTENT_TYPE, HeaderValue::from_static(ctype));
    resp
}

/// A success: `RequestId` plus the handler's members.
pub fn success(
    format: Format,
    action: &str,
    request_id: &str,
    body: &Map<String, Value>,
) -> Response {
    let mut all = Map::new();
    all.insert("RequestId".into(), Value::String(request_id.into()));
    for (k, v) in body {
        all.insert(k.clone(), v.clone());
    }
    respond(200, format, &format!("{action}Response"), &all)
}

/// An error body. `retry_after_ms` adds `x-acs-retry-after` (throttling).
pub fn error(
    format: Format,
    err: &EmuError,
    request_id: &str,
    host_id: &str,
    product: &str,
    retry_after_ms: Option<u64>,
) -> Response {
    let mut m = Map::new();
    m.insert("RequestId".into(), request_id.into());
    m.insert("HostId".into(), host_id.into());
    m.insert("Code".into(), err.code.clone().into());
    m.insert("Message".into(), err.message.clone().into());
    m.insert(
        "Recommend".into(),
        format!(
            "https://api.aliyun.com/troubleshoot?q={}&product={product}",
            err.code
        )
        .into(),
    );
    let mut resp = respond(err.status, format, "Error", &m);
    if let Some(ms) = retry_after_ms {
        resp.headers_mut()
            .insert("x-acs-retry-after", HeaderValue::from(ms));
    }
    resp
}

/// Generic JSON → XML: members become elements, arrays repeat the member's
/// element once per item (as in the DescribeImageCaches XML sample).
pub fn to_xml(root: &str, body: &Map<String, Value>) -> String {
    let mut out = String::from("<?xml version=\"1.0\" encoding=\"UTF-8\"?>");
    out.push('<');
    out.push_str(root);
    out.push('>');
    members(body, &mut out);
    out.push_str("</");
    out.push_str(root);
    out.push('>');
    out
}

fn members(m: &Map<String, Value>, out: &mut String) {
    for (k, v) in m {
        match v {
            Value::Array(items) => {
                for item in items {
                    element(k, item, out);
                }
            }
            other => element(k, other, out),
        }
    }
}

fn element(name: &str, v: &Value, out: &mut String) {
    out.push('<');
    out.push_str(name);
    out.push('>');
    match v {
        Value::Null => {}
        Value::String(s) => escape(s, out),
        Value::Bool(b) => out.push_str(if *b { "true" } else { "false" }),
        Value::Number(n) => out.push_str(&n.to_string()),
        Value::Object(m) => members(m, out),
        // An array inside an array has no natural XML form; items are wrapped in `<item>`.
        Value::Array(items) => {
            for i in items {
                element("item", i, out);
            }
        }
    }
    out.push_str("</");
    out.push_str(name);
    out.push('>');
}

fn escape(s: &str, out: &mut String) {
    for c in s.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&apos;"),
            c => out.push(c),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn xml_repeats_array_members_and_escapes() {
        let body = json!({
            "RequestId": "R",
            "ImageCaches": [{"Images": ["a", "b"], "Size": 20, "Name": "x<&>"}],
            "Wrapped": {"Set": []},
        });
        let xml = to_xml("DescribeImageCachesResponse", body.as_object().unwrap());
        assert!(xml.starts_with("<?xml"));
        assert!(xml.contains("<DescribeImageCachesResponse>"));
        assert!(xml.contains("<ImageCaches><Images>a</Images><Images>b</Images><Name>x&lt;&amp;&gt;</Name><Size>20</Size></ImageCaches>"));
        assert!(xml.contains("<Wrapped></Wrapped>"));
    }

    #[test]
    fn format_param_is_case_insensitive() {
        assert_eq!(Format::from_param(Some("json")), Format::Json);
        assert_eq!(Format::from_param(Some("JSON")), Format::Json);
        assert_eq!(Format::from_param(Some("XML")), Format::Xml);
        assert_eq!(Format::from_param(None), Format::Xml);
    }
}
