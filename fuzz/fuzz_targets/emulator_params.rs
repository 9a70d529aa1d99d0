//! The emulator's request decoding: a form-encoded body (or query string) decoded
//! with form rules, then the flat `Name.N.Field` / `Name.#len#key` parameters
//! rebuilt into a tree and read through every typed accessor the handlers use.
//! It must never panic: malformed input is an `InvalidParameter` answer.
#![no_main]

use std::collections::BTreeMap;

use aliyun_emulator::params::{segments, Params};
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    // A form-encoded body, or (first byte `\n`) raw `name=value` lines, which
    // reach the name parser without the detour through percent-encoding.
    let mut flat = BTreeMap::new();
    match data.split_first() {
        Some((b'\n', rest)) => {
            for line in String::from_utf8_lossy(rest).lines() {
                let (k, v) = line.split_once('=').unwrap_or((line, ""));
                flat.insert(k.to_string(), v.to_string());
            }
        }
        _ => {
            for (k, v) in form_urlencoded::parse(data).into_owned() {
                flat.insert(k, v);
            }
        }
    }
    for name in flat.keys() {
        let _ = segments(name);
    }
    let Ok(params) = Params::new(flat.clone()) else {
        return;
    };
    assert_eq!(params.flat(), &flat);
    let _ = params.fingerprint();
    for name in flat.keys() {
        // Every name given is found again, with its value.
        assert!(params.has(name), "{name:?} is lost");
        let _ = params.str(name);
        let _ = params.required(name);
        let _ = params.bool(name);
        let _ = params.int(name);
        let _ = params.int_in(name, 1, 3650);
        let _ = params.list(name, 100);
        let _ = params.map(name);
        if let Ok(objects) = params.objects(name, 20) {
            for o in objects {
                let _ = o.field("Key");
                let _ = o.scalar_list("Domain", name, 100);
            }
        }
    }
    // The lists and maps the handlers read.
    for list in [
        "Image",
        "Tag",
        "ImageRegistryCredential",
        "AcrRegistryInfo",
        "DataCacheId",
    ] {
        let _ = params.list(list, 100);
        let _ = params.objects(list, 20);
    }
    let _ = params.map("DataSource.Options");
});
