//! `tf::msgpack::decode`, the decoder of every value Terraform sends, against a few
//! schema types (the first input byte picks one). It must never panic, and what it
//! accepts must encode again and decode back to the same value.
#![no_main]

use std::sync::OnceLock;

use libfuzzer_sys::fuzz_target;
use terraform_provider_aliyun::resources::{eci_data_cache, eci_image_cache, provider_config};
use terraform_provider_aliyun::tf::{msgpack, Type};

fn types() -> &'static [Type] {
    static TYPES: OnceLock<Vec<Type>> = OnceLock::new();
    TYPES.get_or_init(|| {
        vec![
            eci_image_cache::schema().value_type(),
            eci_data_cache::schema().value_type(),
            provider_config::schema().value_type(),
            Type::Dynamic,
            Type::list(Type::String),
            Type::map(Type::Number),
            Type::set(Type::object([("a", Type::Bool), ("b", Type::Dynamic)])),
            Type::Tuple(vec![Type::String, Type::Number, Type::list(Type::Dynamic)]),
        ]
    })
}

fn has_dynamic(ty: &Type) -> bool {
    match ty {
        Type::Dynamic => true,
        Type::List(t) | Type::Set(t) | Type::Map(t) => has_dynamic(t),
        Type::Object(attrs) => attrs.values().any(has_dynamic),
        Type::Tuple(ts) => ts.iter().any(has_dynamic),
        Type::Bool | Type::Number | Type::String => false,
    }
}

fuzz_target!(|data: &[u8]| {
    let Some((&pick, bytes)) = data.split_first() else {
        return;
    };
    let types = types();
    let ty = &types[usize::from(pick) % types.len()];
    let Ok(value) = msgpack::decode(bytes, ty) else {
        return;
    };
    // A `dynamic` value's type is re-derived on encoding (a list may come back as
    // a tuple), so only fully static types must round-trip exactly.
    let encoded = msgpack::encode(&value, ty).expect("a decoded value encodes again");
    let again = msgpack::decode(&encoded, ty).expect("an encoded value decodes");
    if !has_dynamic(ty) {
        assert_eq!(again, value, "the value changed in a round trip");
    }
});
