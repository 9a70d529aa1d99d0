//! Rebuild structured request parameters from the flat RPC wire form
//! (see docs/development/api-reference.md, «Parameter flattening»):
//! `Name.N`, `Name.N.Field`, `Name.N.Field.M`, `Name.Field`, and map entries
//! `Name.Field.#len#key` or `Name.Field.key`.
//!
//! The flat names are parsed once into a tree of segments. A `#L#` segment
//! takes exactly `L` characters as the key (so keys may contain dots); a
//! length that does not fit the name is an `InvalidParameter`. Typed
//! accessors (`int`, `bool`, `list`, `objects`, `map`) turn malformed values
//! into Alibaba-style errors, so handlers only see clean data.

use std::collections::BTreeMap;

use crate::error::{ApiResult, EmuError};

/// Parameters every RPC request may carry that are not business parameters.
/// They are excluded from idempotency fingerprints and never reach handlers' logic.
pub const COMMON: &[&str] = &[
    "AccessKeyId",
    "Action",
    "Format",
    "Version",
    "Signature",
    "SignatureMethod",
    "SignatureVersion",
    "SignatureNonce",
    "SignatureType",
    "Timestamp",
    "SecurityToken",
    "ClientToken",
    "OwnerId",
    "OwnerAccount",
    "ResourceOwnerId",
    "ResourceOwnerAccount",
    "CallerParentId",
];

/// One node of the parameter tree: an optional value and named children.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Node {
    /// Value when a parameter ends at this node.
    pub value: Option<String>,
    /// Children by segment (list indices are decimal segments).
    pub children: BTreeMap<String, Node>,
}

impl Node {
    /// Value of a direct child, e.g. `Key` of a `Tag.N` element.
    pub fn field(&self, name: &str) -> Option<&str> {
        self.children.get(name).and_then(|n| n.value.as_deref())
    }

    /// Child node by segment.
    pub fn child(&self, name: &str) -> Option<&Node> {
        self.children.get(name)
    }

    /// Elements `1..=n` of a list node; `full` is the wire name for messages.
    fn elements(&self, full: &str, cap: usize) -> ApiResult<Vec<&Node>> {
        let mut out: Vec<(usize, &Node)> = Vec::with_capacity(self.children.len());
        for (seg, node) in &self.children {
            let idx = parse_index(seg).ok_or_else(|| {
                EmuError::invalid(format!(
                    "The parameter \"{full}.{seg}\" is not valid: list indices are positive integers."
                ))
            })?;
            out.push((idx, node));
        }
        out.sort_by_key(|(i, _)| *i);
        for (pos, (idx, _)) in out.iter().enumerate() {
            if *idx != pos + 1 {
                return Err(EmuError::invalid(format!(
                    "The parameter \"{full}.N\" must be numbered consecutively from 1 (found {full}.{idx})."
                )));
            }
        }
        if out.len() > cap {
            return Err(EmuError::invalid(format!(
                "The number of \"{full}.N\" must not exceed {cap} (got {}).",
                out.len()
            )));
        }
        if self.value.is_some() {
            return Err(EmuError::invalid(format!(
                "The parameter \"{full}\" is a list: use \"{full}.1\", \"{full}.2\", ..."
            )));
        }
        Ok(out.into_iter().map(|(_, n)| n).collect())
    }

    /// A list of scalars below this node (`Domain.M` inside an element).
    pub fn scalar_list(&self, name: &str, full: &str, cap: usize) -> ApiResult<Vec<String>> {
        match self.children.get(name) {
            None => Ok(Vec::new()),
            Some(n) => scalars(n, &format!("{full}.{name}"), cap),
        }
    }
}

fn scalars(node: &Node, full: &str, cap: usize) -> ApiResult<Vec<String>> {
    node.elements(full, cap)?
        .into_iter()
        .enumerate()
        .map(|(i, n)| {
            if !n.children.is_empty() {
                return Err(EmuError::invalid(format!(
                    "The parameter \"{full}.{}\" must be a plain value.",
                    i + 1
                )));
            }
            Ok(n.value.clone().unwrap_or_default())
        })
        .collect()
}

fn parse_index(seg: &str) -> Option<usize> {
    if seg.is_empty() || seg.starts_with('0') || !seg.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    seg.parse().ok().filter(|n| *n >= 1)
}

/// Split a wire name into segments, honouring `#len#key` segments.
pub fn segments(name: &str) -> ApiResult<Vec<String>> {
    let chars: Vec<char> = name.chars().collect();
    let bad = |why: &str| {
        EmuError::invalid(format!(
            "The parameter name \"{name}\" is not valid: {why}."
        ))
    };
    let mut segs = Vec::new();
    let mut i = 0;
    loop {
        let seg: String;
        if chars.get(i) == Some(&'#') {
            let start = i + 1;
            let mut j = start;
            while j < chars.len() && chars[j].is_ascii_digit() {
                j += 1;
            }
            if j == start || chars.get(j) != Some(&'#') {
                return Err(bad("a map key prefix must look like #<length>#<key>"));
            }
            let len: usize = chars[start..j]
                .iter()
                .collect::<String>()
                .parse()
                .map_err(|_| bad("map key length out of range"))?;
            let key_start = j + 1;
            // A length near usize::MAX is refused, not an overflow panic.
            let key_end = match key_start.checked_add(len) {
                Some(end) if len > 0 && end <= chars.len() => end,
                _ => return Err(bad("the #<length># prefix does not match the key length")),
            };
            seg = chars[key_start..key_end].iter().collect();
            i = key_end;
            if i < chars.len() && chars[i] != '.' {
                return Err(bad("the #<length># prefix does not match the key length"));
            }
        } else {
            let start = i;
            while i < chars.len() && chars[i] != '.' {
                i += 1;
            }
            seg = chars[start..i].iter().collect();
            if seg.is_empty() {
                return Err(bad("empty name segment"));
            }
        }
        segs.push(seg);
        if i >= chars.len() {
            return Ok(segs);
        }
        i += 1; // skip '.'
        if i >= chars.len() {
            return Err(bad("empty name segment"));
        }
    }
}

/// Decoded request parameters: the flat map (as received, after form decoding)
/// and the rebuilt tree.
#[derive(Clone, Debug, Default)]
pub struct Params {
    flat: BTreeMap<String, String>,
    tree: Node,
}

impl Params {
    /// Build from decoded `name → value` pairs.
    pub fn new(flat: BTreeMap<String, String>) -> ApiResult<Self> {
        let mut tree = Node::default();
        for (name, value) in &flat {
            let mut node = &mut tree;
            for seg in segments(name)? {
                node = node.children.entry(seg).or_default();
            }
            if node.value.is_some() {
                return Err(EmuError::invalid(format!(
                    "The parameter \"{name}\" is given more than once (with and without a #length# prefix)."
                )));
            }
            node.value = Some(value.clone());
        }
        Ok(Params { flat, tree })
    }

    /// Convenience for tests and internal callers.
    pub fn from_pairs<'a>(pairs: impl IntoIterator<Item = (&'a str, &'a str)>) -> ApiResult<Self> {
        Self::new(
            pairs
                .into_iter()
                .map(|(k, v)| (k.to_string(), v.to_string()))
                .collect(),
        )
    }

    /// The flat parameters.
    pub fn flat(&self) -> &BTreeMap<String, String> {
        &self.flat
    }

    /// Business parameters only (no signature/common parameters, no ClientToken):
    /// the idempotency fingerprint.
    pub fn fingerprint(&self) -> BTreeMap<String, String> {
        self.flat
            .iter()
            .filter(|(k, _)| !COMMON.contains(&k.as_str()))
            .map(|(k, v)| (k.clone(), v.clone()))
            .collect()
    }

    fn node(&self, name: &str) -> Option<&Node> {
        let mut node = &self.tree;
        for seg in segments(name).ok()? {
            node = node.children.get(&seg)?;
        }
        Some(node)
    }

    /// Whether any parameter starts with `name` (scalar or structured).
    pub fn has(&self, name: &str) -> bool {
        self.node(name).is_some()
    }

    /// A scalar value, e.g. `RegionId` or `DataSource.Type`.
    pub fn str(&self, name: &str) -> Option<&str> {
        self.node(name).and_then(|n| n.value.as_deref())
    }

    /// A scalar that must be present and non-empty (`MissingParameter` otherwise).
    pub fn required(&self, name: &str) -> ApiResult<&str> {
        match self.str(name) {
            Some(v) if !v.is_empty() => Ok(v),
            _ => Err(EmuError::missing(name)),
        }
    }

    /// Optional string; an empty value counts as absent.
    pub fn opt(&self, name: &str) -> Option<String> {
        self.str(name).filter(|v| !v.is_empty()).map(str::to_string)
    }

    /// Boolean, case-insensitive (`True` from the Python SDKs, `true` elsewhere).
    pub fn bool(&self, name: &str) -> ApiResult<Option<bool>> {
        match self.str(name) {
            None => Ok(None),
            Some(v) if v.eq_ignore_ascii_case("true") => Ok(Some(true)),
            Some(v) if v.eq_ignore_ascii_case("false") => Ok(Some(false)),
            Some(_) => Err(EmuError::invalid_value(name, "expected true or false")),
        }
    }

    /// Decimal integer.
    pub fn int(&self, name: &str) -> ApiResult<Option<i64>> {
        match self.str(name) {
            None => Ok(None),
            Some(v) => v
                .trim()
                .parse::<i64>()
                .map(Some)
                .map_err(|_| EmuError::invalid_value(name, "expected an integer")),
        }
    }

    /// Decimal integer within `lo..=hi`.
    pub fn int_in(&self, name: &str, lo: i64, hi: i64) -> ApiResult<Option<i64>> {
        match self.int(name)? {
            Some(v) if v < lo || v > hi => Err(EmuError::invalid_value(
                name,
                &format!("must be between {lo} and {hi}"),
            )),
            other => Ok(other),
        }
    }

    /// `Name.1..Name.n` scalars, at most `cap`; empty when absent.
    pub fn list(&self, name: &str, cap: usize) -> ApiResult<Vec<String>> {
        match self.node(name) {
            None => Ok(Vec::new()),
            Some(n) => scalars(n, name, cap),
        }
    }

    /// `Name.1.*..Name.n.*` objects, at most `cap`; empty when absent.
    pub fn objects(&self, name: &str, cap: usize) -> ApiResult<Vec<&Node>> {
        match self.node(name) {
            None => Ok(Vec::new()),
            Some(n) => n.elements(name, cap),
        }
    }

    /// A string map below `name` (`Name.#len#key` or `Name.key`), keys without prefix.
    /// `None` when no entry was sent.
    pub fn map(&self, name: &str) -> ApiResult<Option<BTreeMap<String, String>>> {
        let Some(node) = self.node(name) else {
            return Ok(None);
        };
        if node.value.is_some() {
            return Err(EmuError::invalid_value(
                name,
                "a map is sent as Name.#<length>#<key>=<value>",
            ));
        }
        let mut out = BTreeMap::new();
        flatten(node, String::new(), &mut out);
        Ok(Some(out))
    }
}

fn flatten(node: &Node, prefix: String, out: &mut BTreeMap<String, String>) {
    for (seg, child) in &node.children {
        let key = if prefix.is_empty() {
            seg.clone()
        } else {
            format!("{prefix}.{seg}")
        };
        if let Some(v) = &child.value {
            out.insert(key.clone(), v.clone());
        }
        flatten(child, key, out);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn p(pairs: &[(&str, &str)]) -> Params {
        Params::from_pairs(pairs.iter().copied()).unwrap()
    }

    #[test]
    fn segments_handle_length_prefixed_keys() {
        assert_eq!(
            segments("DataSource.Options.#10#repoSource").unwrap(),
            ["DataSource", "Options", "repoSource"]
        );
        assert_eq!(
            segments("DataSource.Options.#3#a.b").unwrap(),
            ["DataSource", "Options", "a.b"]
        );
        assert_eq!(segments("Tag.1.Key").unwrap(), ["Tag", "1", "Key"]);
        for bad in [
            "DataSource.Options.#3#repoId",
            "DataSource.Options.#10#repoId",
            "DataSource.Options.#x#a",
            "DataSource.Options.#0#",
            // Lengths that overflow `usize` arithmetic, or do not even fit in it.
            "DataSource.Options.#18446744073709551615#x",
            "#18446744073709551600#x",
            "A.#99999999999999999999999#x",
            "Tag..Key",
            "Tag.",
        ] {
            let e = segments(bad).unwrap_err();
            assert_eq!(e.code, "InvalidParameter", "{bad}");
        }
    }

    #[test]
    fn lists_objects_and_nested_lists() {
        let params = p(&[
            ("Image.1", "nginx"),
            ("Image.2", "busybox"),
            ("Tag.1.Key", "a"),
            ("Tag.1.Value", "1"),
            ("Tag.2.Key", "b"),
            ("AcrRegistryInfo.1.InstanceId", "cri-1"),
            ("AcrRegistryInfo.1.Domain.1", "a.example.com"),
            ("AcrRegistryInfo.1.Domain.2", "b.example.com"),
        ]);
        assert_eq!(params.list("Image", 100).unwrap(), ["nginx", "busybox"]);
        let tags = params.objects("Tag", 20).unwrap();
        assert_eq!(tags.len(), 2);
        assert_eq!(tags[0].field("Value"), Some("1"));
        assert_eq!(tags[1].field("Value"), None);
        let acr = params.objects("AcrRegistryInfo", 20).unwrap();
        assert_eq!(
            acr[0]
                .scalar_list("Domain", "AcrRegistryInfo.1", 100)
                .unwrap(),
            ["a.example.com", "b.example.com"]
        );
        assert!(params.list("Missing", 3).unwrap().is_empty());
    }

    #[test]
    fn list_indices_sorted_numerically_not_lexically() {
        let pairs: Vec<(String, String)> = (1..=12)
            .map(|i| (format!("Image.{i}"), format!("img{i}")))
            .collect();
        let params = Params::new(pairs.into_iter().collect()).unwrap();
        let l = params.list("Image", 100).unwrap();
        assert_eq!(l[9], "img10");
        assert_eq!(l[1], "img2");
    }

    #[test]
    fn list_gaps_zero_and_caps_are_rejected() {
        for pairs in [
            vec![("Image.2", "x")],
            vec![("Image.0", "x")],
            vec![("Image.1", "x"), ("Image.3", "y")],
            vec![("Image.01", "x")],
            vec![("Image.a", "x")],
            vec![("Image", "x"), ("Image.1", "y")],
        ] {
            let e = p(&pairs).list("Image", 100).unwrap_err();
            assert_eq!(e.code, "InvalidParameter", "{pairs:?}");
        }
        let e = p(&[("Image.1", "a"), ("Image.2", "b")])
            .list("Image", 1)
            .unwrap_err();
        assert!(e.message.contains("must not exceed 1"));
    }

    #[test]
    fn maps_with_and_without_prefix() {
        let params = p(&[
            ("DataSource.Type", "URL"),
            ("DataSource.Options.#10#repoSource", "HuggingFace/Model"),
            ("DataSource.Options.repoId", "sd"),
            ("DataSource.Options.#3#a.b", "dotted"),
        ]);
        let m = params.map("DataSource.Options").unwrap().unwrap();
        assert_eq!(m["repoSource"], "HuggingFace/Model");
        assert_eq!(m["repoId"], "sd");
        assert_eq!(m["a.b"], "dotted");
        assert_eq!(params.str("DataSource.Type"), Some("URL"));
        assert_eq!(params.map("Other").unwrap(), None);
        let dup = Params::from_pairs([
            ("DataSource.Options.#3#url", "a"),
            ("DataSource.Options.url", "b"),
        ]);
        assert_eq!(dup.unwrap_err().code, "InvalidParameter");
        let wrong = Params::from_pairs([("DataSource.Options.#4#url", "a")]);
        assert_eq!(wrong.unwrap_err().code, "InvalidParameter");
    }

    #[test]
    fn typed_scalars() {
        let params = p(&[
            ("A", "True"),
            ("B", "FALSE"),
            ("C", "yes"),
            ("N", "20"),
            ("X", "2O"),
            ("E", ""),
        ]);
        assert_eq!(params.bool("A").unwrap(), Some(true));
        assert_eq!(params.bool("B").unwrap(), Some(false));
        assert_eq!(params.bool("Z").unwrap(), None);
        assert_eq!(params.bool("C").unwrap_err().code, "InvalidParameter");
        assert_eq!(params.int("N").unwrap(), Some(20));
        assert_eq!(params.int("X").unwrap_err().code, "InvalidParameter");
        assert!(params.int_in("N", 1, 10).is_err());
        assert_eq!(params.required("E").unwrap_err().code, "MissingParameter");
        assert!(params.required("Q").unwrap_err().message.contains("\"Q\""));
        assert_eq!(params.opt("E"), None);
    }

    #[test]
    fn fingerprint_drops_common_parameters() {
        let params = p(&[
            ("Action", "X"),
            ("Signature", "s"),
            ("ClientToken", "t"),
            ("ImageCacheName", "n"),
        ]);
        let f = params.fingerprint();
        assert_eq!(f.len(), 1);
        assert!(f.contains_key("ImageCacheName"));
    }
}
