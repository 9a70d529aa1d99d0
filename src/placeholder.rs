//! A minimal hand-written provider so the server can be exercised end to end before
//! the generic driver exists. It is replaced at integration by the real provider.
//!
//! Schema: provider setting `region` (optional string); resource
//! `aliyun_placeholder` with `name` (required) and `id` (computed, `ph-<name>`).
//! Planning a resource named `panic` panics, so tests can check how a crash reaches
//! Terraform. Values are decoded and encoded with a tiny msgpack subset (nil, strings, any
//! extension as unknown, maps), enough for these two string attributes.

use std::collections::BTreeMap;

use crate::tf::diagnostics::Diagnostics;
use crate::tf::protocol::*;
use crate::tf::schema::{Attribute, Block, Schema};
use crate::tf::types::Type;

const RESOURCE: &str = "aliyun_placeholder";

/// The placeholder provider.
#[derive(Debug, Default)]
pub struct Placeholder;

/// A string attribute's state on the wire.
#[derive(Debug, Clone, PartialEq, Eq)]
enum Str {
    Null,
    Unknown,
    Known(String),
}

/// The resource object: attribute name to value; `None` is a null object.
type Object = Option<BTreeMap<String, Str>>;

fn resource_schema() -> Schema {
    Schema::new(
        Block::new("A stand-in resource that only exists in Terraform state.")
            .attr(
                "id",
                Attribute::computed(Type::String).doc("`ph-` followed by the name."),
            )
            .attr("name", Attribute::required(Type::String).doc("Any name.")),
    )
}

fn unknown_type(type_name: &str) -> Diagnostics {
    Diagnostics::from_error(
        "Unknown resource type",
        format!("The aliyun provider has no resource or data source {type_name:?}."),
    )
}

fn bad_value(e: String) -> Diagnostics {
    Diagnostics::from_error("Invalid value from Terraform", e)
}

#[async_trait::async_trait]
impl ProviderServer for Placeholder {
    fn schema(&self) -> ProviderSchema {
        let provider = Schema::new(Block::new("The aliyun provider (placeholder build).").attr(
            "region",
            Attribute::optional(Type::String).doc("Region ID, e.g. `cn-hangzhou`."),
        ));
        ProviderSchema {
            provider: Some(provider),
            resources: BTreeMap::from([(RESOURCE.to_string(), resource_schema())]),
            data_sources: BTreeMap::new(),
            diagnostics: Diagnostics::new(),
        }
    }

    async fn validate_provider_config(&self, _config: DynamicValue) -> Diagnostics {
        Diagnostics::new()
    }

    async fn configure_provider(&self, _req: ConfigureProviderRequest) -> Diagnostics {
        Diagnostics::new()
    }

    async fn validate_resource_config(&self, req: ValidateConfigRequest) -> Diagnostics {
        if req.type_name != RESOURCE {
            return unknown_type(&req.type_name);
        }
        Diagnostics::new()
    }

    async fn validate_data_resource_config(&self, req: ValidateConfigRequest) -> Diagnostics {
        unknown_type(&req.type_name)
    }

    async fn upgrade_resource_state(
        &self,
        req: UpgradeResourceStateRequest,
    ) -> UpgradeResourceStateResponse {
        let parsed: Result<serde_json::Value, _> = serde_json::from_slice(&req.raw_state.json);
        let Ok(json) = parsed else {
            return UpgradeResourceStateResponse {
                upgraded_state: None,
                diagnostics: bad_value("stored state is not JSON".into()),
            };
        };
        let get = |k: &str| match json.get(k).and_then(|v| v.as_str()) {
            Some(s) => Str::Known(s.to_string()),
            None => Str::Null,
        };
        let obj = BTreeMap::from([
            ("id".to_string(), get("id")),
            ("name".to_string(), get("name")),
        ]);
        UpgradeResourceStateResponse {
            upgraded_state: Some(DynamicValue::msgpack(encode(&Some(obj)))),
            diagnostics: Diagnostics::new(),
        }
    }

    async fn read_resource(&self, req: ReadResourceRequest) -> ReadResourceResponse {
        ReadResourceResponse {
            new_state: Some(req.current_state),
            diagnostics: Diagnostics::new(),
            private: req.private,
        }
    }

    async fn plan_resource_change(
        &self,
        req: PlanResourceChangeRequest,
    ) -> PlanResourceChangeResponse {
        let mut resp = PlanResourceChangeResponse::default();
        let (proposed, prior) = match (
            decode(&req.proposed_new_state.msgpack),
            decode(&req.prior_state.msgpack),
        ) {
            (Ok(p), Ok(q)) => (p, q),
            (Err(e), _) | (_, Err(e)) => {
                resp.diagnostics = bad_value(e);
                return resp;
            }
        };
        if let Some(Some(Str::Known(name))) = proposed.as_ref().map(|o| o.get("name")) {
            if name == "panic" {
                panic!("the placeholder was asked to panic");
            }
        }
        // A destroy plans null; otherwise the id follows the name.
        let planned = proposed.map(|mut obj| {
            let name = obj.get("name").cloned().unwrap_or(Str::Null);
            let prior_name = prior.as_ref().and_then(|p| p.get("name").cloned());
            if prior_name.as_ref() != Some(&name) {
                obj.insert("id".into(), Str::Unknown);
            }
            obj
        });
        resp.planned_state = Some(DynamicValue::msgpack(encode(&planned)));
        resp.planned_private = req.prior_private;
        resp
    }

    async fn apply_resource_change(
        &self,
        req: ApplyResourceChangeRequest,
    ) -> ApplyResourceChangeResponse {
        let mut resp = ApplyResourceChangeResponse::default();
        let planned = match decode(&req.planned_state.msgpack) {
            Ok(p) => p,
            Err(e) => {
                resp.diagnostics = bad_value(e);
                resp.new_state = Some(req.prior_state);
                return resp;
            }
        };
        let new_state = planned.map(|mut obj| {
            if obj.get("id") == Some(&Str::Unknown) {
                let id = match obj.get("name") {
                    Some(Str::Known(n)) => format!("ph-{n}"),
                    _ => "ph-".to_string(),
                };
                obj.insert("id".into(), Str::Known(id));
            }
            obj
        });
        resp.new_state = Some(DynamicValue::msgpack(encode(&new_state)));
        resp.private = req.planned_private;
        resp
    }

    async fn import_resource_state(
        &self,
        req: ImportResourceStateRequest,
    ) -> ImportResourceStateResponse {
        let name = req.id.strip_prefix("ph-").unwrap_or(&req.id).to_string();
        let obj = BTreeMap::from([
            ("id".to_string(), Str::Known(format!("ph-{name}"))),
            ("name".to_string(), Str::Known(name)),
        ]);
        ImportResourceStateResponse {
            imported_resources: vec![ImportedResource {
                type_name: req.type_name,
                state: DynamicValue::msgpack(encode(&Some(obj))),
                private: Vec::new(),
            }],
            diagnostics: Diagnostics::new(),
        }
    }

    async fn read_data_source(&self, req: ReadDataSourceRequest) -> ReadDataSourceResponse {
        ReadDataSourceResponse {
            state: None,
            diagnostics: unknown_type(&req.type_name),
        }
    }

    async fn stop(&self) {}
}

// ---- the msgpack subset ----

fn encode(obj: &Object) -> Vec<u8> {
    let mut out = Vec::new();
    let Some(map) = obj else {
        out.push(0xc0);
        return out;
    };
    out.push(0x80 | map.len() as u8); // fixmap: two attributes
    for (k, v) in map {
        encode_str(&mut out, k);
        match v {
            Str::Null => out.push(0xc0),
            Str::Unknown => out.extend_from_slice(&[0xd4, 0, 0]),
            Str::Known(s) => encode_str(&mut out, s),
        }
    }
    out
}

fn encode_str(out: &mut Vec<u8>, s: &str) {
    let n = s.len();
    if n < 32 {
        out.push(0xa0 | n as u8);
    } else if n <= u8::MAX as usize {
        out.extend_from_slice(&[0xd9, n as u8]);
    } else if n <= u16::MAX as usize {
        out.push(0xda);
        out.extend_from_slice(&(n as u16).to_be_bytes());
    } else {
        out.push(0xdb);
        out.extend_from_slice(&(n as u32).to_be_bytes());
    }
    out.extend_from_slice(s.as_bytes());
}

fn decode(bytes: &[u8]) -> Result<Object, String> {
    if bytes.is_empty() {
        return Ok(None);
    }
    let mut r = Reader { b: bytes, i: 0 };
    let tag = r.byte()?;
    let len = match tag {
        0xc0 => return Ok(None),
        0x80..=0x8f => usize::from(tag & 0x0f),
        0xde => r.uint(2)?,
        0xdf => r.uint(4)?,
        _ => return Err(format!("expected an object, found msgpack tag {tag:#04x}")),
    };
    let mut map = BTreeMap::new();
    for _ in 0..len {
        let key = match r.value()? {
            Str::Known(k) => k,
            other => return Err(format!("object key is {other:?}")),
        };
        map.insert(key, r.value()?);
    }
    Ok(Some(map))
}

struct Reader<'a> {
    b: &'a [u8],
    i: usize,
}

impl Reader<'_> {
    fn take(&mut self, n: usize) -> Result<&[u8], String> {
        let end = self.i.checked_add(n).filter(|&e| e <= self.b.len());
        let end = end.ok_or("truncated msgpack")?;
        let s = &self.b[self.i..end];
        self.i = end;
        Ok(s)
    }
    fn byte(&mut self) -> Result<u8, String> {
        Ok(self.take(1)?[0])
    }
    fn uint(&mut self, n: usize) -> Result<usize, String> {
        Ok(self
            .take(n)?
            .iter()
            .fold(0usize, |a, &b| (a << 8) | usize::from(b)))
    }
    fn value(&mut self) -> Result<Str, String> {
        let tag = self.byte()?;
        let str_len = match tag {
            0xc0 => return Ok(Str::Null),
            0xa0..=0xbf => usize::from(tag & 0x1f),
            0xd9 => self.uint(1)?,
            0xda => self.uint(2)?,
            0xdb => self.uint(4)?,
            // fixext 1/2/4/8/16 and ext 8/16/32: unknown (possibly refined).
            0xd4..=0xd8 => {
                let n = 1usize << (tag - 0xd4);
                self.take(1 + n)?;
                return Ok(Str::Unknown);
            }
            0xc7..=0xc9 => {
                let n = self.uint(1 << (tag - 0xc7))?;
                self.take(1 + n)?;
                return Ok(Str::Unknown);
            }
            _ => return Err(format!("expected a string, found msgpack tag {tag:#04x}")),
        };
        let s = self.take(str_len)?;
        String::from_utf8(s.to_vec())
            .map(Str::Known)
            .map_err(|_| "string is not UTF-8".to_string())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn msgpack_subset_round_trips() {
        let obj = Some(BTreeMap::from([
            ("id".to_string(), Str::Unknown),
            ("name".to_string(), Str::Known("x".repeat(40))),
        ]));
        assert_eq!(decode(&encode(&obj)), Ok(obj));
        assert_eq!(decode(&[0xc0]), Ok(None));
        assert_eq!(
            decode(&[0x81, 0xa1, b'a', 0xc7, 0x02, 0x0c, 0x81, 0x01]),
            Ok(Some(BTreeMap::from([("a".to_string(), Str::Unknown)])))
        );
        assert!(decode(&[0x81, 0xa1]).is_err());
    }

    #[tokio::test]
    async fn plan_marks_id_unknown_and_apply_fills_it() {
        let p = Placeholder;
        let proposed = Some(BTreeMap::from([
            ("id".to_string(), Str::Null),
            ("name".to_string(), Str::Known("a".into())),
        ]));
        let plan = p
            .plan_resource_change(PlanResourceChangeRequest {
                type_name: RESOURCE.into(),
                prior_state: DynamicValue::msgpack(vec![0xc0]),
                proposed_new_state: DynamicValue::msgpack(encode(&proposed)),
                ..Default::default()
            })
            .await;
        let planned = plan.planned_state.unwrap();
        assert_eq!(
            decode(&planned.msgpack).unwrap().unwrap()["id"],
            Str::Unknown
        );
        let applied = p
            .apply_resource_change(ApplyResourceChangeRequest {
                type_name: RESOURCE.into(),
                planned_state: planned,
                ..Default::default()
            })
            .await;
        let state = decode(&applied.new_state.unwrap().msgpack)
            .unwrap()
            .unwrap();
        assert_eq!(state["id"], Str::Known("ph-a".into()));
    }
}
