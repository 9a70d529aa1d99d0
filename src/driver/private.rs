//! The provider's private state: bytes Terraform stores beside each resource's
//! state and hands back unchanged on the next read, plan and apply.
//!
//! The one thing kept there is that an object was imported and has not been
//! applied since. Only then is a null create-only value (one the API never
//! returns, so an import leaves it null) "unknown" rather than "not set at
//! creation", and filling it in adopts the object in place instead of replacing it
//! (`Replace::UnlessAdopting`). The first successful apply clears the mark.
//!
//! The bytes are a JSON object, so later keys can join without breaking states
//! written by this version; anything unreadable counts as "no mark".

use serde_json::{Map, Value as Json};

const IMPORTED: &str = "imported";

fn object(private: &[u8]) -> Map<String, Json> {
    match serde_json::from_slice(private) {
        Ok(Json::Object(m)) => m,
        _ => Map::new(),
    }
}

fn bytes(m: Map<String, Json>) -> Vec<u8> {
    if m.is_empty() {
        Vec::new()
    } else {
        serde_json::to_vec(&Json::Object(m)).unwrap_or_default()
    }
}

/// `private` with the "imported, not yet applied" mark.
pub fn mark_imported(private: &[u8]) -> Vec<u8> {
    let mut m = object(private);
    m.insert(IMPORTED.into(), Json::Bool(true));
    bytes(m)
}

/// Whether `private` carries the mark.
pub fn is_imported(private: &[u8]) -> bool {
    object(private).get(IMPORTED) == Some(&Json::Bool(true))
}

/// `private` without the mark (after an apply adopted the object).
pub fn clear_imported(private: &[u8]) -> Vec<u8> {
    if !is_imported(private) {
        return private.to_vec();
    }
    let mut m = object(private);
    m.remove(IMPORTED);
    bytes(m)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_mark_round_trips_and_clears() {
        assert!(!is_imported(b""));
        let marked = mark_imported(b"");
        assert!(is_imported(&marked));
        assert_eq!(clear_imported(&marked), Vec::<u8>::new());
        // Other keys survive; bytes that are not ours are left alone.
        let other = br#"{"k":1}"#;
        let marked = mark_imported(other);
        assert!(is_imported(&marked));
        assert_eq!(clear_imported(&marked), other.to_vec());
        assert_eq!(clear_imported(b"opaque"), b"opaque".to_vec());
        assert!(!is_imported(b"opaque"));
    }
}
