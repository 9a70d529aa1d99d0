//! The msgpack codec for `DynamicValue` (go-cty's wire format).
//!
//! Decoding is driven by the type, because the wire is lossy: lists, sets and
//! tuples are all arrays, maps and objects are all maps. What Terraform sends:
//!
//! - null is `nil`; unknown is any extension (ext 0 `d4 00 00`, or ext 12 carrying
//!   refinements we do not need, so we drop them);
//! - numbers come in any int/uint/float width, or as a decimal string when too big
//!   or too precise for those;
//! - objects are maps holding every attribute exactly once, in any order;
//! - `dynamic` positions carry `[type-json, value]` so the real type travels along.
//!
//! The decoder reads untrusted bytes, so it never panics: every length is checked
//! against what is left, nothing is preallocated beyond the input size, and nesting
//! is capped (a `dynamic` value can nest itself without bound).

use std::collections::BTreeMap;

use crate::tf::path::{AttributePath, Step};
use crate::tf::types::Type;
use crate::tf::value::Value;

/// A value that does not match its type, with where it happened.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{message} (at {path})")]
pub struct DecodeError {
    /// Where in the value.
    pub path: AttributePath,
    /// What was wrong.
    pub message: String,
}

impl DecodeError {
    pub(crate) fn new(path: &[Step], message: impl Into<String>) -> Self {
        DecodeError {
            path: AttributePath(path.to_vec()),
            message: message.into(),
        }
    }
}

/// Deeper than any schema we serve; only a hostile `dynamic` value gets here.
const MAX_DEPTH: usize = 64;

/// Decodes msgpack bytes as a value of type `ty`. Never panics.
pub fn decode(bytes: &[u8], ty: &Type) -> Result<Value, DecodeError> {
    let mut r = Reader { buf: bytes, pos: 0 };
    let mut path = Vec::new();
    let v = r.value(ty, &mut path, 0)?;
    if r.pos != bytes.len() {
        return Err(DecodeError::new(&[], "unexpected bytes after the value"));
    }
    Ok(v)
}

/// Encodes `value` as type `ty`.
///
/// Objects must hold exactly the attributes of their type (the driver makes
/// values conform first); a value of the wrong kind is an error with its path.
pub fn encode(value: &Value, ty: &Type) -> Result<Vec<u8>, DecodeError> {
    let mut w = Writer { out: Vec::new() };
    let mut path = Vec::new();
    w.value(value, ty, &mut path)?;
    Ok(w.out)
}

/// One msgpack item header; containers carry their element count.
enum Head<'a> {
    Nil,
    Bool(bool),
    Int(i64),
    Uint(u64),
    Float(f64),
    Str(&'a [u8]),
    Bin(&'a [u8]),
    Array(usize),
    Map(usize),
    Ext,
}

struct Reader<'a> {
    buf: &'a [u8],
    pos: usize,
}

impl<'a> Reader<'a> {
    fn remaining(&self) -> usize {
        self.buf.len() - self.pos
    }

    fn take(&mut self, n: usize) -> Option<&'a [u8]> {
        let end = self.pos.checked_add(n)?;
        let s = self.buf.get(self.pos..end)?;
        self.pos = end;
        Some(s)
    }

    fn uint(&mut self, width: usize) -> Option<u64> {
        let bytes = self.take(width)?;
        Some(bytes.iter().fold(0u64, |acc, b| (acc << 8) | u64::from(*b)))
    }

    /// A length prefix of `width` bytes.
    fn len(&mut self, width: usize) -> Option<usize> {
        usize::try_from(self.uint(width)?).ok()
    }

    /// Reads one item header (and the payload of strings, binaries and extensions).
    fn head(&mut self) -> Option<Head<'a>> {
        let code = *self.take(1)?.first()?;
        let head = match code {
            0x00..=0x7f => Head::Int(i64::from(code)),
            0x80..=0x8f => Head::Map(usize::from(code & 0x0f)),
            0x90..=0x9f => Head::Array(usize::from(code & 0x0f)),
            0xa0..=0xbf => Head::Str(self.take(usize::from(code & 0x1f))?),
            0xc0 => Head::Nil,
            0xc2 => Head::Bool(false),
            0xc3 => Head::Bool(true),
            0xc4..=0xc6 => {
                let n = self.len(1 << (code - 0xc4))?;
                Head::Bin(self.take(n)?)
            }
            0xc7..=0xc9 => {
                let n = self.len(1 << (code - 0xc7))?;
                self.take(n.checked_add(1)?)?; // ext type byte, then payload
                Head::Ext
            }
            0xca => Head::Float(f64::from(f32::from_bits(self.uint(4)? as u32))),
            0xcb => Head::Float(f64::from_bits(self.uint(8)?)),
            0xcc..=0xcf => Head::Uint(self.uint(1 << (code - 0xcc))?),
            0xd0 => Head::Int(i64::from(self.uint(1)? as u8 as i8)),
            0xd1 => Head::Int(i64::from(self.uint(2)? as u16 as i16)),
            0xd2 => Head::Int(i64::from(self.uint(4)? as u32 as i32)),
            0xd3 => Head::Int(self.uint(8)? as i64),
            0xd4..=0xd8 => {
                self.take(1 + (1 << (code - 0xd4)))?;
                Head::Ext
            }
            0xd9..=0xdb => {
                let n = self.len(1 << (code - 0xd9))?;
                Head::Str(self.take(n)?)
            }
            0xdc | 0xdd => Head::Array(self.len(2 << (code - 0xdc))?),
            0xde | 0xdf => Head::Map(self.len(2 << (code - 0xde))?),
            0xe0..=0xff => Head::Int(i64::from(code as i8)),
            0xc1 => return None, // never used by msgpack
        };
        Some(head)
    }

    fn head_at(&mut self, path: &[Step]) -> Result<Head<'a>, DecodeError> {
        self.head()
            .ok_or_else(|| DecodeError::new(path, "truncated or malformed msgpack"))
    }

    /// A container count, checked against the input left: every element takes at
    /// least one byte (two per map entry), so larger counts are lies.
    fn count(&self, n: usize, per_item: usize, path: &[Step]) -> Result<usize, DecodeError> {
        if n.saturating_mul(per_item) > self.remaining() {
            return Err(DecodeError::new(path, "length exceeds the input"));
        }
        Ok(n)
    }

    fn value(
        &mut self,
        ty: &Type,
        path: &mut Vec<Step>,
        depth: usize,
    ) -> Result<Value, DecodeError> {
        if depth > MAX_DEPTH {
            return Err(DecodeError::new(path, "value nested too deeply"));
        }
        let head = self.head_at(path)?;
        match (head, ty) {
            (Head::Ext, _) => Ok(Value::Unknown),
            (Head::Nil, _) => Ok(Value::Null),
            (Head::Array(n), Type::Dynamic) => self.dynamic(n, path, depth),
            (Head::Bool(b), Type::Bool) => Ok(Value::Bool(b)),
            (head, Type::Number) => number(head).ok_or_else(|| expected(path, ty)),
            (Head::Str(s) | Head::Bin(s), Type::String) => Ok(Value::String(utf8(s, path)?)),
            (Head::Array(n), Type::List(t) | Type::Set(t)) => {
                let n = self.count(n, 1, path)?;
                let mut items = Vec::with_capacity(n);
                for i in 0..n {
                    path.push(Step::Index(i as i64));
                    items.push(self.value(t, path, depth + 1)?);
                    path.pop();
                }
                Ok(match ty {
                    Type::Set(_) => Value::Set(items),
                    _ => Value::List(items),
                })
            }
            (Head::Array(n), Type::Tuple(ts)) => {
                if n != ts.len() {
                    let msg = format!("a tuple of {} elements is required, found {n}", ts.len());
                    return Err(DecodeError::new(path, msg));
                }
                let mut items = Vec::with_capacity(ts.len());
                for (i, t) in ts.iter().enumerate() {
                    path.push(Step::Index(i as i64));
                    items.push(self.value(t, path, depth + 1)?);
                    path.pop();
                }
                Ok(Value::List(items))
            }
            (Head::Map(n), Type::Map(t)) => {
                let n = self.count(n, 2, path)?;
                let mut entries = BTreeMap::new();
                for _ in 0..n {
                    let key = self.key(path)?;
                    path.push(Step::Key(key.clone()));
                    let v = self.value(t, path, depth + 1)?;
                    if entries.insert(key, v).is_some() {
                        return Err(DecodeError::new(path, "duplicate map key"));
                    }
                    path.pop();
                }
                Ok(Value::Map(entries))
            }
            (Head::Map(n), Type::Object(attrs)) => self.object(n, attrs, path, depth),
            (_, ty) => Err(expected(path, ty)),
        }
    }

    fn key(&mut self, path: &[Step]) -> Result<String, DecodeError> {
        match self.head_at(path)? {
            Head::Str(s) | Head::Bin(s) => utf8(s, path),
            _ => Err(DecodeError::new(path, "map keys must be strings")),
        }
    }

    fn object(
        &mut self,
        n: usize,
        attrs: &BTreeMap<String, Type>,
        path: &mut Vec<Step>,
        depth: usize,
    ) -> Result<Value, DecodeError> {
        let n = self.count(n, 2, path)?;
        let mut out = BTreeMap::new();
        for _ in 0..n {
            let key = self.key(path)?;
            path.push(Step::Attr(key.clone()));
            let Some(t) = attrs.get(&key) else {
                return Err(DecodeError::new(path, "unsupported attribute"));
            };
            let v = self.value(t, path, depth + 1)?;
            if out.insert(key, v).is_some() {
                return Err(DecodeError::new(path, "attribute given twice"));
            }
            path.pop();
        }
        if let Some(missing) = attrs.keys().find(|k| !out.contains_key(*k)) {
            path.push(Step::Attr(missing.clone()));
            return Err(DecodeError::new(path, "attribute missing"));
        }
        Ok(Value::Object(out))
    }

    /// `[type-json, value]`, the array header already read.
    fn dynamic(
        &mut self,
        n: usize,
        path: &mut Vec<Step>,
        depth: usize,
    ) -> Result<Value, DecodeError> {
        if n != 2 {
            return Err(DecodeError::new(
                path,
                "a dynamic value must be a [type, value] pair",
            ));
        }
        let type_json = match self.head_at(path)? {
            Head::Str(s) | Head::Bin(s) => s,
            _ => {
                return Err(DecodeError::new(
                    path,
                    "a dynamic value's type must be JSON bytes",
                ))
            }
        };
        let ty = serde_json::from_slice(type_json)
            .ok()
            .and_then(|j| Type::from_json(&j))
            .ok_or_else(|| DecodeError::new(path, "a dynamic value's type is not a valid type"))?;
        self.value(&ty, path, depth + 1)
    }
}

fn number(head: Head<'_>) -> Option<Value> {
    let n = match head {
        Head::Int(i) => i as f64,
        Head::Uint(u) => u as f64,
        Head::Float(f) => f,
        Head::Str(s) => parse_number(std::str::from_utf8(s).ok()?)?,
        _ => return None,
    };
    // cty has infinities but no NaN.
    (!n.is_nan()).then_some(Value::Number(n))
}

/// Decimal numbers as cty prints them; Rust's parser alone would also take "inf".
pub(crate) fn parse_number(s: &str) -> Option<f64> {
    let s = s.trim();
    let plausible = !s.is_empty()
        && s.bytes().any(|b| b.is_ascii_digit())
        && s.bytes()
            .all(|b| b.is_ascii_digit() || b"+-.eE".contains(&b));
    if plausible {
        s.parse().ok()
    } else {
        None
    }
}

fn utf8(bytes: &[u8], path: &[Step]) -> Result<String, DecodeError> {
    String::from_utf8(bytes.to_vec())
        .map_err(|_| DecodeError::new(path, "string is not valid UTF-8"))
}

fn expected(path: &[Step], ty: &Type) -> DecodeError {
    DecodeError::new(path, format!("{} is required", type_name(ty)))
}

pub(crate) fn type_name(ty: &Type) -> &'static str {
    match ty {
        Type::Bool => "a bool",
        Type::Number => "a number",
        Type::String => "a string",
        Type::List(_) => "a list",
        Type::Set(_) => "a set",
        Type::Map(_) => "a map",
        Type::Object(_) => "an object",
        Type::Tuple(_) => "a tuple",
        Type::Dynamic => "a dynamic value",
    }
}

/// The numbers that cty sends as msgpack integers: integral and within `i64`.
pub(crate) fn as_wire_int(n: f64) -> Option<i64> {
    const TWO_63: f64 = 9_223_372_036_854_775_808.0;
    (n.fract() == 0.0 && (-TWO_63..TWO_63).contains(&n)).then_some(n as i64)
}

/// The type of a value found in a `dynamic` position. `Value` does not record
/// list versus tuple, so lists become tuples (what HCL literals are) and maps
/// whose elements disagree become objects.
pub(crate) fn implied_type(v: &Value) -> Type {
    let uniform = |items: &mut dyn Iterator<Item = &Value>| -> Option<Type> {
        let mut ts = items.map(implied_type);
        let first = ts.next().unwrap_or(Type::Dynamic);
        ts.all(|t| t == first).then_some(first)
    };
    match v {
        Value::Null | Value::Unknown => Type::Dynamic,
        Value::Bool(_) => Type::Bool,
        Value::Number(_) => Type::Number,
        Value::String(_) => Type::String,
        Value::List(items) => Type::Tuple(items.iter().map(implied_type).collect()),
        Value::Set(items) => Type::set(uniform(&mut items.iter()).unwrap_or(Type::Dynamic)),
        Value::Map(m) => match uniform(&mut m.values()) {
            Some(t) => Type::map(t),
            None => Type::Object(
                m.iter()
                    .map(|(k, v)| (k.clone(), implied_type(v)))
                    .collect(),
            ),
        },
        Value::Object(m) => Type::Object(
            m.iter()
                .map(|(k, v)| (k.clone(), implied_type(v)))
                .collect(),
        ),
    }
}

struct Writer {
    out: Vec<u8>,
}

impl Writer {
    fn value(&mut self, v: &Value, ty: &Type, path: &mut Vec<Step>) -> Result<(), DecodeError> {
        match (v, ty) {
            (Value::Unknown, _) => self.out.extend_from_slice(&[0xd4, 0, 0]),
            (Value::Null, _) => self.out.push(0xc0),
            (v, Type::Dynamic) => {
                let t = implied_type(v);
                self.array_len(2, path)?;
                self.bin(t.to_json().to_string().as_bytes(), path)?;
                self.value(v, &t, path)?;
            }
            (Value::Bool(b), Type::Bool) => self.out.push(if *b { 0xc3 } else { 0xc2 }),
            (Value::Number(n), Type::Number) => match as_wire_int(*n) {
                Some(i) => self.int(i),
                None => {
                    self.out.push(0xcb);
                    self.out.extend_from_slice(&n.to_bits().to_be_bytes());
                }
            },
            (Value::String(s), Type::String) => self.str(s, path)?,
            (Value::List(items) | Value::Set(items), Type::List(t) | Type::Set(t)) => {
                self.array_len(items.len(), path)?;
                for (i, item) in items.iter().enumerate() {
                    path.push(Step::Index(i as i64));
                    self.value(item, t, path)?;
                    path.pop();
                }
            }
            (Value::List(items) | Value::Set(items), Type::Tuple(ts)) => {
                if items.len() != ts.len() {
                    let msg = format!("a tuple of {} elements is required", ts.len());
                    return Err(DecodeError::new(path, msg));
                }
                self.array_len(items.len(), path)?;
                for (i, (item, t)) in items.iter().zip(ts).enumerate() {
                    path.push(Step::Index(i as i64));
                    self.value(item, t, path)?;
                    path.pop();
                }
            }
            (Value::Map(m) | Value::Object(m), Type::Map(t)) => {
                self.map_len(m.len(), path)?;
                for (k, item) in m {
                    self.str(k, path)?;
                    path.push(Step::Key(k.clone()));
                    self.value(item, t, path)?;
                    path.pop();
                }
            }
            (Value::Map(m) | Value::Object(m), Type::Object(attrs)) => {
                if let Some(extra) = m.keys().find(|k| !attrs.contains_key(*k)) {
                    path.push(Step::Attr(extra.clone()));
                    return Err(DecodeError::new(path, "unsupported attribute"));
                }
                // BTreeMap iterates in byte order of the names, which is how cty sorts them.
                self.map_len(attrs.len(), path)?;
                for (k, t) in attrs {
                    path.push(Step::Attr(k.clone()));
                    let item = m
                        .get(k)
                        .ok_or_else(|| DecodeError::new(path, "attribute missing"))?;
                    path.pop();
                    self.str(k, path)?;
                    path.push(Step::Attr(k.clone()));
                    self.value(item, t, path)?;
                    path.pop();
                }
            }
            (_, ty) => return Err(expected(path, ty)),
        }
        Ok(())
    }

    /// The most compact integer form, as go-cty's encoder writes it.
    fn int(&mut self, i: i64) {
        let o = &mut self.out;
        match i {
            0..=0x7f => o.push(i as u8),
            -32..=-1 => o.push(i as i8 as u8),
            0x80..=0xff => o.extend_from_slice(&[0xcc, i as u8]),
            0x100..=0xffff => {
                o.push(0xcd);
                o.extend_from_slice(&(i as u16).to_be_bytes());
            }
            0x1_0000..=0xffff_ffff => {
                o.push(0xce);
                o.extend_from_slice(&(i as u32).to_be_bytes());
            }
            0x1_0000_0000.. => {
                o.push(0xcf);
                o.extend_from_slice(&(i as u64).to_be_bytes());
            }
            -128..=-33 => o.extend_from_slice(&[0xd0, i as i8 as u8]),
            -32768..=-129 => {
                o.push(0xd1);
                o.extend_from_slice(&(i as i16).to_be_bytes());
            }
            -2_147_483_648..=-32769 => {
                o.push(0xd2);
                o.extend_from_slice(&(i as i32).to_be_bytes());
            }
            _ => {
                o.push(0xd3);
                o.extend_from_slice(&i.to_be_bytes());
            }
        }
    }

    /// Writes a header: the short form `fix | n` below `fix_max`, else the 8/16/32-bit
    /// length codes given (`None` where the family has no such width).
    fn header(
        &mut self,
        n: usize,
        fix: Option<(u8, usize)>,
        codes: [Option<u8>; 3],
        path: &[Step],
    ) -> Result<(), DecodeError> {
        if let Some((base, max)) = fix {
            if n < max {
                self.out.push(base | n as u8);
                return Ok(());
            }
        }
        let o = &mut self.out;
        match (n, codes) {
            (0..=0xff, [Some(c), _, _]) => o.extend_from_slice(&[c, n as u8]),
            (0..=0xffff, [_, Some(c), _]) => {
                o.push(c);
                o.extend_from_slice(&(n as u16).to_be_bytes());
            }
            (_, [_, _, Some(c)]) if u32::try_from(n).is_ok() => {
                o.push(c);
                o.extend_from_slice(&(n as u32).to_be_bytes());
            }
            _ => return Err(DecodeError::new(path, "too long for msgpack")),
        }
        Ok(())
    }

    fn str(&mut self, s: &str, path: &[Step]) -> Result<(), DecodeError> {
        self.header(
            s.len(),
            Some((0xa0, 32)),
            [Some(0xd9), Some(0xda), Some(0xdb)],
            path,
        )?;
        self.out.extend_from_slice(s.as_bytes());
        Ok(())
    }

    fn bin(&mut self, b: &[u8], path: &[Step]) -> Result<(), DecodeError> {
        self.header(b.len(), None, [Some(0xc4), Some(0xc5), Some(0xc6)], path)?;
        self.out.extend_from_slice(b);
        Ok(())
    }

    fn array_len(&mut self, n: usize, path: &[Step]) -> Result<(), DecodeError> {
        self.header(n, Some((0x90, 16)), [None, Some(0xdc), Some(0xdd)], path)
    }

    fn map_len(&mut self, n: usize, path: &[Step]) -> Result<(), DecodeError> {
        self.header(n, Some((0x80, 16)), [None, Some(0xde), Some(0xdf)], path)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn obj_type() -> Type {
        Type::object([
            ("id", Type::String),
            ("count", Type::Number),
            ("on", Type::Bool),
            ("tags", Type::map(Type::String)),
            ("ports", Type::list(Type::Number)),
            ("zones", Type::set(Type::String)),
            ("pair", Type::Tuple(vec![Type::String, Type::Bool])),
            ("any", Type::Dynamic),
            (
                "creds",
                Type::set(Type::object([
                    ("server", Type::String),
                    ("user", Type::String),
                ])),
            ),
        ])
    }

    fn round_trip(v: &Value, ty: &Type) {
        let bytes = encode(v, ty).unwrap_or_else(|e| panic!("encode {v:?}: {e}"));
        let back = decode(&bytes, ty).unwrap_or_else(|e| panic!("decode {v:?}: {e}"));
        assert_eq!(&back, v, "bytes {bytes:02x?}");
    }

    #[test]
    fn round_trips_every_kind() {
        let cases: Vec<(Value, Type)> = vec![
            (Value::Null, Type::String),
            (Value::Unknown, Type::String),
            (Value::Bool(true), Type::Bool),
            (Value::Bool(false), Type::Bool),
            (Value::String(String::new()), Type::String),
            (Value::String("x".repeat(31)), Type::String),
            (Value::String("é".repeat(200)), Type::String),
            (Value::String("y".repeat(70_000)), Type::String),
            (Value::str_list(["a", "b"]), Type::list(Type::String)),
            (
                Value::List((0..20).map(Value::from).collect()),
                Type::list(Type::Number),
            ),
            (Value::str_set(["b", "a"]), Type::set(Type::String)),
            (Value::List(vec![]), Type::list(Type::String)),
            (Value::Set(vec![Value::Unknown]), Type::set(Type::String)),
            (Value::str_map([("k", "v")]), Type::map(Type::String)),
            (Value::Map(BTreeMap::new()), Type::map(Type::Bool)),
            (
                Value::List(vec![Value::from("a"), Value::Null]),
                Type::Tuple(vec![Type::String, Type::Bool]),
            ),
            (
                Value::object([("a", Value::Unknown)]),
                Type::object([("a", Type::Number)]),
            ),
            (Value::from("s"), Type::Dynamic),
            (Value::Null, Type::Dynamic),
            (Value::Unknown, Type::Dynamic),
            (
                Value::object([("x", Value::List(vec![Value::from(1i64), Value::from("y")]))]),
                Type::Dynamic,
            ),
            (
                Value::List(vec![Value::str_map([("a", "b")])]),
                Type::list(Type::map(Type::String)),
            ),
        ];
        for (v, ty) in &cases {
            round_trip(v, ty);
        }
    }

    #[test]
    fn round_trips_numbers_of_every_width() {
        for n in [
            0i64,
            1,
            127,
            128,
            255,
            256,
            65_535,
            65_536,
            4_294_967_295,
            4_294_967_296,
            -1,
            -32,
            -33,
            -128,
            -129,
            -32_768,
            -32_769,
            -2_147_483_648,
            -2_147_483_649,
            i64::MIN,
        ] {
            round_trip(&Value::from(n), &Type::Number);
        }
        for f in [0.5, -1.25, 1e300, f64::INFINITY, f64::NEG_INFINITY, 9.3e18] {
            round_trip(&Value::Number(f), &Type::Number);
        }
    }

    #[test]
    fn round_trips_nested_objects() {
        let v = Value::object([
            ("id", Value::from("i-1")),
            ("count", Value::from(3i64)),
            ("on", Value::Unknown),
            ("tags", Value::str_map([("env", "prod"), ("a", "b")])),
            (
                "ports",
                Value::List(vec![Value::from(80i64), Value::Number(443.5)]),
            ),
            ("zones", Value::str_set(["z2", "z1"])),
            (
                "pair",
                Value::List(vec![Value::from("p"), Value::Bool(true)]),
            ),
            ("any", Value::str_map([("k", "v")])),
            (
                "creds",
                Value::Set(vec![Value::object([
                    ("server", Value::from("r.io")),
                    ("user", Value::Null),
                ])]),
            ),
        ]);
        round_trip(&v, &obj_type());
    }

    #[test]
    fn known_answer_bytes() {
        // {"a": unknown, "b": null, "c": 1} with keys sorted, as go-cty writes it.
        let ty = Type::object([("c", Type::Number), ("b", Type::String), ("a", Type::Bool)]);
        let v = Value::object([
            ("c", Value::from(1i64)),
            ("b", Value::Null),
            ("a", Value::Unknown),
        ]);
        let bytes = encode(&v, &ty).unwrap();
        assert_eq!(
            bytes,
            [0x83, 0xa1, b'a', 0xd4, 0, 0, 0xa1, b'b', 0xc0, 0xa1, b'c', 0x01]
        );
        assert_eq!(encode(&Value::from(-1i64), &Type::Number).unwrap(), [0xff]);
        assert_eq!(
            encode(&Value::from(200i64), &Type::Number).unwrap(),
            [0xcc, 200]
        );
        assert_eq!(
            encode(&Value::from(-200i64), &Type::Number).unwrap(),
            [0xd1, 0xff, 0x38]
        );
        assert_eq!(
            encode(&Value::Number(1.5), &Type::Number).unwrap(),
            [0xcb, 0x3f, 0xf8, 0, 0, 0, 0, 0, 0]
        );
        // dynamic: [bin "\"string\"", "x"]
        let mut dynamic = vec![0x92, 0xc4, 8];
        dynamic.extend_from_slice(b"\"string\"");
        dynamic.extend_from_slice(&[0xa1, b'x']);
        assert_eq!(encode(&Value::from("x"), &Type::Dynamic).unwrap(), dynamic);
        assert_eq!(decode(&dynamic, &Type::Dynamic).unwrap(), Value::from("x"));
    }

    #[test]
    fn decodes_what_other_encoders_send() {
        let cases: Vec<(&[u8], Type, Value)> = vec![
            (&[0xd4, 0, 0], Type::String, Value::Unknown),
            // refined unknown (ext 12): not null, prefix "ab"
            (
                &[0xc7, 7, 12, 0x82, 1, 0xc2, 2, 0xa2, b'a', b'b'],
                Type::String,
                Value::Unknown,
            ),
            (&[0xd5, 7, 1, 2], Type::Number, Value::Unknown),
            (&[0xcd, 1, 0], Type::Number, Value::from(256i64)),
            (
                &[0xcf, 0, 0, 0, 0, 0, 0, 0, 5],
                Type::Number,
                Value::from(5i64),
            ),
            (&[0xd0, 0xfe], Type::Number, Value::from(-2i64)),
            (&[0xca, 0x3f, 0xc0, 0, 0], Type::Number, Value::Number(1.5)),
            (
                &[0xa4, b'1', b'e', b'2', b'0'],
                Type::Number,
                Value::Number(1e20),
            ),
            (&[0xc4, 1, b'z'], Type::String, Value::from("z")),
            (&[0xd9, 1, b'z'], Type::String, Value::from("z")),
            (
                &[0xdc, 0, 1, 0xc3],
                Type::list(Type::Bool),
                Value::List(vec![Value::Bool(true)]),
            ),
            (&[0x90], Type::set(Type::Bool), Value::Set(vec![])),
            (&[0xc0], Type::Dynamic, Value::Null),
            (&[0xd4, 0, 0], Type::Dynamic, Value::Unknown),
        ];
        for (bytes, ty, want) in cases {
            assert_eq!(decode(bytes, &ty), Ok(want), "{bytes:02x?}");
        }
        // Object keys in any order.
        let ty = Type::object([("a", Type::Bool), ("b", Type::Bool)]);
        let v = decode(&[0x82, 0xa1, b'b', 0xc2, 0xa1, b'a', 0xc3], &ty).unwrap();
        assert_eq!(
            v,
            Value::object([("a", Value::Bool(true)), ("b", Value::Bool(false))])
        );
    }

    fn decode_err(bytes: &[u8], ty: &Type) -> DecodeError {
        decode(bytes, ty).expect_err("must fail")
    }

    #[test]
    fn errors_carry_the_path() {
        let ty = obj_type();
        let mut v = Value::object([
            ("id", Value::from("i-1")),
            ("count", Value::from(3i64)),
            ("on", Value::Bool(true)),
            ("tags", Value::Null),
            ("ports", Value::Null),
            ("zones", Value::Null),
            ("pair", Value::Null),
            ("any", Value::Null),
            (
                "creds",
                Value::Set(vec![Value::object([
                    ("server", Value::from("r.io")),
                    ("user", Value::Null),
                ])]),
            ),
        ]);
        let good = encode(&v, &ty).unwrap();

        // Wrong kind deep inside: creds[0].server is a bool.
        let inner = Type::object([("server", Type::Bool), ("user", Type::String)]);
        let mut wrong_ty = ty.clone();
        if let Type::Object(attrs) = &mut wrong_ty {
            attrs.insert("creds".into(), Type::set(inner));
        }
        let e = decode_err(&good, &wrong_ty);
        assert_eq!(e.path.to_string(), "creds[0].server");
        assert_eq!(e.message, "a bool is required");

        // Truncated input: the error names the attribute being read.
        let list_ty = Type::list(Type::object([("a", Type::String)]));
        let list = encode(
            &Value::List(vec![Value::object([("a", "xyz".into())])]),
            &list_ty,
        );
        let list = list.unwrap();
        let e = decode_err(&list[..list.len() - 1], &list_ty);
        assert_eq!(e.message, "truncated or malformed msgpack");
        assert_eq!(e.path.to_string(), "[0].a");

        // Missing and extra attributes.
        if let Value::Object(m) = &mut v {
            m.remove("zones");
        }
        let mut missing_ty = ty.clone();
        if let Type::Object(attrs) = &mut missing_ty {
            attrs.remove("zones");
        }
        let fewer = encode(&v, &missing_ty).unwrap();
        let e = decode_err(&fewer, &ty);
        assert_eq!(
            (e.path.to_string().as_str(), e.message.as_str()),
            ("zones", "attribute missing")
        );
        let e = decode_err(&good, &missing_ty);
        assert_eq!(e.path.to_string(), "zones");
        assert_eq!(e.message, "unsupported attribute");

        // Map element of the wrong kind.
        let e = decode_err(&[0x81, 0xa1, b'k', 0x01], &Type::map(Type::String));
        assert_eq!(e.path.to_string(), "[\"k\"]");

        // Trailing bytes, reserved code, bad UTF-8, bad number string, bad dynamic.
        assert!(decode(&[0xc0, 0xc0], &Type::String).is_err());
        assert!(decode(&[0xc1], &Type::String).is_err());
        assert!(decode(&[0xa1, 0xff], &Type::String).is_err());
        assert!(decode(&[0xa3, b'i', b'n', b'f'], &Type::Number).is_err());
        assert!(decode(&[0x91, 0xc0], &Type::Dynamic).is_err());
        assert!(decode(&[0x92, 0xa1, b'x', 0xc0], &Type::Dynamic).is_err());
        assert!(decode(&[], &Type::Bool).is_err());
        assert!(decode(&[0xcb, 0x7f, 0xf8, 0, 0, 0, 0, 0, 0], &Type::Number).is_err());
        // NaN
    }

    #[test]
    fn encode_rejects_values_of_the_wrong_kind() {
        let ty = Type::object([("a", Type::list(Type::Number))]);
        let e = encode(&Value::object([("a", Value::str_list(["x"]))]), &ty).unwrap_err();
        assert_eq!(e.path.to_string(), "a[0]");
        let e = encode(&Value::object([("b", Value::Null)]), &ty).unwrap_err();
        assert_eq!(e.path.to_string(), "b");
        let e = encode(&Value::Object(BTreeMap::new()), &ty).unwrap_err();
        assert_eq!(
            (e.path.to_string(), e.message),
            ("a".into(), "attribute missing".into())
        );
    }

    #[test]
    fn hostile_input_does_not_panic() {
        // Huge claimed lengths, deep dynamic nesting, and every short byte string.
        assert!(decode(&[0xdd, 0xff, 0xff, 0xff, 0xff], &Type::list(Type::Bool)).is_err());
        assert!(decode(&[0xdf, 0xff, 0xff, 0xff, 0xff], &Type::map(Type::Bool)).is_err());
        assert!(decode(&[0xc6, 0xff, 0xff, 0xff, 0xff], &Type::String).is_err());
        assert!(decode(&[0xc9, 0xff, 0xff, 0xff, 0xff, 0], &Type::String).is_err());
        let mut deep = Vec::new();
        for _ in 0..10_000 {
            deep.extend_from_slice(&[0x92, 0xa9]);
            deep.extend_from_slice(b"\"dynamic\"");
        }
        deep.push(0xc0);
        assert_eq!(
            decode(&deep, &Type::Dynamic).unwrap_err().message,
            "value nested too deeply"
        );
        let ty = obj_type();
        for a in 0..=255u8 {
            for b in [0u8, 1, 0x7f, 0x80, 0xff] {
                let _ = decode(&[a, b], &ty);
                let _ = decode(&[a, b, b], &Type::Dynamic);
                let _ = decode(&[0x81, 0xa1, b'x', a, b], &Type::map(Type::Dynamic));
            }
        }
    }
}
