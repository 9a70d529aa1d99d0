//! Flattening of typed requests into RPC `name=value` pairs
//! (see docs/development/api-reference.md, «Parameter flattening»), written once as a
//! [`serde::Serializer`].
//!
//! Request structs derive `Serialize` with their wire names
//! (`#[serde(rename_all = "PascalCase")]`) and [`flatten`] turns them into
//! pairs. The rules:
//!
//! | Rust shape | Wire form |
//! |---|---|
//! | `Option::None`, `()`, empty `Vec` | no pair |
//! | `String`, integers, `bool` | `Name=value` (`true`/`false`, decimal) |
//! | `Vec<String>` | `Name.1=..`, `Name.2=..` (1-based) |
//! | `Vec<Struct>` | `Name.1.Field=..` |
//! | list inside a list element | `Name.1.Field.1=..` |
//! | struct | `Name.Field=..` |
//! | map | `Name.key=..` |
//! | map marked with [`prefixed_keys`] | `Name.#<len>#key=..` (len = UTF-8 bytes of key) |
//! | [`Secret`](super::Secret) | `Name=value`, and the value is remembered for redaction |
//!
//! The `#len#` prefix is opt-in per field (`#[serde(serialize_with =
//! "params::prefixed_keys")]`) because only `flat` maps with
//! `additionalProperties` use it (today: `DataSource.Options`).

use std::fmt;

use serde::ser::{self, Impossible, Serialize, Serializer};

/// Newtype name that marks a map whose keys get the `#len#` prefix.
const PREFIXED_MAP_MARKER: &str = "$aliyun::params::PrefixedMap";
/// Newtype name used by [`Secret`](super::Secret) so its value is recorded.
pub(crate) const SECRET_MARKER: &str = "$aliyun::params::Secret";
/// Name under which a map key is serialized to learn its string form.
const KEY_SENTINEL: &str = "\u{0}key";

/// The flattened parameters of one request.
#[derive(Clone, Default, PartialEq, Eq)]
pub struct Params {
    pairs: Vec<(String, String)>,
    secrets: Vec<String>,
}

impl Params {
    /// The pairs, in field declaration order.
    pub fn pairs(&self) -> &[(String, String)] {
        &self.pairs
    }

    /// Consumes the set and returns the pairs.
    pub fn into_pairs(self) -> Vec<(String, String)> {
        self.pairs
    }

    /// Values that came from [`Secret`](super::Secret) fields (to scrub from
    /// error text).
    pub fn secret_values(&self) -> &[String] {
        &self.secrets
    }

    /// The value of the first pair called `name`.
    pub fn get(&self, name: &str) -> Option<&str> {
        self.pairs
            .iter()
            .find(|(n, _)| n == name)
            .map(|(_, v)| v.as_str())
    }

    fn push(&mut self, name: String, value: String, secret: bool) {
        if secret && !value.is_empty() {
            self.secrets.push(value.clone());
        }
        self.pairs.push((name, value));
    }
}

impl fmt::Debug for Params {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let mut map = f.debug_map();
        for (name, value) in &self.pairs {
            if self.secrets.contains(value) {
                map.entry(name, &"***");
            } else {
                map.entry(name, value);
            }
        }
        map.finish()
    }
}

/// Why a value could not be flattened (a programming error in a request type).
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("cannot flatten request parameters: {0}")]
pub struct ParamsError(String);

impl ser::Error for ParamsError {
    fn custom<T: fmt::Display>(msg: T) -> Self {
        ParamsError(msg.to_string())
    }
}

/// Flattens a struct (or map) into RPC parameters.
pub fn flatten<T: Serialize + ?Sized>(value: &T) -> Result<Params, ParamsError> {
    let mut out = Params::default();
    value.serialize(FieldSerializer {
        out: &mut out,
        name: String::new(),
        mode: Mode::Plain,
    })?;
    Ok(out)
}

/// Convenience: the pairs of [`flatten`].
pub fn to_pairs<T: Serialize + ?Sized>(value: &T) -> Result<Vec<(String, String)>, ParamsError> {
    flatten(value).map(Params::into_pairs)
}

/// `serialize_with` helper: the map (or `Option` of a map) in this field is
/// flattened with `#<len>#` key prefixes, `Name.#10#repoSource=...`.
/// Other serializers (JSON) see the map unchanged.
pub fn prefixed_keys<T, S>(value: &T, serializer: S) -> Result<S::Ok, S::Error>
where
    T: Serialize + ?Sized,
    S: Serializer,
{
    serializer.serialize_newtype_struct(PREFIXED_MAP_MARKER, value)
}

#[derive(Clone, Copy, PartialEq, Eq)]
enum Mode {
    Plain,
    PrefixedKeys,
    Secret,
}

fn join(base: &str, segment: &str) -> String {
    if base.is_empty() {
        segment.to_owned()
    } else {
        format!("{base}.{segment}")
    }
}

/// Serializes one value found at parameter name `name`.
struct FieldSerializer<'a> {
    out: &'a mut Params,
    name: String,
    mode: Mode,
}

impl FieldSerializer<'_> {
    fn emit(self, value: String) -> Result<(), ParamsError> {
        if self.name.is_empty() {
            return Err(ParamsError(
                "the top-level value must be a struct or a map".into(),
            ));
        }
        self.out.push(self.name, value, self.mode == Mode::Secret);
        Ok(())
    }

    fn container(&self) -> Result<(), ParamsError> {
        if self.name.is_empty() {
            Err(ParamsError("the top-level value cannot be a list".into()))
        } else {
            Ok(())
        }
    }
}

macro_rules! emit_display {
    ($($method:ident: $ty:ty),* $(,)?) => {
        $(fn $method(self, v: $ty) -> Result<(), ParamsError> {
            self.emit(v.to_string())
        })*
    };
}

impl<'a> Serializer for FieldSerializer<'a> {
    type Ok = ();
    type Error = ParamsError;
    type SerializeSeq = SeqSerializer<'a>;
    type SerializeTuple = SeqSerializer<'a>;
    type SerializeTupleStruct = SeqSerializer<'a>;
    type SerializeTupleVariant = Impossible<(), ParamsError>;
    type SerializeMap = MapSerializer<'a>;
    type SerializeStruct = StructSerializer<'a>;
    type SerializeStructVariant = Impossible<(), ParamsError>;

    emit_display! {
        serialize_bool: bool,
        serialize_i8: i8, serialize_i16: i16, serialize_i32: i32, serialize_i64: i64,
        serialize_i128: i128,
        serialize_u8: u8, serialize_u16: u16, serialize_u32: u32, serialize_u64: u64,
        serialize_u128: u128,
        serialize_f32: f32, serialize_f64: f64,
        serialize_char: char,
    }

    fn serialize_str(self, v: &str) -> Result<(), ParamsError> {
        self.emit(v.to_owned())
    }

    fn serialize_bytes(self, _v: &[u8]) -> Result<(), ParamsError> {
        Err(ParamsError(format!(
            "{}: byte arrays have no RPC form",
            self.name
        )))
    }

    fn serialize_none(self) -> Result<(), ParamsError> {
        Ok(())
    }

    fn serialize_some<T: Serialize + ?Sized>(self, value: &T) -> Result<(), ParamsError> {
        value.serialize(self)
    }

    fn serialize_unit(self) -> Result<(), ParamsError> {
        Ok(())
    }

    fn serialize_unit_struct(self, _name: &'static str) -> Result<(), ParamsError> {
        Ok(())
    }

    fn serialize_unit_variant(
        self,
        _name: &'static str,
        _index: u32,
        variant: &'static str,
    ) -> Result<(), ParamsError> {
        self.emit(variant.to_owned())
    }

    fn serialize_newtype_struct<T: Serialize + ?Sized>(
        self,
        name: &'static str,
        value: &T,
    ) -> Result<(), ParamsError> {
        let mode = match name {
            PREFIXED_MAP_MARKER => Mode::PrefixedKeys,
            SECRET_MARKER => Mode::Secret,
            _ => self.mode,
        };
        value.serialize(FieldSerializer { mode, ..self })
    }

    fn serialize_newtype_variant<T: Serialize + ?Sized>(
        self,
        _name: &'static str,
        _index: u32,
        variant: &'static str,
        _value: &T,
    ) -> Result<(), ParamsError> {
        Err(ParamsError(format!(
            "{}: enum variant {variant} with data has no RPC form",
            self.name
        )))
    }

    fn serialize_seq(self, _len: Option<usize>) -> Result<SeqSerializer<'a>, ParamsError> {
        self.container()?;
        Ok(SeqSerializer {
            out: self.out,
            base: self.name,
            index: 0,
            mode: self.mode,
        })
    }

    fn serialize_tuple(self, len: usize) -> Result<SeqSerializer<'a>, ParamsError> {
        self.serialize_seq(Some(len))
    }

    fn serialize_tuple_struct(
        self,
        _name: &'static str,
        len: usize,
    ) -> Result<SeqSerializer<'a>, ParamsError> {
        self.serialize_seq(Some(len))
    }

    fn serialize_tuple_variant(
        self,
        _name: &'static str,
        _index: u32,
        variant: &'static str,
        _len: usize,
    ) -> Result<Self::SerializeTupleVariant, ParamsError> {
        Err(ParamsError(format!(
            "{}: enum variant {variant} with data has no RPC form",
            self.name
        )))
    }

    fn serialize_map(self, _len: Option<usize>) -> Result<MapSerializer<'a>, ParamsError> {
        Ok(MapSerializer {
            out: self.out,
            base: self.name,
            prefixed: self.mode == Mode::PrefixedKeys,
            pending_key: None,
        })
    }

    fn serialize_struct(
        self,
        _name: &'static str,
        _len: usize,
    ) -> Result<StructSerializer<'a>, ParamsError> {
        Ok(StructSerializer {
            out: self.out,
            base: self.name,
        })
    }

    fn serialize_struct_variant(
        self,
        _name: &'static str,
        _index: u32,
        variant: &'static str,
        _len: usize,
    ) -> Result<Self::SerializeStructVariant, ParamsError> {
        Err(ParamsError(format!(
            "{}: enum variant {variant} with data has no RPC form",
            self.name
        )))
    }
}

/// Lists: `Name.1`, `Name.2`, ... (a `Vec<Secret>` keeps the secret mode).
struct SeqSerializer<'a> {
    out: &'a mut Params,
    base: String,
    index: usize,
    mode: Mode,
}

impl SeqSerializer<'_> {
    fn element<T: Serialize + ?Sized>(&mut self, value: &T) -> Result<(), ParamsError> {
        self.index += 1;
        let mode = if self.mode == Mode::Secret {
            Mode::Secret
        } else {
            Mode::Plain
        };
        value.serialize(FieldSerializer {
            out: self.out,
            name: format!("{}.{}", self.base, self.index),
            mode,
        })
    }
}

impl ser::SerializeSeq for SeqSerializer<'_> {
    type Ok = ();
    type Error = ParamsError;
    fn serialize_element<T: Serialize + ?Sized>(&mut self, value: &T) -> Result<(), ParamsError> {
        self.element(value)
    }
    fn end(self) -> Result<(), ParamsError> {
        Ok(())
    }
}

impl ser::SerializeTuple for SeqSerializer<'_> {
    type Ok = ();
    type Error = ParamsError;
    fn serialize_element<T: Serialize + ?Sized>(&mut self, value: &T) -> Result<(), ParamsError> {
        self.element(value)
    }
    fn end(self) -> Result<(), ParamsError> {
        Ok(())
    }
}

impl ser::SerializeTupleStruct for SeqSerializer<'_> {
    type Ok = ();
    type Error = ParamsError;
    fn serialize_field<T: Serialize + ?Sized>(&mut self, value: &T) -> Result<(), ParamsError> {
        self.element(value)
    }
    fn end(self) -> Result<(), ParamsError> {
        Ok(())
    }
}

/// Structs: `Name.Field` (or `Field` at the top level).
struct StructSerializer<'a> {
    out: &'a mut Params,
    base: String,
}

impl ser::SerializeStruct for StructSerializer<'_> {
    type Ok = ();
    type Error = ParamsError;
    fn serialize_field<T: Serialize + ?Sized>(
        &mut self,
        key: &'static str,
        value: &T,
    ) -> Result<(), ParamsError> {
        value.serialize(FieldSerializer {
            out: self.out,
            name: join(&self.base, key),
            mode: Mode::Plain,
        })
    }
    fn end(self) -> Result<(), ParamsError> {
        Ok(())
    }
}

/// Maps: `Name.key`, or `Name.#len#key` when marked with [`prefixed_keys`].
struct MapSerializer<'a> {
    out: &'a mut Params,
    base: String,
    prefixed: bool,
    pending_key: Option<String>,
}

impl MapSerializer<'_> {
    fn entry_name(&self, key: &str) -> String {
        if self.prefixed {
            join(&self.base, &format!("#{}#{}", key.len(), key))
        } else {
            join(&self.base, key)
        }
    }
}

/// The string form of a map key (keys must be scalars).
fn key_string<K: Serialize + ?Sized>(key: &K) -> Result<String, ParamsError> {
    let mut tmp = Params::default();
    key.serialize(FieldSerializer {
        out: &mut tmp,
        name: KEY_SENTINEL.to_owned(),
        mode: Mode::Plain,
    })?;
    match tmp.pairs.as_slice() {
        [(name, value)] if name == KEY_SENTINEL => Ok(value.clone()),
        _ => Err(ParamsError("map keys must be strings or numbers".into())),
    }
}

impl ser::SerializeMap for MapSerializer<'_> {
    type Ok = ();
    type Error = ParamsError;

    fn serialize_key<T: Serialize + ?Sized>(&mut self, key: &T) -> Result<(), ParamsError> {
        self.pending_key = Some(key_string(key)?);
        Ok(())
    }

    fn serialize_value<T: Serialize + ?Sized>(&mut self, value: &T) -> Result<(), ParamsError> {
        let key = self
            .pending_key
            .take()
            .ok_or_else(|| ParamsError("map value without a key".into()))?;
        let name = self.entry_name(&key);
        value.serialize(FieldSerializer {
            out: self.out,
            name,
            mode: Mode::Plain,
        })
    }

    fn end(self) -> Result<(), ParamsError> {
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use std::collections::BTreeMap;

    use serde::Serialize;

    use super::*;
    use crate::aliyun::Secret;

    fn pairs(list: &[(&str, &str)]) -> Vec<(String, String)> {
        list.iter()
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect()
    }

    #[derive(Serialize)]
    #[serde(rename_all = "PascalCase")]
    struct Tag {
        key: String,
        value: String,
    }

    #[derive(Serialize)]
    #[serde(rename_all = "PascalCase")]
    struct DataSource {
        #[serde(rename = "Type")]
        kind: String,
        #[serde(serialize_with = "prefixed_keys")]
        options: BTreeMap<String, String>,
    }

    #[derive(Serialize)]
    #[serde(rename_all = "PascalCase")]
    struct CreateDataCache {
        region_id: String,
        name: String,
        bucket: String,
        path: String,
        size: Option<i32>,
        retention_days: Option<i32>,
        data_source: Option<DataSource>,
        tag: Vec<Tag>,
        client_token: String,
    }

    #[test]
    fn create_data_cache_example_of_the_spec() {
        let req = CreateDataCache {
            region_id: "cn-hangzhou".into(),
            name: "hf model".into(),
            bucket: "default".into(),
            path: "/model/sd21".into(),
            size: Some(40),
            retention_days: Some(7),
            data_source: Some(DataSource {
                kind: "URL".into(),
                options: BTreeMap::from([
                    ("repoSource".into(), "HuggingFace/Model".into()),
                    ("repoId".into(), "stabilityai/stable-diffusion-2-1".into()),
                ]),
            }),
            tag: vec![Tag {
                key: "team".into(),
                value: "ml".into(),
            }],
            client_token: "123e4567-e89b-12d3-a456-426655440000".into(),
        };
        let mut got = to_pairs(&req).unwrap();
        let mut expected = pairs(&[
            ("RegionId", "cn-hangzhou"),
            ("Name", "hf model"),
            ("Bucket", "default"),
            ("Path", "/model/sd21"),
            ("Size", "40"),
            ("RetentionDays", "7"),
            ("DataSource.Type", "URL"),
            ("DataSource.Options.#10#repoSource", "HuggingFace/Model"),
            (
                "DataSource.Options.#6#repoId",
                "stabilityai/stable-diffusion-2-1",
            ),
            ("Tag.1.Key", "team"),
            ("Tag.1.Value", "ml"),
            ("ClientToken", "123e4567-e89b-12d3-a456-426655440000"),
        ]);
        got.sort();
        expected.sort();
        assert_eq!(got, expected);
    }

    #[derive(Serialize)]
    #[serde(rename_all = "PascalCase")]
    struct Acr {
        instance_id: String,
        domain: Vec<String>,
    }

    #[derive(Serialize)]
    #[serde(rename_all = "PascalCase")]
    struct Eip {
        bandwidth: Option<u32>,
        #[serde(rename = "ISP")]
        isp: Option<String>,
    }

    #[derive(Serialize)]
    #[serde(rename_all = "PascalCase")]
    struct Everything {
        image: Vec<String>,
        acr_registry_info: Vec<Acr>,
        eip_create_param: Eip,
        flag: bool,
        off: Option<bool>,
        none: Option<String>,
        empty: Vec<String>,
        negative: i64,
        password: Secret,
        plain_map: BTreeMap<String, String>,
    }

    #[test]
    fn every_shape_flattens_as_documented() {
        let v = Everything {
            image: vec!["nginx".into(), "busybox".into()],
            acr_registry_info: vec![
                Acr {
                    instance_id: "cri-1".into(),
                    domain: vec!["a.example.com".into(), "b.example.com".into()],
                },
                Acr {
                    instance_id: "cri-2".into(),
                    domain: vec![],
                },
            ],
            eip_create_param: Eip {
                bandwidth: Some(10),
                isp: None,
            },
            flag: true,
            off: Some(false),
            none: None,
            empty: vec![],
            negative: -3,
            password: Secret::new("p@ss"),
            plain_map: BTreeMap::from([("k".into(), "v".into())]),
        };
        let params = flatten(&v).unwrap();
        assert_eq!(
            params.pairs(),
            pairs(&[
                ("Image.1", "nginx"),
                ("Image.2", "busybox"),
                ("AcrRegistryInfo.1.InstanceId", "cri-1"),
                ("AcrRegistryInfo.1.Domain.1", "a.example.com"),
                ("AcrRegistryInfo.1.Domain.2", "b.example.com"),
                ("AcrRegistryInfo.2.InstanceId", "cri-2"),
                ("EipCreateParam.Bandwidth", "10"),
                ("Flag", "true"),
                ("Off", "false"),
                ("Negative", "-3"),
                ("Password", "p@ss"),
                ("PlainMap.k", "v"),
            ])
            .as_slice()
        );
        assert_eq!(params.secret_values(), ["p@ss".to_string()]);
        let dump = format!("{params:?}");
        assert!(!dump.contains("p@ss"), "{dump}");
        assert!(dump.contains("\"Password\": \"***\""), "{dump}");
        assert_eq!(params.get("Flag"), Some("true"));
    }

    #[test]
    fn prefix_length_counts_utf8_bytes_and_survives_dots() {
        #[derive(Serialize)]
        struct Req {
            #[serde(rename = "Opts", serialize_with = "prefixed_keys")]
            opts: Option<BTreeMap<String, String>>,
        }
        let req = Req {
            opts: Some(BTreeMap::from([
                ("a.b".into(), "1".into()),
                ("é".into(), "2".into()),
            ])),
        };
        assert_eq!(
            to_pairs(&req).unwrap(),
            pairs(&[("Opts.#3#a.b", "1"), ("Opts.#2#é", "2")])
        );
        assert!(to_pairs(&Req { opts: None }).unwrap().is_empty());
        // JSON does not see the marker.
        assert_eq!(
            serde_json::to_string(&Req { opts: None }).unwrap(),
            r#"{"Opts":null}"#
        );
    }

    #[test]
    fn top_level_map_is_accepted_and_scalars_are_rejected() {
        let map = BTreeMap::from([("RegionId".to_string(), "cn-hangzhou".to_string())]);
        assert_eq!(
            to_pairs(&map).unwrap(),
            pairs(&[("RegionId", "cn-hangzhou")])
        );
        assert!(to_pairs("scalar").is_err());
        assert!(to_pairs(&vec!["a"]).is_err());
        assert!(to_pairs(&()).unwrap().is_empty());
    }

    #[test]
    fn enums_with_data_are_rejected_and_unit_variants_use_their_name() {
        #[derive(Serialize)]
        enum Mode {
            Lru,
            #[allow(dead_code)]
            Data(u8),
        }
        #[derive(Serialize)]
        struct Req {
            #[serde(rename = "EliminationStrategy")]
            m: Mode,
        }
        assert_eq!(
            to_pairs(&Req { m: Mode::Lru }).unwrap(),
            pairs(&[("EliminationStrategy", "Lru")])
        );
        assert!(to_pairs(&Req { m: Mode::Data(1) }).is_err());
    }
}
