//! Pure signature computations: v1 (HMAC-SHA1, `SignatureVersion=1.0`) and
//! v3 (`ACS3-HMAC-SHA256`), exactly as docs/development/api-reference.md describes them
//! («Percent-encoding», «Signature v1», «Signature v3», with the test vectors).
//!
//! Nothing here knows about HTTP or about the emulator's state; `rpc.rs`
//! feeds decoded parameters and headers in and compares the results.

use base64::Engine as _;
use hmac::{Hmac, Mac};
use sha1::Sha1;
use sha2::{Digest, Sha256};

/// SHA-256 of an empty payload, the value of `x-acs-content-sha256` for bodiless requests.
pub const EMPTY_SHA256: &str = "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855";

/// The one encoding used for names and values in both signature versions:
/// unreserved bytes (`A-Z a-z 0-9 - _ . ~`) stay, every other UTF-8 byte becomes `%XY`.
pub fn percent_encode(s: &str) -> String {
    let mut out = String::with_capacity(s.len() + 8);
    for &b in s.as_bytes() {
        if b.is_ascii_alphanumeric() || matches!(b, b'-' | b'_' | b'.' | b'~') {
            out.push(b as char);
        } else {
            out.push('%');
            out.push(HEX_UPPER[(b >> 4) as usize] as char);
            out.push(HEX_UPPER[(b & 0xf) as usize] as char);
        }
    }
    out
}

const HEX_UPPER: &[u8; 16] = b"0123456789ABCDEF";

/// Lowercase hex of a byte string.
pub fn hex_lower(bytes: &[u8]) -> String {
    const HEX: &[u8; 16] = b"0123456789abcdef";
    let mut s = String::with_capacity(bytes.len() * 2);
    for &b in bytes {
        s.push(HEX[(b >> 4) as usize] as char);
        s.push(HEX[(b & 0xf) as usize] as char);
    }
    s
}

/// Lowercase hex SHA-256 of `data`.
pub fn sha256_hex(data: &[u8]) -> String {
    hex_lower(&Sha256::digest(data))
}

/// Sorted `name=value` pairs joined with `&`, names and values percent-encoded.
/// With `encode_names = false` names are written raw (what the Python/Go SDK
/// helpers do in the v3 canonical query, vector V7).
pub fn canonical_query<'a, I>(params: I, encode_names: bool) -> String
where
    I: IntoIterator<Item = (&'a str, &'a str)>,
{
    let mut pairs: Vec<(&str, &str)> = params.into_iter().collect();
    // Byte order of the names; values break ties so duplicates stay deterministic.
    pairs.sort();
    pairs
        .iter()
        .map(|(k, v)| {
            let name = if encode_names {
                percent_encode(k)
            } else {
                (*k).to_string()
            };
            format!("{name}={}", percent_encode(v))
        })
        .collect::<Vec<_>>()
        .join("&")
}

/// v1 StringToSign: `METHOD&%2F&percentEncode(CanonicalizedQueryString)`.
/// `params` must already exclude `Signature`.
pub fn v1_string_to_sign<'a, I>(method: &str, params: I) -> String
where
    I: IntoIterator<Item = (&'a str, &'a str)>,
{
    let cqs = canonical_query(params, true);
    format!("{method}&{}&{}", percent_encode("/"), percent_encode(&cqs))
}

/// v1 signature: base64(HMAC-SHA1(secret + "&", string_to_sign)).
pub fn v1_sign(secret: &str, string_to_sign: &str) -> String {
    let mut mac = Hmac::<Sha1>::new_from_slice(format!("{secret}&").as_bytes())
        .expect("HMAC accepts keys of any length");
    mac.update(string_to_sign.as_bytes());
    base64::engine::general_purpose::STANDARD.encode(mac.finalize().into_bytes())
}

/// Inputs of a v3 canonical request. Header names must be lowercase; `headers`
/// holds only the signed headers, in the order of `SignedHeaders`.
pub struct V3Request<'a> {
    /// HTTP method, e.g. `POST`.
    pub method: &'a str,
    /// Already-built canonical query string.
    pub canonical_query: &'a str,
    /// `(lowercase name, value)` of each signed header, in `SignedHeaders` order.
    pub headers: &'a [(String, String)],
    /// The `SignedHeaders` list as sent (`a;b;c`).
    pub signed_headers: &'a str,
    /// HashedPayload (the `x-acs-content-sha256` value).
    pub hashed_payload: &'a str,
}

/// v3 CanonicalRequest (canonical URI is always `/` for RPC APIs).
pub fn v3_canonical_request(r: &V3Request<'_>) -> String {
    let mut s = String::new();
    s.push_str(r.method);
    s.push_str("\n/\n");
    s.push_str(r.canonical_query);
    s.push('\n');
    for (name, value) in r.headers {
        s.push_str(name);
        s.push(':');
        s.push_str(value.trim());
        s.push('\n');
    }
    s.push('\n');
    s.push_str(r.signed_headers);
    s.push('\n');
    s.push_str(r.hashed_payload);
    s
}

/// v3 StringToSign: `ACS3-HMAC-SHA256\n` + hex(SHA-256(CanonicalRequest)).
pub fn v3_string_to_sign(canonical_request: &str) -> String {
    format!(
        "ACS3-HMAC-SHA256\n{}",
        sha256_hex(canonical_request.as_bytes())
    )
}

/// v3 signature: lowercase hex HMAC-SHA256 keyed with the bare secret.
pub fn v3_sign(secret: &str, string_to_sign: &str) -> String {
    let mut mac =
        Hmac::<Sha256>::new_from_slice(secret.as_bytes()).expect("HMAC accepts keys of any length");
    mac.update(string_to_sign.as_bytes());
    hex_lower(&mac.finalize().into_bytes())
}

/// Constant-time string comparison (avoids leaking how much of a signature matched).
pub fn same(a: &str, b: &str) -> bool {
    a.len() == b.len()
        && a.bytes()
            .zip(b.bytes())
            .fold(0u8, |acc, (x, y)| acc | (x ^ y))
            == 0
}

#[cfg(test)]
mod tests {
    use super::*;

    const DATE: &str = "2024-06-01T12:00:00Z";
    const NONCE_V3: &str = "0f8c7a0e4b1e4d6e9c553f1f2a7b9d01";

    fn v1_check(method: &str, params: &[(&str, &str)], cqs: &str, sts: &str, sig: &str) {
        assert_eq!(canonical_query(params.iter().copied(), true), cqs);
        let got = v1_string_to_sign(method, params.iter().copied());
        assert_eq!(got, sts);
        assert_eq!(v1_sign("testsecret", &got), sig);
    }

    #[test]
    fn percent_encoding_rules() {
        assert_eq!(percent_encode("a b*~/:+=&#"), "a%20b%2A~%2F%3A%2B%3D%26%23");
        assert_eq!(percent_encode("é测"), "%C3%A9%E6%B5%8B");
        assert_eq!(percent_encode("A-z_0.9"), "A-z_0.9");
    }

    #[test]
    fn v0_describe_regions_help_page_example() {
        let p = [
            ("AccessKeyId", "testid"),
            ("Action", "DescribeRegions"),
            ("Format", "XML"),
            ("SignatureMethod", "HMAC-SHA1"),
            ("SignatureNonce", "3ee8c1b8-83d3-44af-a94f-4e0ad82fd6cf"),
            ("SignatureVersion", "1.0"),
            ("Timestamp", "2016-02-23T12:46:24Z"),
            ("Version", "2014-05-26"),
        ];
        v1_check(
            "GET",
            &p,
            "AccessKeyId=testid&Action=DescribeRegions&Format=XML&SignatureMethod=HMAC-SHA1&SignatureNonce=3ee8c1b8-83d3-44af-a94f-4e0ad82fd6cf&SignatureVersion=1.0&Timestamp=2016-02-23T12%3A46%3A24Z&Version=2014-05-26",
            "GET&%2F&AccessKeyId%3Dtestid%26Action%3DDescribeRegions%26Format%3DXML%26SignatureMethod%3DHMAC-SHA1%26SignatureNonce%3D3ee8c1b8-83d3-44af-a94f-4e0ad82fd6cf%26SignatureVersion%3D1.0%26Timestamp%3D2016-02-23T12%253A46%253A24Z%26Version%3D2014-05-26",
            "OLeaidS1JvxuMvnyHOwuJ+uX5qY=",
        );
    }

    #[test]
    fn v1_describe_image_caches_get_with_empty_signature_type() {
        let p = [
            ("AccessKeyId", "testid"),
            ("Action", "DescribeImageCaches"),
            ("Format", "JSON"),
            ("RegionId", "cn-hangzhou"),
            ("SignatureMethod", "HMAC-SHA1"),
            ("SignatureNonce", "0f8c7a0e-4b1e-4d6e-9c55-3f1f2a7b9d01"),
            ("SignatureType", ""),
            ("SignatureVersion", "1.0"),
            ("Timestamp", DATE),
            ("Version", "2018-08-08"),
        ];
        v1_check(
            "GET",
            &p,
            "AccessKeyId=testid&Action=DescribeImageCaches&Format=JSON&RegionId=cn-hangzhou&SignatureMethod=HMAC-SHA1&SignatureNonce=0f8c7a0e-4b1e-4d6e-9c55-3f1f2a7b9d01&SignatureType=&SignatureVersion=1.0&Timestamp=2024-06-01T12%3A00%3A00Z&Version=2018-08-08",
            "GET&%2F&AccessKeyId%3Dtestid%26Action%3DDescribeImageCaches%26Format%3DJSON%26RegionId%3Dcn-hangzhou%26SignatureMethod%3DHMAC-SHA1%26SignatureNonce%3D0f8c7a0e-4b1e-4d6e-9c55-3f1f2a7b9d01%26SignatureType%3D%26SignatureVersion%3D1.0%26Timestamp%3D2024-06-01T12%253A00%253A00Z%26Version%3D2018-08-08",
            "LmM3j6rzRNSlSISB3igHqEUn58s=",
        );
    }

    #[test]
    fn v2_create_image_cache_special_characters() {
        let p = [
            ("AccessKeyId", "testid"),
            ("Action", "CreateImageCache"),
            ("AutoMatchImageCache", "true"),
            ("ClientToken", "123e4567-e89b-12d3-a456-426655440000"),
            ("Format", "JSON"),
            (
                "Image.1",
                "registry-vpc.cn-hangzhou.aliyuncs.com/eci_open/nginx:1.15.10-perl",
            ),
            ("Image.2", "docker.io/library/busybox:latest"),
            ("ImageCacheName", "my cache*~/é"),
            ("ImageCacheSize", "20"),
            ("RegionId", "cn-hangzhou"),
            ("SecurityGroupId", "sg-uf66jeqopgqa9hdn0000"),
            ("SignatureMethod", "HMAC-SHA1"),
            ("SignatureNonce", "0f8c7a0e-4b1e-4d6e-9c55-3f1f2a7b9d01"),
            ("SignatureType", ""),
            ("SignatureVersion", "1.0"),
            ("Tag.1.Key", "env name"),
            ("Tag.1.Value", "测试 a+b=c&d"),
            ("Timestamp", DATE),
            ("VSwitchId", "vsw-uf6h3rbwbm90urjwa0000"),
            ("Version", "2018-08-08"),
        ];
        v1_check(
            "POST",
            &p,
            "AccessKeyId=testid&Action=CreateImageCache&AutoMatchImageCache=true&ClientToken=123e4567-e89b-12d3-a456-426655440000&Format=JSON&Image.1=registry-vpc.cn-hangzhou.aliyuncs.com%2Feci_open%2Fnginx%3A1.15.10-perl&Image.2=docker.io%2Flibrary%2Fbusybox%3Alatest&ImageCacheName=my%20cache%2A~%2F%C3%A9&ImageCacheSize=20&RegionId=cn-hangzhou&SecurityGroupId=sg-uf66jeqopgqa9hdn0000&SignatureMethod=HMAC-SHA1&SignatureNonce=0f8c7a0e-4b1e-4d6e-9c55-3f1f2a7b9d01&SignatureType=&SignatureVersion=1.0&Tag.1.Key=env%20name&Tag.1.Value=%E6%B5%8B%E8%AF%95%20a%2Bb%3Dc%26d&Timestamp=2024-06-01T12%3A00%3A00Z&VSwitchId=vsw-uf6h3rbwbm90urjwa0000&Version=2018-08-08",
            "POST&%2F&AccessKeyId%3Dtestid%26Action%3DCreateImageCache%26AutoMatchImageCache%3Dtrue%26ClientToken%3D123e4567-e89b-12d3-a456-426655440000%26Format%3DJSON%26Image.1%3Dregistry-vpc.cn-hangzhou.aliyuncs.com%252Feci_open%252Fnginx%253A1.15.10-perl%26Image.2%3Ddocker.io%252Flibrary%252Fbusybox%253Alatest%26ImageCacheName%3Dmy%2520cache%252A~%252F%25C3%25A9%26ImageCacheSize%3D20%26RegionId%3Dcn-hangzhou%26SecurityGroupId%3Dsg-uf66jeqopgqa9hdn0000%26SignatureMethod%3DHMAC-SHA1%26SignatureNonce%3D0f8c7a0e-4b1e-4d6e-9c55-3f1f2a7b9d01%26SignatureType%3D%26SignatureVersion%3D1.0%26Tag.1.Key%3Denv%2520name%26Tag.1.Value%3D%25E6%25B5%258B%25E8%25AF%2595%2520a%252Bb%253Dc%2526d%26Timestamp%3D2024-06-01T12%253A00%253A00Z%26VSwitchId%3Dvsw-uf6h3rbwbm90urjwa0000%26Version%3D2018-08-08",
            "3N8Q+CgMPOElFjDBfvQPfFG1UYk=",
        );
    }

    #[test]
    fn v3_create_data_cache_map_keys_lowercase_format() {
        let p = [
            ("AccessKeyId", "testid"),
            ("Action", "CreateDataCache"),
            ("Bucket", "default"),
            ("ClientToken", "123e4567-e89b-12d3-a456-426655440000"),
            ("DataSource.Options.#10#repoSource", "HuggingFace/Model"),
            (
                "DataSource.Options.#6#repoId",
                "stabilityai/stable-diffusion-2-1",
            ),
            ("DataSource.Type", "URL"),
            ("Format", "json"),
            ("Name", "hf model"),
            ("Path", "/model/sd21"),
            ("RegionId", "cn-hangzhou"),
            ("RetentionDays", "7"),
            ("SignatureMethod", "HMAC-SHA1"),
            ("SignatureNonce", NONCE_V3),
            ("SignatureVersion", "1.0"),
            ("Size", "40"),
            ("Tag.1.Key", "team"),
            ("Tag.1.Value", "ml"),
            ("Timestamp", DATE),
            ("Version", "2018-08-08"),
        ];
        v1_check(
            "POST",
            &p,
            "AccessKeyId=testid&Action=CreateDataCache&Bucket=default&ClientToken=123e4567-e89b-12d3-a456-426655440000&DataSource.Options.%2310%23repoSource=HuggingFace%2FModel&DataSource.Options.%236%23repoId=stabilityai%2Fstable-diffusion-2-1&DataSource.Type=URL&Format=json&Name=hf%20model&Path=%2Fmodel%2Fsd21&RegionId=cn-hangzhou&RetentionDays=7&SignatureMethod=HMAC-SHA1&SignatureNonce=0f8c7a0e4b1e4d6e9c553f1f2a7b9d01&SignatureVersion=1.0&Size=40&Tag.1.Key=team&Tag.1.Value=ml&Timestamp=2024-06-01T12%3A00%3A00Z&Version=2018-08-08",
            "POST&%2F&AccessKeyId%3Dtestid%26Action%3DCreateDataCache%26Bucket%3Ddefault%26ClientToken%3D123e4567-e89b-12d3-a456-426655440000%26DataSource.Options.%252310%2523repoSource%3DHuggingFace%252FModel%26DataSource.Options.%25236%2523repoId%3Dstabilityai%252Fstable-diffusion-2-1%26DataSource.Type%3DURL%26Format%3Djson%26Name%3Dhf%2520model%26Path%3D%252Fmodel%252Fsd21%26RegionId%3Dcn-hangzhou%26RetentionDays%3D7%26SignatureMethod%3DHMAC-SHA1%26SignatureNonce%3D0f8c7a0e4b1e4d6e9c553f1f2a7b9d01%26SignatureVersion%3D1.0%26Size%3D40%26Tag.1.Key%3Dteam%26Tag.1.Value%3Dml%26Timestamp%3D2024-06-01T12%253A00%253A00Z%26Version%3D2018-08-08",
            "U4G/kNxPxDxOPMYK9G0hWg9lqJ4=",
        );
    }

    #[test]
    fn v4_start_image_pipeline_execution_asterisks() {
        let p = [
            ("AccessKeyId", "testid"),
            ("Action", "StartImagePipelineExecution"),
            ("ClientToken", "123e4567-e89b-12d3-a456-426655440000"),
            ("Format", "json"),
            ("ImagePipelineId", "ip-2ze5tsl5bp6nf2b3****"),
            ("RegionId", "cn-hangzhou"),
            ("SignatureMethod", "HMAC-SHA1"),
            ("SignatureNonce", NONCE_V3),
            ("SignatureVersion", "1.0"),
            ("Tag.1.Key", "TestKey"),
            ("Tag.1.Value", "Test Value"),
            ("Timestamp", DATE),
            ("Version", "2014-05-26"),
        ];
        let sts = v1_string_to_sign("POST", p.iter().copied());
        assert_eq!(
            sts,
            "POST&%2F&AccessKeyId%3Dtestid%26Action%3DStartImagePipelineExecution%26ClientToken%3D123e4567-e89b-12d3-a456-426655440000%26Format%3Djson%26ImagePipelineId%3Dip-2ze5tsl5bp6nf2b3%252A%252A%252A%252A%26RegionId%3Dcn-hangzhou%26SignatureMethod%3DHMAC-SHA1%26SignatureNonce%3D0f8c7a0e4b1e4d6e9c553f1f2a7b9d01%26SignatureVersion%3D1.0%26Tag.1.Key%3DTestKey%26Tag.1.Value%3DTest%2520Value%26Timestamp%3D2024-06-01T12%253A00%253A00Z%26Version%3D2014-05-26"
        );
        assert_eq!(v1_sign("testsecret", &sts), "+se60lrm2tHlwKsIKZTDghBgV98=");
    }

    fn std_headers(action: &str, version: &str, host: &str) -> Vec<(String, String)> {
        vec![
            ("host".into(), host.into()),
            ("x-acs-action".into(), action.into()),
            ("x-acs-content-sha256".into(), EMPTY_SHA256.into()),
            ("x-acs-date".into(), DATE.into()),
            ("x-acs-signature-nonce".into(), NONCE_V3.into()),
            ("x-acs-version".into(), version.into()),
        ]
    }

    const STD_SIGNED: &str =
        "host;x-acs-action;x-acs-content-sha256;x-acs-date;x-acs-signature-nonce;x-acs-version";

    fn v3_check(
        query: &str,
        headers: &[(String, String)],
        signed: &str,
        canonical: &str,
        sts: &str,
        sig: &str,
    ) {
        let req = V3Request {
            method: "POST",
            canonical_query: query,
            headers,
            signed_headers: signed,
            hashed_payload: EMPTY_SHA256,
        };
        let cr = v3_canonical_request(&req);
        assert_eq!(cr, canonical);
        let got = v3_string_to_sign(&cr);
        assert_eq!(got, sts);
        assert_eq!(v3_sign("testsecret", &got), sig);
    }

    #[test]
    fn v5_describe_image_caches_minimal_headers() {
        let q = canonical_query([("RegionId", "cn-hangzhou")], true);
        v3_check(
            &q,
            &std_headers("DescribeImageCaches", "2018-08-08", "eci.cn-hangzhou.aliyuncs.com"),
            STD_SIGNED,
            "POST\n/\nRegionId=cn-hangzhou\nhost:eci.cn-hangzhou.aliyuncs.com\nx-acs-action:DescribeImageCaches\nx-acs-content-sha256:e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855\nx-acs-date:2024-06-01T12:00:00Z\nx-acs-signature-nonce:0f8c7a0e4b1e4d6e9c553f1f2a7b9d01\nx-acs-version:2018-08-08\n\nhost;x-acs-action;x-acs-content-sha256;x-acs-date;x-acs-signature-nonce;x-acs-version\ne3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855",
            "ACS3-HMAC-SHA256\n0c2742d96af695b2d249131b3a5ea4a9aa65912af3f8885856fd2a573f9203b6",
            "f23112fd58cf526432b7ecee624dc91391e242c3113fb6014e5bcc74bc946880",
        );
    }

    #[test]
    fn v6_create_image_cache_special_characters() {
        let params = [
            (
                "Image.1",
                "registry-vpc.cn-hangzhou.aliyuncs.com/eci_open/nginx:1.15.10-perl",
            ),
            ("ImageCacheName", "my cache*~/é"),
            ("RegionId", "cn-hangzhou"),
            ("Tag.1.Key", "env name"),
            ("Tag.1.Value", "测试 a+b=c&d"),
        ];
        let q = canonical_query(params, true);
        assert_eq!(q, canonical_query(params, false), "no reserved names here");
        v3_check(
            &q,
            &std_headers("CreateImageCache", "2018-08-08", "eci.cn-hangzhou.aliyuncs.com"),
            STD_SIGNED,
            "POST\n/\nImage.1=registry-vpc.cn-hangzhou.aliyuncs.com%2Feci_open%2Fnginx%3A1.15.10-perl&ImageCacheName=my%20cache%2A~%2F%C3%A9&RegionId=cn-hangzhou&Tag.1.Key=env%20name&Tag.1.Value=%E6%B5%8B%E8%AF%95%20a%2Bb%3Dc%26d\nhost:eci.cn-hangzhou.aliyuncs.com\nx-acs-action:CreateImageCache\nx-acs-content-sha256:e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855\nx-acs-date:2024-06-01T12:00:00Z\nx-acs-signature-nonce:0f8c7a0e4b1e4d6e9c553f1f2a7b9d01\nx-acs-version:2018-08-08\n\nhost;x-acs-action;x-acs-content-sha256;x-acs-date;x-acs-signature-nonce;x-acs-version\ne3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855",
            "ACS3-HMAC-SHA256\n9ab7132f94d336f2623aad8ce72923cf526f8ef1bc78e757788177725c45474d",
            "6c0a9dd71fc6e774cdb6c65ed6a09f8d52c3d9d4cca5406eb9ec45ff411b8a0f",
        );
    }

    const V7_PARAMS: [(&str, &str); 4] = [
        ("DataSource.Options.#10#repoSource", "HuggingFace/Model"),
        (
            "DataSource.Options.#6#repoId",
            "stabilityai/stable-diffusion-2-1",
        ),
        ("DataSource.Type", "URL"),
        ("RegionId", "cn-hangzhou"),
    ];

    #[test]
    fn v7_create_data_cache_sdk_form_raw_names() {
        let q = canonical_query(V7_PARAMS, false);
        v3_check(
            &q,
            &std_headers("CreateDataCache", "2018-08-08", "eci.cn-hangzhou.aliyuncs.com"),
            STD_SIGNED,
            "POST\n/\nDataSource.Options.#10#repoSource=HuggingFace%2FModel&DataSource.Options.#6#repoId=stabilityai%2Fstable-diffusion-2-1&DataSource.Type=URL&RegionId=cn-hangzhou\nhost:eci.cn-hangzhou.aliyuncs.com\nx-acs-action:CreateDataCache\nx-acs-content-sha256:e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855\nx-acs-date:2024-06-01T12:00:00Z\nx-acs-signature-nonce:0f8c7a0e4b1e4d6e9c553f1f2a7b9d01\nx-acs-version:2018-08-08\n\nhost;x-acs-action;x-acs-content-sha256;x-acs-date;x-acs-signature-nonce;x-acs-version\ne3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855",
            "ACS3-HMAC-SHA256\n20199e119cd247213796f3f09f4baf68cce136936e5e89c4f662c014190e26eb",
            "57f2b595220354fec7f418d17378ffb14fb986c870c1323d05ab94ec6a497d6a",
        );
    }

    #[test]
    fn v7_create_data_cache_documented_form_encoded_names() {
        let q = canonical_query(V7_PARAMS, true);
        assert_eq!(
            q,
            "DataSource.Options.%2310%23repoSource=HuggingFace%2FModel&DataSource.Options.%236%23repoId=stabilityai%2Fstable-diffusion-2-1&DataSource.Type=URL&RegionId=cn-hangzhou"
        );
        let headers = std_headers(
            "CreateDataCache",
            "2018-08-08",
            "eci.cn-hangzhou.aliyuncs.com",
        );
        let req = V3Request {
            method: "POST",
            canonical_query: &q,
            headers: &headers,
            signed_headers: STD_SIGNED,
            hashed_payload: EMPTY_SHA256,
        };
        let sts = v3_string_to_sign(&v3_canonical_request(&req));
        assert_eq!(
            sts,
            "ACS3-HMAC-SHA256\n564fe3f6943e3f6002959d1b54a85bf381190642dfd9c9c538d7701cab6eeb8b"
        );
        assert_eq!(
            v3_sign("testsecret", &sts),
            "8d51a006831fc6e5850a7d4a43fe988afcf6291dc4286a99119121068101ddd5"
        );
    }

    #[test]
    fn v8_start_image_pipeline_execution_full_sdk_headers() {
        let q = canonical_query(
            [
                ("ClientToken", "123e4567-e89b-12d3-a456-426655440000"),
                ("ImagePipelineId", "ip-2ze5tsl5bp6nf2b3****"),
                ("RegionId", "cn-hangzhou"),
                ("Tag.1.Key", "TestKey"),
                ("Tag.1.Value", "Test Value"),
            ],
            true,
        );
        let headers: Vec<(String, String)> = [
            ("accept", "application/json"),
            ("host", "ecs.cn-hangzhou.aliyuncs.com"),
            (
                "user-agent",
                "AlibabaCloud (Linux; x86_64) Python/3.11.7 Core/0.3.x TeaDSL/2",
            ),
            ("x-acs-action", "StartImagePipelineExecution"),
            ("x-acs-content-sha256", EMPTY_SHA256),
            ("x-acs-credentials-provider", "static_ak"),
            ("x-acs-date", DATE),
            ("x-acs-signature-nonce", NONCE_V3),
            ("x-acs-version", "2014-05-26"),
        ]
        .iter()
        .map(|(k, v)| (k.to_string(), v.to_string()))
        .collect();
        v3_check(
            &q,
            &headers,
            "accept;host;user-agent;x-acs-action;x-acs-content-sha256;x-acs-credentials-provider;x-acs-date;x-acs-signature-nonce;x-acs-version",
            "POST\n/\nClientToken=123e4567-e89b-12d3-a456-426655440000&ImagePipelineId=ip-2ze5tsl5bp6nf2b3%2A%2A%2A%2A&RegionId=cn-hangzhou&Tag.1.Key=TestKey&Tag.1.Value=Test%20Value\naccept:application/json\nhost:ecs.cn-hangzhou.aliyuncs.com\nuser-agent:AlibabaCloud (Linux; x86_64) Python/3.11.7 Core/0.3.x TeaDSL/2\nx-acs-action:StartImagePipelineExecution\nx-acs-content-sha256:e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855\nx-acs-credentials-provider:static_ak\nx-acs-date:2024-06-01T12:00:00Z\nx-acs-signature-nonce:0f8c7a0e4b1e4d6e9c553f1f2a7b9d01\nx-acs-version:2014-05-26\n\naccept;host;user-agent;x-acs-action;x-acs-content-sha256;x-acs-credentials-provider;x-acs-date;x-acs-signature-nonce;x-acs-version\ne3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855",
            "ACS3-HMAC-SHA256\nf9a258bc997350a6343b41c8a57eb18bff1fa26d5d4d16405a9e6f54b7956760",
            "4e889f422783c67f12094bfcb98ae5f3cb7b1ba87fe89d7b59b4c1267226f1dc",
        );
    }

    #[test]
    fn constant_time_compare() {
        assert!(same("abc", "abc"));
        assert!(!same("abc", "abd"));
        assert!(!same("abc", "ab"));
    }
}
