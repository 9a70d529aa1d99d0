//! Signature v1 (HMAC-SHA1, `SignatureVersion=1.0`) of Alibaba Cloud RPC
//! requests, and the small pure helpers it needs.
//!
//! Everything here is a pure function of its inputs, so the published test
//! vectors V0–V4 (the tests below; see docs/development/api-reference.md,
//! «Signature v1») pin it byte for byte. The non-deterministic inputs (nonce,
//! timestamp) are produced by [`nonce`] and [`timestamp`] and passed in by the
//! caller, which makes a fresh pair for every attempt: a retried request is a
//! new signed request.
//!
//! Steps: sort all parameters except `Signature` by name, encode each
//! `name=value` with [`percent_encode`], join with `&` (the canonical query);
//! the string to sign is `METHOD&%2F&` + the encoded canonical query; the
//! signature is base64(HMAC-SHA1(secret + "&", string to sign)).

use std::fmt::Write as _;
use std::time::{SystemTime, UNIX_EPOCH};

use base64::Engine as _;
use hmac::{Hmac, Mac};
use sha1::Sha1;

/// Name of the parameter carrying the signature; never part of what is signed.
pub const SIGNATURE_PARAM: &str = "Signature";

/// RFC 3986 percent-encoding as Alibaba uses it for names and values: every
/// byte of the UTF-8 form except `A-Z a-z 0-9 - _ . ~` becomes `%XY`
/// (uppercase hex). Space is `%20`, never `+`.
pub fn percent_encode(s: &str) -> String {
    let mut out = String::with_capacity(s.len() * 3 / 2);
    for &b in s.as_bytes() {
        if b.is_ascii_alphanumeric() || matches!(b, b'-' | b'_' | b'.' | b'~') {
            out.push(b as char);
        } else {
            // Writing to a String cannot fail.
            let _ = write!(out, "%{b:02X}");
        }
    }
    out
}

/// The canonicalized query string: every pair except `Signature`, sorted by
/// name (byte order; equal names by value so the result is deterministic),
/// each written `encode(name)=encode(value)`, joined with `&`.
pub fn canonical_query(params: &[(String, String)]) -> String {
    let mut sorted: Vec<&(String, String)> = params
        .iter()
        .filter(|(name, _)| name != SIGNATURE_PARAM)
        .collect();
    sorted.sort();
    let mut out = String::new();
    for (i, (name, value)) in sorted.into_iter().enumerate() {
        if i > 0 {
            out.push('&');
        }
        out.push_str(&percent_encode(name));
        out.push('=');
        out.push_str(&percent_encode(value));
    }
    out
}

/// `METHOD & encode("/") & encode(canonical_query)`.
pub fn string_to_sign(method: &str, canonical_query: &str) -> String {
    format!(
        "{}&{}&{}",
        method,
        percent_encode("/"),
        percent_encode(canonical_query)
    )
}

/// base64(HMAC-SHA1(`access_key_secret` + "&", `string_to_sign`)).
pub fn signature(access_key_secret: &str, string_to_sign: &str) -> String {
    let key = format!("{access_key_secret}&");
    // HMAC accepts keys of any length, so this cannot fail.
    let mut mac = Hmac::<Sha1>::new_from_slice(key.as_bytes()).expect("HMAC takes any key length");
    mac.update(string_to_sign.as_bytes());
    base64::engine::general_purpose::STANDARD.encode(mac.finalize().into_bytes())
}

/// Signs `params` for `method` (all the steps above) and returns the signature.
pub fn sign(method: &str, params: &[(String, String)], access_key_secret: &str) -> String {
    signature(
        access_key_secret,
        &string_to_sign(method, &canonical_query(params)),
    )
}

/// `application/x-www-form-urlencoded` body for the pairs, in the given order.
/// Uses [`percent_encode`], which is a valid (strict) form encoding.
pub fn form_body(params: &[(String, String)]) -> String {
    let mut out = String::new();
    for (i, (name, value)) in params.iter().enumerate() {
        if i > 0 {
            out.push('&');
        }
        out.push_str(&percent_encode(name));
        out.push('=');
        out.push_str(&percent_encode(value));
    }
    out
}

/// A fresh `SignatureNonce`: a random UUID v4.
pub fn nonce() -> String {
    uuid::Uuid::new_v4().to_string()
}

/// `Timestamp` for `now`: UTC `yyyy-MM-ddTHH:mm:ssZ`.
pub fn timestamp(now: SystemTime) -> String {
    let secs = now
        .duration_since(UNIX_EPOCH)
        .map(|d| d.as_secs() as i64)
        .unwrap_or(0);
    format_utc(secs)
}

/// Formats seconds since the Unix epoch as `yyyy-MM-ddTHH:mm:ssZ` (UTC).
pub fn format_utc(unix_secs: i64) -> String {
    let days = unix_secs.div_euclid(86_400);
    let rem = unix_secs.rem_euclid(86_400);
    let (y, m, d) = civil_from_days(days);
    format!(
        "{y:04}-{m:02}-{d:02}T{:02}:{:02}:{:02}Z",
        rem / 3600,
        rem % 3600 / 60,
        rem % 60
    )
}

/// Proleptic Gregorian (year, month, day) of a day count since 1970-01-01,
/// computed in 400-year eras (each exactly 146 097 days) with a year that
/// starts on March 1st, so the leap day is the last day of its year.
fn civil_from_days(days: i64) -> (i64, u32, u32) {
    let shifted = days + 719_468; // days from 0000-03-01 to 1970-01-01
    let era = shifted.div_euclid(146_097);
    let day_of_era = shifted - era * 146_097;
    let year_of_era =
        (day_of_era - day_of_era / 1460 + day_of_era / 36_524 - day_of_era / 146_096) / 365;
    let day_of_year = day_of_era - (365 * year_of_era + year_of_era / 4 - year_of_era / 100);
    let month_from_march = (5 * day_of_year + 2) / 153;
    let day = (day_of_year - (153 * month_from_march + 2) / 5 + 1) as u32;
    let month = if month_from_march < 10 {
        month_from_march + 3
    } else {
        month_from_march - 9
    } as u32;
    let year = year_of_era + era * 400 + i64::from(month <= 2);
    (year, month, day)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn pairs(list: &[(&str, &str)]) -> Vec<(String, String)> {
        list.iter()
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect()
    }

    /// Checks canonical query, string to sign and signature of one vector.
    fn check(
        method: &str,
        params: &[(&str, &str)],
        canonical: &str,
        to_sign: &str,
        expected_sig: &str,
    ) {
        let params = pairs(params);
        let cq = canonical_query(&params);
        assert_eq!(cq, canonical, "canonical query");
        let sts = string_to_sign(method, &cq);
        assert_eq!(sts, to_sign, "string to sign");
        assert_eq!(signature("testsecret", &sts), expected_sig, "signature");
        assert_eq!(sign(method, &params, "testsecret"), expected_sig);
    }

    #[test]
    fn percent_encoding_rules() {
        let cases = [
            (" ", "%20"),
            ("*", "%2A"),
            ("~", "~"),
            ("/", "%2F"),
            (":", "%3A"),
            ("+", "%2B"),
            ("=", "%3D"),
            ("&", "%26"),
            ("#", "%23"),
            ("é", "%C3%A9"),
            ("测", "%E6%B5%8B"),
            ("aZ09-_.~", "aZ09-_.~"),
            ("", ""),
        ];
        for (input, expected) in cases {
            assert_eq!(percent_encode(input), expected, "input {input:?}");
        }
    }

    #[test]
    fn vector_v0_describe_regions() {
        check(
            "GET",
            &[
                ("AccessKeyId", "testid"),
                ("Action", "DescribeRegions"),
                ("Format", "XML"),
                ("SignatureMethod", "HMAC-SHA1"),
                ("SignatureNonce", "3ee8c1b8-83d3-44af-a94f-4e0ad82fd6cf"),
                ("SignatureVersion", "1.0"),
                ("Timestamp", "2016-02-23T12:46:24Z"),
                ("Version", "2014-05-26"),
            ],
            "AccessKeyId=testid&Action=DescribeRegions&Format=XML&SignatureMethod=HMAC-SHA1&SignatureNonce=3ee8c1b8-83d3-44af-a94f-4e0ad82fd6cf&SignatureVersion=1.0&Timestamp=2016-02-23T12%3A46%3A24Z&Version=2014-05-26",
            "GET&%2F&AccessKeyId%3Dtestid%26Action%3DDescribeRegions%26Format%3DXML%26SignatureMethod%3DHMAC-SHA1%26SignatureNonce%3D3ee8c1b8-83d3-44af-a94f-4e0ad82fd6cf%26SignatureVersion%3D1.0%26Timestamp%3D2016-02-23T12%253A46%253A24Z%26Version%3D2014-05-26",
            "OLeaidS1JvxuMvnyHOwuJ+uX5qY=",
        );
    }

    #[test]
    fn vector_v1_describe_image_caches_get() {
        check(
            "GET",
            // Deliberately unsorted: sorting is part of what is tested.
            &[
                ("Version", "2018-08-08"),
                ("RegionId", "cn-hangzhou"),
                ("Action", "DescribeImageCaches"),
                ("Format", "JSON"),
                ("Timestamp", "2024-06-01T12:00:00Z"),
                ("SignatureMethod", "HMAC-SHA1"),
                ("SignatureType", ""),
                ("SignatureVersion", "1.0"),
                ("SignatureNonce", "0f8c7a0e-4b1e-4d6e-9c55-3f1f2a7b9d01"),
                ("AccessKeyId", "testid"),
            ],
            "AccessKeyId=testid&Action=DescribeImageCaches&Format=JSON&RegionId=cn-hangzhou&SignatureMethod=HMAC-SHA1&SignatureNonce=0f8c7a0e-4b1e-4d6e-9c55-3f1f2a7b9d01&SignatureType=&SignatureVersion=1.0&Timestamp=2024-06-01T12%3A00%3A00Z&Version=2018-08-08",
            "GET&%2F&AccessKeyId%3Dtestid%26Action%3DDescribeImageCaches%26Format%3DJSON%26RegionId%3Dcn-hangzhou%26SignatureMethod%3DHMAC-SHA1%26SignatureNonce%3D0f8c7a0e-4b1e-4d6e-9c55-3f1f2a7b9d01%26SignatureType%3D%26SignatureVersion%3D1.0%26Timestamp%3D2024-06-01T12%253A00%253A00Z%26Version%3D2018-08-08",
            "LmM3j6rzRNSlSISB3igHqEUn58s=",
        );
    }

    #[test]
    fn vector_v2_create_image_cache_special_characters() {
        check(
            "POST",
            &[
                ("RegionId", "cn-hangzhou"),
                ("ImageCacheName", "my cache*~/é"),
                ("Image.1", "registry-vpc.cn-hangzhou.aliyuncs.com/eci_open/nginx:1.15.10-perl"),
                ("Image.2", "docker.io/library/busybox:latest"),
                ("Tag.1.Key", "env name"),
                ("Tag.1.Value", "测试 a+b=c&d"),
                ("SecurityGroupId", "sg-uf66jeqopgqa9hdn0000"),
                ("VSwitchId", "vsw-uf6h3rbwbm90urjwa0000"),
                ("ImageCacheSize", "20"),
                ("AutoMatchImageCache", "true"),
                ("ClientToken", "123e4567-e89b-12d3-a456-426655440000"),
                ("Version", "2018-08-08"),
                ("Action", "CreateImageCache"),
                ("Format", "JSON"),
                ("Timestamp", "2024-06-01T12:00:00Z"),
                ("SignatureMethod", "HMAC-SHA1"),
                ("SignatureType", ""),
                ("SignatureVersion", "1.0"),
                ("SignatureNonce", "0f8c7a0e-4b1e-4d6e-9c55-3f1f2a7b9d01"),
                ("AccessKeyId", "testid"),
            ],
            "AccessKeyId=testid&Action=CreateImageCache&AutoMatchImageCache=true&ClientToken=123e4567-e89b-12d3-a456-426655440000&Format=JSON&Image.1=registry-vpc.cn-hangzhou.aliyuncs.com%2Feci_open%2Fnginx%3A1.15.10-perl&Image.2=docker.io%2Flibrary%2Fbusybox%3Alatest&ImageCacheName=my%20cache%2A~%2F%C3%A9&ImageCacheSize=20&RegionId=cn-hangzhou&SecurityGroupId=sg-uf66jeqopgqa9hdn0000&SignatureMethod=HMAC-SHA1&SignatureNonce=0f8c7a0e-4b1e-4d6e-9c55-3f1f2a7b9d01&SignatureType=&SignatureVersion=1.0&Tag.1.Key=env%20name&Tag.1.Value=%E6%B5%8B%E8%AF%95%20a%2Bb%3Dc%26d&Timestamp=2024-06-01T12%3A00%3A00Z&VSwitchId=vsw-uf6h3rbwbm90urjwa0000&Version=2018-08-08",
            "POST&%2F&AccessKeyId%3Dtestid%26Action%3DCreateImageCache%26AutoMatchImageCache%3Dtrue%26ClientToken%3D123e4567-e89b-12d3-a456-426655440000%26Format%3DJSON%26Image.1%3Dregistry-vpc.cn-hangzhou.aliyuncs.com%252Feci_open%252Fnginx%253A1.15.10-perl%26Image.2%3Ddocker.io%252Flibrary%252Fbusybox%253Alatest%26ImageCacheName%3Dmy%2520cache%252A~%252F%25C3%25A9%26ImageCacheSize%3D20%26RegionId%3Dcn-hangzhou%26SecurityGroupId%3Dsg-uf66jeqopgqa9hdn0000%26SignatureMethod%3DHMAC-SHA1%26SignatureNonce%3D0f8c7a0e-4b1e-4d6e-9c55-3f1f2a7b9d01%26SignatureType%3D%26SignatureVersion%3D1.0%26Tag.1.Key%3Denv%2520name%26Tag.1.Value%3D%25E6%25B5%258B%25E8%25AF%2595%2520a%252Bb%253Dc%2526d%26Timestamp%3D2024-06-01T12%253A00%253A00Z%26VSwitchId%3Dvsw-uf6h3rbwbm90urjwa0000%26Version%3D2018-08-08",
            "3N8Q+CgMPOElFjDBfvQPfFG1UYk=",
        );
    }

    #[test]
    fn vector_v3_create_data_cache_prefixed_map_keys() {
        check(
            "POST",
            &[
                ("Action", "CreateDataCache"),
                ("Format", "json"),
                ("Version", "2018-08-08"),
                ("Timestamp", "2024-06-01T12:00:00Z"),
                ("SignatureNonce", "0f8c7a0e4b1e4d6e9c553f1f2a7b9d01"),
                ("RegionId", "cn-hangzhou"),
                ("Name", "hf model"),
                ("Bucket", "default"),
                ("Path", "/model/sd21"),
                ("Size", "40"),
                ("RetentionDays", "7"),
                ("DataSource.Type", "URL"),
                ("DataSource.Options.#10#repoSource", "HuggingFace/Model"),
                ("DataSource.Options.#6#repoId", "stabilityai/stable-diffusion-2-1"),
                ("Tag.1.Key", "team"),
                ("Tag.1.Value", "ml"),
                ("ClientToken", "123e4567-e89b-12d3-a456-426655440000"),
                ("SignatureMethod", "HMAC-SHA1"),
                ("SignatureVersion", "1.0"),
                ("AccessKeyId", "testid"),
            ],
            "AccessKeyId=testid&Action=CreateDataCache&Bucket=default&ClientToken=123e4567-e89b-12d3-a456-426655440000&DataSource.Options.%2310%23repoSource=HuggingFace%2FModel&DataSource.Options.%236%23repoId=stabilityai%2Fstable-diffusion-2-1&DataSource.Type=URL&Format=json&Name=hf%20model&Path=%2Fmodel%2Fsd21&RegionId=cn-hangzhou&RetentionDays=7&SignatureMethod=HMAC-SHA1&SignatureNonce=0f8c7a0e4b1e4d6e9c553f1f2a7b9d01&SignatureVersion=1.0&Size=40&Tag.1.Key=team&Tag.1.Value=ml&Timestamp=2024-06-01T12%3A00%3A00Z&Version=2018-08-08",
            "POST&%2F&AccessKeyId%3Dtestid%26Action%3DCreateDataCache%26Bucket%3Ddefault%26ClientToken%3D123e4567-e89b-12d3-a456-426655440000%26DataSource.Options.%252310%2523repoSource%3DHuggingFace%252FModel%26DataSource.Options.%25236%2523repoId%3Dstabilityai%252Fstable-diffusion-2-1%26DataSource.Type%3DURL%26Format%3Djson%26Name%3Dhf%2520model%26Path%3D%252Fmodel%252Fsd21%26RegionId%3Dcn-hangzhou%26RetentionDays%3D7%26SignatureMethod%3DHMAC-SHA1%26SignatureNonce%3D0f8c7a0e4b1e4d6e9c553f1f2a7b9d01%26SignatureVersion%3D1.0%26Size%3D40%26Tag.1.Key%3Dteam%26Tag.1.Value%3Dml%26Timestamp%3D2024-06-01T12%253A00%253A00Z%26Version%3D2018-08-08",
            "U4G/kNxPxDxOPMYK9G0hWg9lqJ4=",
        );
    }

    #[test]
    fn vector_v4_start_image_pipeline_execution() {
        check(
            "POST",
            &[
                ("RegionId", "cn-hangzhou"),
                ("ImagePipelineId", "ip-2ze5tsl5bp6nf2b3****"),
                ("ClientToken", "123e4567-e89b-12d3-a456-426655440000"),
                ("Tag.1.Key", "TestKey"),
                ("Tag.1.Value", "Test Value"),
                ("Action", "StartImagePipelineExecution"),
                ("Format", "json"),
                ("Version", "2014-05-26"),
                ("Timestamp", "2024-06-01T12:00:00Z"),
                ("SignatureNonce", "0f8c7a0e4b1e4d6e9c553f1f2a7b9d01"),
                ("SignatureMethod", "HMAC-SHA1"),
                ("SignatureVersion", "1.0"),
                ("AccessKeyId", "testid"),
            ],
            "AccessKeyId=testid&Action=StartImagePipelineExecution&ClientToken=123e4567-e89b-12d3-a456-426655440000&Format=json&ImagePipelineId=ip-2ze5tsl5bp6nf2b3%2A%2A%2A%2A&RegionId=cn-hangzhou&SignatureMethod=HMAC-SHA1&SignatureNonce=0f8c7a0e4b1e4d6e9c553f1f2a7b9d01&SignatureVersion=1.0&Tag.1.Key=TestKey&Tag.1.Value=Test%20Value&Timestamp=2024-06-01T12%3A00%3A00Z&Version=2014-05-26",
            "POST&%2F&AccessKeyId%3Dtestid%26Action%3DStartImagePipelineExecution%26ClientToken%3D123e4567-e89b-12d3-a456-426655440000%26Format%3Djson%26ImagePipelineId%3Dip-2ze5tsl5bp6nf2b3%252A%252A%252A%252A%26RegionId%3Dcn-hangzhou%26SignatureMethod%3DHMAC-SHA1%26SignatureNonce%3D0f8c7a0e4b1e4d6e9c553f1f2a7b9d01%26SignatureVersion%3D1.0%26Tag.1.Key%3DTestKey%26Tag.1.Value%3DTest%2520Value%26Timestamp%3D2024-06-01T12%253A00%253A00Z%26Version%3D2014-05-26",
            "+se60lrm2tHlwKsIKZTDghBgV98=",
        );
    }

    #[test]
    fn signature_param_is_never_signed() {
        let mut params = pairs(&[("Action", "X"), ("AccessKeyId", "testid")]);
        let without = sign("POST", &params, "testsecret");
        params.push(("Signature".into(), "whatever".into()));
        assert_eq!(sign("POST", &params, "testsecret"), without);
    }

    #[test]
    fn different_secret_gives_different_signature() {
        let params = pairs(&[("Action", "X")]);
        assert_ne!(
            sign("POST", &params, "testsecret"),
            sign("POST", &params, "othersecret")
        );
    }

    #[test]
    fn form_body_keeps_order_and_encodes() {
        let body = form_body(&pairs(&[("B", "a b"), ("A.#1#k", "x+y")]));
        assert_eq!(body, "B=a%20b&A.%231%23k=x%2By");
    }

    #[test]
    fn timestamps_format_as_utc_seconds() {
        let cases = [
            (0, "1970-01-01T00:00:00Z"),
            (1_456_231_584, "2016-02-23T12:46:24Z"),
            (1_717_243_200, "2024-06-01T12:00:00Z"),
            (951_782_400, "2000-02-29T00:00:00Z"),
            (4_107_542_399, "2100-02-28T23:59:59Z"),
            (4_107_542_400, "2100-03-01T00:00:00Z"),
            (-1, "1969-12-31T23:59:59Z"),
        ];
        for (secs, expected) in cases {
            assert_eq!(format_utc(secs), expected, "{secs}");
        }
        let now = timestamp(SystemTime::now());
        assert_eq!(now.len(), 20, "{now}");
        assert!(now.ends_with('Z'));
    }

    #[test]
    fn nonces_are_fresh_uuids() {
        let a = nonce();
        let b = nonce();
        assert_ne!(a, b);
        assert_eq!(a.len(), 36);
        assert!(uuid::Uuid::parse_str(&a).is_ok());
    }
}
