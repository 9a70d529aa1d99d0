//! The one extractor: turn a raw HTTP request into a `SignedRpc`
//! (action, version, decoded parameters, who signed it) or a `Rejection`
//! carrying the Alibaba-style error and the format to render it in.
//!
//! Steps (see docs/development/api-reference.md, «Signature v1» and «Signature v3»):
//! 1. Decode the query string and an `application/x-www-form-urlencoded` body
//!    with form rules (`+` is a space). A name given twice is rejected.
//! 2. `Authorization: ACS3-…` → verify v3 with the listed `SignedHeaders`,
//!    trying the documented canonical query (names encoded) and then the SDK
//!    form (names raw); otherwise verify v1 over every parameter but `Signature`.
//!    Canonical strings are rebuilt from the *decoded* values with
//!    `percent_encode`, never from the bytes received.
//! 3. Timestamp within the window (wall clock), known AccessKey, signature,
//!    unused nonce, acceptable STS token.

use std::collections::{BTreeMap, HashMap};

use axum::body::Bytes;
use axum::http::HeaderMap;

use crate::clock::{ms, parse_utc, Millis};
use crate::config::Config;
use crate::error::EmuError;
use crate::params::Params;
use crate::response::Format;
use crate::signature::{self as sig, V3Request};

/// Which signature scheme a request used.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum SigVersion {
    /// HMAC-SHA1, `SignatureVersion=1.0`.
    V1,
    /// `ACS3-HMAC-SHA256`.
    V3,
}

impl SigVersion {
    /// `v1` / `v3`.
    pub fn label(self) -> &'static str {
        match self {
            SigVersion::V1 => "v1",
            SigVersion::V3 => "v3",
        }
    }
}

/// What came over the wire.
pub struct RawRequest {
    /// `GET` or `POST`.
    pub method: String,
    /// Raw query string (without `?`).
    pub query: String,
    /// Headers.
    pub headers: HeaderMap,
    /// Body bytes.
    pub body: Bytes,
}

/// A verified RPC call.
#[derive(Debug)]
pub struct SignedRpc {
    /// `Action`.
    pub action: String,
    /// `Version`.
    pub version: String,
    /// All parameters (query + body), decoded.
    pub params: Params,
    /// Signing AccessKey.
    pub access_key_id: String,
    /// Answer format.
    pub format: Format,
    /// Scheme.
    pub sig: SigVersion,
    /// `Host` header (answered as `HostId`).
    pub host: String,
}

/// A refused request, with what is known about it for logging and rendering.
#[derive(Debug)]
pub struct Rejection {
    /// The error.
    pub error: EmuError,
    /// Render format.
    pub format: Format,
    /// Action, if it could be read.
    pub action: Option<String>,
    /// Version, if it could be read.
    pub version: Option<String>,
    /// Decoded parameters, if they could be decoded.
    pub flat: BTreeMap<String, String>,
    /// Scheme, if recognised.
    pub sig: Option<SigVersion>,
    /// `Host` header.
    pub host: String,
}

/// Nonces seen per AccessKey, remembered for twice the timestamp window.
#[derive(Debug, Default)]
pub struct NonceStore {
    seen: HashMap<(String, String), Millis>,
    last_purge: Millis,
}

impl NonceStore {
    /// Record a nonce; `false` if it was already used.
    pub fn use_nonce(&mut self, key: &str, nonce: &str, now: Millis, keep: Millis) -> bool {
        if now - self.last_purge > keep.max(1000) {
            self.seen.retain(|_, t| now - *t <= keep);
            self.last_purge = now;
        }
        self.seen
            .insert((key.to_string(), nonce.to_string()), now)
            .is_none()
    }

    /// Forget everything.
    pub fn clear(&mut self) {
        self.seen.clear();
    }
}

fn header<'a>(h: &'a HeaderMap, name: &str) -> Option<&'a str> {
    h.get(name).and_then(|v| v.to_str().ok())
}

fn decode(bytes: &[u8]) -> Vec<(String, String)> {
    form_urlencoded::parse(bytes).into_owned().collect()
}

fn is_form(h: &HeaderMap) -> bool {
    header(h, "content-type").is_some_and(|c| {
        c.trim()
            .to_ascii_lowercase()
            .starts_with("application/x-www-form-urlencoded")
    })
}

fn incomplete(why: &str) -> EmuError {
    EmuError::new(
        400,
        "IncompleteSignature",
        format!("The request signature does not conform to Aliyun standards. {why}"),
    )
}

fn mismatch(string_to_sign: &str) -> EmuError {
    EmuError::new(
        400,
        "SignatureDoesNotMatch",
        format!(
            "Specified signature is not matched with our calculation. server string to sign is:{string_to_sign}"
        ),
    )
}

/// Verifies requests against the configuration and the nonce store.
pub struct Verifier<'a> {
    /// Keys, window, STS tokens.
    pub config: &'a Config,
    /// Replay protection.
    pub nonces: &'a mut NonceStore,
    /// Wall-clock time of the request.
    pub wall_now: Millis,
    /// Temporary credentials (STS sessions).
    pub identity: &'a crate::sts::Identity,
    /// Emulator-clock time (temporary credentials expire on it).
    pub clock_now: Millis,
}

impl Verifier<'_> {
    /// Verify one request.
    pub fn verify(&mut self, raw: &RawRequest) -> Result<SignedRpc, Box<Rejection>> {
        let host = header(&raw.headers, "host").unwrap_or_default().to_string();
        let query = decode(raw.query.as_bytes());
        let body = if is_form(&raw.headers) {
            decode(&raw.body)
        } else {
            Vec::new()
        };
        let v3 =
            header(&raw.headers, "authorization").filter(|a| a.trim_start().starts_with("ACS3-"));
        let mut flat = BTreeMap::new();
        let mut duplicate = None;
        for (k, v) in query.iter().chain(body.iter()) {
            if flat.insert(k.clone(), v.clone()).is_some() {
                duplicate = Some(k.clone());
            }
        }
        let sig_version = if v3.is_some() {
            SigVersion::V3
        } else {
            SigVersion::V1
        };
        let (action, version, format) = match sig_version {
            SigVersion::V3 => (
                header(&raw.headers, "x-acs-action").map(str::to_string),
                header(&raw.headers, "x-acs-version").map(str::to_string),
                Format::Json,
            ),
            SigVersion::V1 => (
                flat.get("Action").cloned(),
                flat.get("Version").cloned(),
                Format::from_param(flat.get("Format").map(String::as_str)),
            ),
        };
        let reject = |error: EmuError, flat: BTreeMap<String, String>| {
            Box::new(Rejection {
                error,
                format,
                action: action.clone(),
                version: version.clone(),
                flat,
                sig: Some(sig_version),
                host: host.clone(),
            })
        };
        if let Some(name) = duplicate {
            // Undocumented on the real service; refusing is the consistent choice
            // and surfaces client bugs (a parameter both in the query and the body).
            return Err(reject(
                EmuError::invalid(format!("The parameter \"{name}\" is given more than once.")),
                flat,
            ));
        }
        let anonymous = v3.is_none()
            && action.as_deref() == Some("AssumeRoleWithOIDC")
            && version.as_deref() == Some(crate::sts::STS_VERSION)
            && !flat.contains_key("Signature")
            && !flat.contains_key("AccessKeyId");
        let checked = match v3 {
            // AssumeRoleWithOIDC is anonymous: the OIDC token is the credential.
            _ if anonymous => flat
                .get("Timestamp")
                .map_or(Ok(()), |ts| self.check_time(ts))
                .map(|()| String::new()),
            Some(auth) => self.verify_v3(raw, auth, &query),
            None => self.verify_v1(raw, &flat),
        };
        let access_key_id = match checked {
            Ok(k) => k,
            Err(e) => return Err(reject(e, flat)),
        };
        let (Some(action_s), Some(version_s)) = (action.clone(), version.clone()) else {
            let missing = match sig_version {
                SigVersion::V3 if action.is_none() => "x-acs-action",
                SigVersion::V3 => "x-acs-version",
                SigVersion::V1 if action.is_none() => "Action",
                SigVersion::V1 => "Version",
            };
            return Err(reject(EmuError::missing(missing), flat));
        };
        let params = match Params::new(flat.clone()) {
            Ok(p) => p,
            Err(e) => return Err(reject(e, flat)),
        };
        Ok(SignedRpc {
            action: action_s,
            version: version_s,
            params,
            access_key_id,
            format,
            sig: sig_version,
            host,
        })
    }

    fn check_time(&self, ts: &str) -> Result<(), EmuError> {
        let t = parse_utc(ts).ok_or_else(|| {
            EmuError::new(
                400,
                "InvalidTimeStamp.Format",
                "Specified time stamp or date value is not well formatted.",
            )
        })?;
        if (self.wall_now - t).abs() > ms(self.config.timestamp_window) {
            return Err(EmuError::new(
                400,
                "InvalidTimeStamp.Expired",
                "Specified time stamp or date value is expired.",
            ));
        }
        Ok(())
    }

    fn secret(&self, id: &str) -> Result<String, EmuError> {
        self.config
            .secret_for(id)
            .or_else(|| self.identity.secret_for(id))
            .map(str::to_string)
            .ok_or_else(|| {
                EmuError::new(
                    404,
                    "InvalidAccessKeyId.NotFound",
                    "Specified access key is not found.",
                )
            })
    }

    fn check_nonce(&mut self, key: &str, nonce: &str) -> Result<(), EmuError> {
        let keep = 2 * ms(self.config.timestamp_window);
        if self.nonces.use_nonce(key, nonce, self.wall_now, keep) {
            Ok(())
        } else {
            Err(EmuError::new(
                400,
                "SignatureNonceUsed",
                "Specified signature nonce was used already.",
            ))
        }
    }

    fn check_token(&self, key_id: &str, token: Option<&str>) -> Result<(), EmuError> {
        if let Some(session) = self.identity.sessions.get(key_id) {
            return match crate::sts::token_error(session, token, self.clock_now) {
                Some(e) => Err(e),
                None => Ok(()),
            };
        }
        let Some(token) = token else { return Ok(()) };
        let ok = !token.is_empty()
            && self
                .config
                .security_tokens
                .as_ref()
                .is_none_or(|list| list.iter().any(|t| t == token));
        if ok {
            Ok(())
        } else {
            Err(EmuError::new(
                400,
                "InvalidSecurityToken.Malformed",
                "Specified SecurityToken is malformed or not valid.",
            ))
        }
    }

    fn verify_v1(
        &mut self,
        raw: &RawRequest,
        flat: &BTreeMap<String, String>,
    ) -> Result<String, EmuError> {
        let get = |n: &str| flat.get(n).map(String::as_str);
        let signature = get("Signature")
            .filter(|s| !s.is_empty())
            .ok_or_else(|| incomplete("The Signature parameter is missing."))?;
        let req = |n: &str| {
            get(n)
                .filter(|v| !v.is_empty())
                .ok_or_else(|| EmuError::missing(n))
        };
        let key_id = req("AccessKeyId")?;
        let method = req("SignatureMethod")?;
        let version = req("SignatureVersion")?;
        let nonce = req("SignatureNonce")?;
        let ts = req("Timestamp")?;
        if method != "HMAC-SHA1" {
            return Err(incomplete("SignatureMethod must be HMAC-SHA1."));
        }
        if version != "1.0" {
            return Err(incomplete("SignatureVersion must be 1.0."));
        }
        self.check_time(ts)?;
        let secret = self.secret(key_id)?;
        let sts = sig::v1_string_to_sign(
            &raw.method,
            flat.iter()
                .filter(|(k, _)| k.as_str() != "Signature")
                .map(|(k, v)| (k.as_str(), v.as_str())),
        );
        if !sig::same(&sig::v1_sign(&secret, &sts), signature) {
            return Err(mismatch(&sts));
        }
        self.check_nonce(key_id, nonce)?;
        self.check_token(key_id, get("SecurityToken"))?;
        Ok(key_id.to_string())
    }

    fn verify_v3(
        &mut self,
        raw: &RawRequest,
        auth: &str,
        query: &[(String, String)],
    ) -> Result<String, EmuError> {
        let auth = auth.trim();
        let (algorithm, rest) = auth.split_once(' ').unwrap_or((auth, ""));
        if algorithm != "ACS3-HMAC-SHA256" {
            return Err(incomplete(&format!(
                "The signature algorithm {algorithm} is not supported (use ACS3-HMAC-SHA256)."
            )));
        }
        let mut fields = HashMap::new();
        for part in rest.split(',') {
            if let Some((k, v)) = part.trim().split_once('=') {
                fields.insert(k.trim(), v.trim());
            }
        }
        let field = |n: &str| {
            fields
                .get(n)
                .copied()
                .filter(|v| !v.is_empty())
                .ok_or_else(|| incomplete(&format!("The Authorization header has no {n}.")))
        };
        let key_id = field("Credential")?;
        let signed_headers = field("SignedHeaders")?;
        let signature = field("Signature")?;
        let h = |n: &str| header(&raw.headers, n);
        let date = h("x-acs-date").ok_or_else(|| EmuError::missing("x-acs-date"))?;
        let nonce =
            h("x-acs-signature-nonce").ok_or_else(|| EmuError::missing("x-acs-signature-nonce"))?;
        let names: Vec<String> = signed_headers
            .split(';')
            .map(|n| n.trim().to_ascii_lowercase())
            .collect();
        let mut must_sign = vec![
            "host",
            "x-acs-action",
            "x-acs-version",
            "x-acs-date",
            "x-acs-signature-nonce",
        ];
        for optional in ["x-acs-content-sha256", "x-acs-security-token"] {
            if h(optional).is_some() {
                must_sign.push(optional);
            }
        }
        if let Some(unsigned) = must_sign.iter().find(|m| !names.iter().any(|n| n == *m)) {
            return Err(incomplete(&format!(
                "The header {unsigned} must be signed."
            )));
        }
        self.check_time(date)?;
        let secret = self.secret(key_id)?;
        let body_hash = sig::sha256_hex(&raw.body);
        let payload = match h("x-acs-content-sha256") {
            Some(claimed) if !claimed.eq_ignore_ascii_case(&body_hash) => {
                return Err(EmuError::new(
                    400,
                    "SignatureDoesNotMatch",
                    "The x-acs-content-sha256 header does not match the SHA-256 of the request body.",
                ))
            }
            Some(claimed) => claimed.to_string(),
            None => body_hash,
        };
        let headers: Vec<(String, String)> = names
            .iter()
            .map(|n| {
                let mut values: Vec<&str> = raw
                    .headers
                    .get_all(n.as_str())
                    .iter()
                    .filter_map(|v| v.to_str().ok())
                    .map(str::trim)
                    .collect();
                values.sort();
                (n.clone(), values.join(","))
            })
            .collect();
        let pairs = || query.iter().map(|(k, v)| (k.as_str(), v.as_str()));
        let mut first_sts = None;
        for encode_names in [true, false] {
            let cq = sig::canonical_query(pairs(), encode_names);
            let req = V3Request {
                method: &raw.method,
                canonical_query: &cq,
                headers: &headers,
                signed_headers,
                hashed_payload: &payload,
            };
            let sts = sig::v3_string_to_sign(&sig::v3_canonical_request(&req));
            if sig::same(
                &sig::v3_sign(&secret, &sts),
                &signature.to_ascii_lowercase(),
            ) {
                self.check_nonce(key_id, nonce)?;
                self.check_token(key_id, h("x-acs-security-token"))?;
                return Ok(key_id.to_string());
            }
            first_sts.get_or_insert(sts);
        }
        Err(mismatch(&first_sts.unwrap_or_default()))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use axum::http::HeaderValue;

    const AT: &str = "2024-06-01T12:00:00Z";

    fn config() -> Config {
        Config {
            access_key_id: "testid".into(),
            access_key_secret: "testsecret".into(),
            ..Config::for_tests()
        }
    }

    fn raw(method: &str, target: &str, headers: &[(&str, &str)]) -> RawRequest {
        let mut h = HeaderMap::new();
        for (k, v) in headers {
            h.append(
                axum::http::HeaderName::from_bytes(k.as_bytes()).unwrap(),
                HeaderValue::from_str(v).unwrap(),
            );
        }
        RawRequest {
            method: method.into(),
            query: target
                .trim_start_matches("/?")
                .trim_start_matches("https://eci.cn-hangzhou.aliyuncs.com/?")
                .trim_start_matches("https://ecs.cn-hangzhou.aliyuncs.com/?")
                .into(),
            headers: h,
            body: Bytes::new(),
        }
    }

    fn verify(r: &RawRequest) -> Result<SignedRpc, Box<Rejection>> {
        let c = config();
        let mut nonces = NonceStore::default();
        let identity = crate::sts::Identity::default();
        Verifier {
            config: &c,
            nonces: &mut nonces,
            wall_now: parse_utc(AT).unwrap(),
            identity: &identity,
            clock_now: parse_utc(AT).unwrap(),
        }
        .verify(r)
    }

    #[test]
    fn v1_request_line_as_sent_by_the_classic_sdk() {
        let r = raw("GET", "/?RegionId=cn-hangzhou&Version=2018-08-08&Action=DescribeImageCaches&Format=JSON&Timestamp=2024-06-01T12%3A00%3A00Z&SignatureMethod=HMAC-SHA1&SignatureType=&SignatureVersion=1.0&SignatureNonce=0f8c7a0e-4b1e-4d6e-9c55-3f1f2a7b9d01&AccessKeyId=testid&Signature=LmM3j6rzRNSlSISB3igHqEUn58s%3D", &[]);
        let ok = verify(&r).unwrap();
        assert_eq!(
            (ok.action.as_str(), ok.format),
            ("DescribeImageCaches", Format::Json)
        );
        // Same bytes with POST: the method is part of the string to sign.
        let r = RawRequest {
            method: "POST".into(),
            ..r
        };
        let e = verify(&r).unwrap_err();
        assert_eq!(e.error.code, "SignatureDoesNotMatch");
        assert!(e.error.message.ends_with("server string to sign is:POST&%2F&AccessKeyId%3Dtestid%26Action%3DDescribeImageCaches%26Format%3DJSON%26RegionId%3Dcn-hangzhou%26SignatureMethod%3DHMAC-SHA1%26SignatureNonce%3D0f8c7a0e-4b1e-4d6e-9c55-3f1f2a7b9d01%26SignatureType%3D%26SignatureVersion%3D1.0%26Timestamp%3D2024-06-01T12%253A00%253A00Z%26Version%3D2018-08-08"));
    }

    #[test]
    fn v2_special_characters_as_sent() {
        let r = raw("POST", "/?RegionId=cn-hangzhou&ImageCacheName=my%20cache%2A~%2F%C3%A9&Image.1=registry-vpc.cn-hangzhou.aliyuncs.com%2Feci_open%2Fnginx%3A1.15.10-perl&Image.2=docker.io%2Flibrary%2Fbusybox%3Alatest&Tag.1.Key=env%20name&Tag.1.Value=%E6%B5%8B%E8%AF%95%20a%2Bb%3Dc%26d&SecurityGroupId=sg-uf66jeqopgqa9hdn0000&VSwitchId=vsw-uf6h3rbwbm90urjwa0000&ImageCacheSize=20&AutoMatchImageCache=true&ClientToken=123e4567-e89b-12d3-a456-426655440000&Version=2018-08-08&Action=CreateImageCache&Format=JSON&Timestamp=2024-06-01T12%3A00%3A00Z&SignatureMethod=HMAC-SHA1&SignatureType=&SignatureVersion=1.0&SignatureNonce=0f8c7a0e-4b1e-4d6e-9c55-3f1f2a7b9d01&AccessKeyId=testid&Signature=3N8Q%2BCgMPOElFjDBfvQPfFG1UYk%3D", &[]);
        let ok = verify(&r).unwrap();
        assert_eq!(ok.params.str("ImageCacheName"), Some("my cache*~/é"));
        assert_eq!(ok.params.str("Tag.1.Value"), Some("测试 a+b=c&d"));
    }

    #[test]
    fn v3_url_with_form_style_plus_and_map_keys() {
        let r = raw("POST", "https://eci.cn-hangzhou.aliyuncs.com/?Action=CreateDataCache&Format=json&Version=2018-08-08&Timestamp=2024-06-01T12%3A00%3A00Z&SignatureNonce=0f8c7a0e4b1e4d6e9c553f1f2a7b9d01&RegionId=cn-hangzhou&Name=hf+model&Bucket=default&Path=%2Fmodel%2Fsd21&Size=40&RetentionDays=7&DataSource.Type=URL&DataSource.Options.%2310%23repoSource=HuggingFace%2FModel&DataSource.Options.%236%23repoId=stabilityai%2Fstable-diffusion-2-1&Tag.1.Key=team&Tag.1.Value=ml&ClientToken=123e4567-e89b-12d3-a456-426655440000&SignatureMethod=HMAC-SHA1&SignatureVersion=1.0&AccessKeyId=testid&Signature=U4G%2FkNxPxDxOPMYK9G0hWg9lqJ4%3D", &[]);
        let ok = verify(&r).unwrap();
        assert_eq!(ok.params.str("Name"), Some("hf model"));
        let opts = ok.params.map("DataSource.Options").unwrap().unwrap();
        assert_eq!(opts["repoSource"], "HuggingFace/Model");
    }

    const V3_HEADERS: [(&str, &str); 5] = [
        (
            "x-acs-content-sha256",
            "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855",
        ),
        ("x-acs-date", AT),
        ("x-acs-signature-nonce", "0f8c7a0e4b1e4d6e9c553f1f2a7b9d01"),
        ("x-acs-version", "2018-08-08"),
        ("host", "eci.cn-hangzhou.aliyuncs.com"),
    ];

    fn v7(signature: &str) -> RawRequest {
        let auth = format!("ACS3-HMAC-SHA256 Credential=testid,SignedHeaders=host;x-acs-action;x-acs-content-sha256;x-acs-date;x-acs-signature-nonce;x-acs-version,Signature={signature}");
        let mut h = V3_HEADERS.to_vec();
        h.push(("x-acs-action", "CreateDataCache"));
        h.push(("authorization", &auth));
        raw("POST", "/?DataSource.Options.%2310%23repoSource=HuggingFace%2FModel&DataSource.Options.%236%23repoId=stabilityai%2Fstable-diffusion-2-1&DataSource.Type=URL&RegionId=cn-hangzhou", &h)
    }

    #[test]
    fn v7_both_canonical_query_forms_are_accepted() {
        // SDK form (names raw) and documented form (names encoded).
        for sig in [
            "57f2b595220354fec7f418d17378ffb14fb986c870c1323d05ab94ec6a497d6a",
            "8d51a006831fc6e5850a7d4a43fe988afcf6291dc4286a99119121068101ddd5",
        ] {
            let ok = verify(&v7(sig)).unwrap();
            assert_eq!(
                (ok.action.as_str(), ok.sig, ok.format),
                ("CreateDataCache", SigVersion::V3, Format::Json)
            );
        }
        let e = verify(&v7(
            "57f2b595220354fec7f418d17378ffb14fb986c870c1323d05ab94ec6a497d6b",
        ))
        .unwrap_err();
        assert_eq!(e.error.code, "SignatureDoesNotMatch");
    }

    #[test]
    fn v8_full_sdk_header_set() {
        let auth = "ACS3-HMAC-SHA256 Credential=testid,SignedHeaders=accept;host;user-agent;x-acs-action;x-acs-content-sha256;x-acs-credentials-provider;x-acs-date;x-acs-signature-nonce;x-acs-version,Signature=4e889f422783c67f12094bfcb98ae5f3cb7b1ba87fe89d7b59b4c1267226f1dc";
        let h = [
            ("accept", "application/json"),
            ("host", "ecs.cn-hangzhou.aliyuncs.com"),
            (
                "user-agent",
                "AlibabaCloud (Linux; x86_64) Python/3.11.7 Core/0.3.x TeaDSL/2",
            ),
            ("x-acs-action", "StartImagePipelineExecution"),
            (
                "x-acs-content-sha256",
                "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855",
            ),
            ("x-acs-credentials-provider", "static_ak"),
            ("x-acs-date", AT),
            ("x-acs-signature-nonce", "0f8c7a0e4b1e4d6e9c553f1f2a7b9d01"),
            ("x-acs-version", "2014-05-26"),
            ("authorization", auth),
        ];
        let r = raw("POST", "https://ecs.cn-hangzhou.aliyuncs.com/?ClientToken=123e4567-e89b-12d3-a456-426655440000&ImagePipelineId=ip-2ze5tsl5bp6nf2b3%2A%2A%2A%2A&RegionId=cn-hangzhou&Tag.1.Key=TestKey&Tag.1.Value=Test+Value", &h);
        let ok = verify(&r).unwrap();
        assert_eq!(ok.params.str("Tag.1.Value"), Some("Test Value"));
        assert_eq!(ok.version, "2014-05-26");
    }

    #[test]
    fn v3_rejects_unsigned_required_headers_and_bad_payload_hash() {
        let auth = "ACS3-HMAC-SHA256 Credential=testid,SignedHeaders=host;x-acs-date,Signature=00";
        let mut h = V3_HEADERS.to_vec();
        h.push(("x-acs-action", "DescribeImageCaches"));
        h.push(("authorization", auth));
        let e = verify(&raw("POST", "/?RegionId=cn-hangzhou", &h)).unwrap_err();
        assert_eq!(e.error.code, "IncompleteSignature");
        let mut r = v7("57f2b595220354fec7f418d17378ffb14fb986c870c1323d05ab94ec6a497d6a");
        r.body = Bytes::from_static(b"x=1");
        assert_eq!(verify(&r).unwrap_err().error.code, "SignatureDoesNotMatch");
        let mut h = V3_HEADERS.to_vec();
        h.push(("x-acs-action", "DescribeImageCaches"));
        h.push((
            "authorization",
            "ACS3-HMAC-SM3 Credential=testid,SignedHeaders=host,Signature=00",
        ));
        assert_eq!(
            verify(&raw("POST", "/", &h)).unwrap_err().error.code,
            "IncompleteSignature"
        );
    }

    #[test]
    fn v1_missing_and_malformed_common_parameters() {
        let base = "Action=DescribeImageCaches&Version=2018-08-08&AccessKeyId=testid&SignatureMethod=HMAC-SHA1&SignatureVersion=1.0&SignatureNonce=n&Timestamp=2024-06-01T12%3A00%3A00Z&Signature=x";
        for (drop, code) in [
            ("Signature", "IncompleteSignature"),
            ("AccessKeyId", "MissingParameter"),
            ("SignatureNonce", "MissingParameter"),
            ("Timestamp", "MissingParameter"),
        ] {
            let q: Vec<&str> = base
                .split('&')
                .filter(|p| !p.starts_with(&format!("{drop}=")))
                .collect();
            let e = verify(&raw("GET", &q.join("&"), &[])).unwrap_err();
            assert_eq!(e.error.code, code, "{drop}");
        }
        let e = verify(&raw("GET", &base.replace("HMAC-SHA1", "HMAC-SHA256"), &[])).unwrap_err();
        assert_eq!(e.error.code, "IncompleteSignature");
        let e = verify(&raw("GET", &base.replace("testid", "other"), &[])).unwrap_err();
        assert_eq!(
            (e.error.status, e.error.code.as_str()),
            (404, "InvalidAccessKeyId.NotFound")
        );
        let e = verify(&raw("GET", &base.replace("Format", "X"), &[])).unwrap_err();
        assert_eq!(
            e.format,
            Format::Xml,
            "errors use XML when Format is absent"
        );
    }
}
