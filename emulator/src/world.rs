//! The emulated cloud: every stored object, the settings that drive their
//! state machines, ClientToken records, and helpers shared by the handlers
//! (IDs, pagination tokens, the per-call context).
//!
//! Objects never change behind the handlers' backs: `sweep` advances every
//! state machine to the clock's current time and removes expired objects; it
//! runs at the start of every API call and every inspection.

use std::collections::{BTreeMap, HashMap};
use std::ops::{Deref, DerefMut};

use base64::Engine as _;
use rand::Rng;
use serde_json::{Map, Value};

use crate::clock::{ms, Clock, Millis};
use crate::config::{Config, OutcomeRule, Timings};
use crate::error::{ApiResult, EmuError};
use crate::kind::Objects;
use crate::params::Params;

/// Behaviour knobs the handlers read.
#[derive(Clone, Debug)]
pub struct Settings {
    /// Status durations.
    pub timings: Timings,
    /// Scripted outcomes.
    pub rules: Vec<OutcomeRule>,
    /// Lifetime of a Failed image cache (ms).
    pub failed_image_cache_retention: Millis,
    /// No-op UpdateDataCache → `NoNeedUpdate`.
    pub data_cache_no_need_update: bool,
    /// Describe the whole data source as the `Options` string.
    pub data_source_options_whole: bool,
    /// Resource group assigned by default.
    pub default_resource_group_id: String,
}

impl Settings {
    /// From the start configuration.
    pub fn from_config(c: &Config) -> Self {
        Settings {
            timings: c.timings.clone(),
            rules: c.rules.clone(),
            failed_image_cache_retention: ms(c.failed_image_cache_retention),
            data_cache_no_need_update: c.data_cache_no_need_update,
            data_source_options_whole: c.data_source_options_whole,
            default_resource_group_id: c.default_resource_group_id.clone(),
        }
    }
}

/// Result of a handler: the response members besides `RequestId`.
pub type Body = Map<String, Value>;

/// What a handler gets besides the world.
pub struct Call<'a> {
    /// Decoded parameters.
    pub params: &'a Params,
    /// AccessKey that signed the request.
    pub access_key_id: &'a str,
    /// Clock time of the call.
    pub now: Millis,
}

type TokenKey = (String, String, String);

/// Every stored object plus the settings.
///
/// The objects live in [`Objects`], one list per kind registered in
/// [`crate::kind`]; `World` dereferences to them, so handlers and tests write
/// `w.image_caches` (use `w.objects.image_caches` where another field of the
/// world is borrowed at the same time).
#[derive(Debug)]
pub struct World {
    /// Behaviour knobs.
    pub settings: Settings,
    /// Resource clock.
    pub clock: Clock,
    /// Every object of every kind.
    pub objects: Objects,
    seq: u64,
    tokens: HashMap<TokenKey, (BTreeMap<String, String>, Body)>,
    /// Roles, OIDC settings, temporary credentials (kept across `clear`).
    pub identity: crate::sts::Identity,
}

impl Deref for World {
    type Target = Objects;
    fn deref(&self) -> &Objects {
        &self.objects
    }
}

impl DerefMut for World {
    fn deref_mut(&mut self) -> &mut Objects {
        &mut self.objects
    }
}

impl World {
    /// Empty world.
    pub fn new(settings: Settings, clock: Clock) -> Self {
        World {
            settings,
            clock,
            objects: Objects::default(),
            seq: 0,
            tokens: HashMap::new(),
            identity: Default::default(),
        }
    }

    /// Reset every kind (see [`Kind::reset`](crate::kind::Kind::reset)) and
    /// forget every token (settings stay).
    pub fn clear(&mut self) {
        self.objects.reset();
        self.tokens.clear();
    }

    /// Next creation sequence number (orders listings, anchors page tokens).
    pub fn next_seq(&mut self) -> u64 {
        self.seq += 1;
        self.seq
    }

    /// Advance every state machine to now and drop expired objects.
    pub fn sweep(&mut self) {
        let now = self.clock.now();
        self.objects.sweep(now, &self.settings);
    }

    /// Number of objects created through the cloud API, every kind together
    /// (objects seeded through the emulator's own API are not counted).
    pub fn object_count(&self) -> usize {
        self.objects.count_unseeded()
    }

    /// Remove any object by id, with the objects it owns (a template's executions).
    pub fn delete_object(&mut self, id: &str) -> bool {
        self.objects.delete(id)
    }

    /// Overwrite Describe-named fields of any object. `Ok(false)` if no such id.
    pub fn patch_object(&mut self, id: &str, fields: &Value) -> Result<bool, String> {
        let obj = fields
            .as_object()
            .ok_or_else(|| "the patch must be a JSON object".to_string())?;
        let now = self.clock.now();
        match self.objects.patch(id, obj, now) {
            None => Ok(false),
            Some(r) => r.map(|()| true),
        }
    }

    /// ClientToken lookup: the stored answer for the same parameters, a
    /// mismatch error for different ones, or `None` for a new token.
    pub fn token_replay(
        &self,
        access_key_id: &str,
        action: &str,
        token: &str,
        params: &Params,
    ) -> ApiResult<Option<Body>> {
        let key = (access_key_id.into(), action.into(), token.into());
        match self.tokens.get(&key) {
            None => Ok(None),
            Some((fp, body)) if *fp == params.fingerprint() => Ok(Some(body.clone())),
            Some(_) => Err(EmuError::idempotent_mismatch()),
        }
    }

    /// Remember the answer of a successful call made with a ClientToken.
    pub fn token_store(
        &mut self,
        access_key_id: &str,
        action: &str,
        token: &str,
        params: &Params,
        body: &Body,
    ) {
        let key = (access_key_id.into(), action.into(), token.into());
        self.tokens
            .insert(key, (params.fingerprint(), body.clone()));
    }
}

/// `prefix` + `n` random characters from `alphabet`.
pub fn new_id(prefix: &str, n: usize, alphabet: &[u8]) -> String {
    let mut rng = rand::rng();
    let mut s = String::with_capacity(prefix.len() + n);
    s.push_str(prefix);
    for _ in 0..n {
        s.push(alphabet[rng.random_range(0..alphabet.len())] as char);
    }
    s
}

/// Lowercase letters and digits (ECI/ECS resource ids).
pub const ALNUM: &[u8] = b"abcdefghijklmnopqrstuvwxyz0123456789";
/// Lowercase hex.
pub const HEX: &[u8] = b"0123456789abcdef";

/// A request id: uppercase UUID like the samples.
pub fn request_id() -> String {
    uuid::Uuid::new_v4().to_string().to_uppercase()
}

/// One page of `items` (already filtered and ordered by `seq`).
pub struct Page<T> {
    /// The page.
    pub items: Vec<T>,
    /// Token for the next page, empty on the last one.
    pub next_token: String,
    /// Number of items matching the filter, all pages together.
    pub total: usize,
}

/// Cut a page after the position named by `token`. Tokens are opaque to
/// clients: base64 of `<kind>:<seq of the last item returned>`, so deleting
/// objects between two pages neither repeats nor skips the others.
pub fn paginate<T>(
    items: Vec<T>,
    seq: impl Fn(&T) -> u64,
    kind: &str,
    token: Option<&str>,
    limit: usize,
) -> ApiResult<Page<T>> {
    let total = items.len();
    let after = match token.filter(|t| !t.is_empty()) {
        None => 0,
        Some(t) => decode_token(kind, t).ok_or_else(|| {
            EmuError::invalid_value("NextToken", "the token was not issued by a previous call")
        })?,
    };
    let mut rest: Vec<T> = items.into_iter().filter(|i| seq(i) > after).collect();
    let more = rest.len() > limit;
    rest.truncate(limit);
    let next_token = match (more, rest.last()) {
        (true, Some(last)) => encode_token(kind, seq(last)),
        _ => String::new(),
    };
    Ok(Page {
        items: rest,
        next_token,
        total,
    })
}

fn encode_token(kind: &str, seq: u64) -> String {
    base64::engine::general_purpose::STANDARD.encode(format!("{kind}:{seq}"))
}

fn decode_token(kind: &str, token: &str) -> Option<u64> {
    let raw = base64::engine::general_purpose::STANDARD
        .decode(token)
        .ok()?;
    let s = String::from_utf8(raw).ok()?;
    let (k, n) = s.split_once(':')?;
    (k == kind).then(|| n.parse().ok()).flatten()
}

/// Validate a ClientToken: at most 64 ASCII characters.
pub fn check_client_token(token: &str) -> ApiResult<()> {
    if token.len() > 64 || !token.is_ascii() {
        return Err(EmuError::invalid_value(
            "ClientToken",
            "it must be at most 64 ASCII characters",
        ));
    }
    Ok(())
}

/// Call handler `f` with `pairs` as parameters at the clock's time, after a
/// sweep, as the server does (for unit tests).
#[cfg(test)]
pub(crate) fn test_call(
    w: &mut World,
    f: crate::routes::Handler,
    pairs: &[(&str, &str)],
) -> ApiResult<Body> {
    let params = Params::from_pairs(pairs.iter().copied()).expect("valid parameters");
    w.sweep();
    let now = w.clock.now();
    f(
        w,
        &Call {
            params: &params,
            access_key_id: "ak",
            now,
        },
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn pagination_walks_all_items_once() {
        let items: Vec<u64> = (1..=45).collect();
        let mut token: Option<String> = None;
        let mut seen = Vec::new();
        loop {
            let page = paginate(items.clone(), |i| *i, "t", token.as_deref(), 20).unwrap();
            assert_eq!(page.total, 45);
            seen.extend(page.items);
            if page.next_token.is_empty() {
                break;
            }
            token = Some(page.next_token);
        }
        assert_eq!(seen, items);
    }

    #[test]
    fn pagination_survives_deletions_and_rejects_foreign_tokens() {
        let items: Vec<u64> = (1..=5).collect();
        let p1 = paginate(items, |i| *i, "t", None, 2).unwrap();
        assert_eq!(p1.items, [1, 2]);
        // Item 3 is deleted before the next page is fetched.
        let p2 = paginate(vec![1, 2, 4, 5], |i| *i, "t", Some(&p1.next_token), 2).unwrap();
        assert_eq!(p2.items, [4, 5]);
        assert!(p2.next_token.is_empty());
        for bad in ["garbage", &encode_token("other", 1)] {
            let e = paginate(vec![1u64], |i| *i, "t", Some(bad), 2)
                .err()
                .unwrap();
            assert_eq!(e.code, "InvalidParameter");
        }
        let exact = paginate(vec![1u64, 2], |i| *i, "t", None, 2).unwrap();
        assert!(exact.next_token.is_empty());
    }

    #[test]
    fn ids_have_the_documented_shape() {
        let id = new_id("imc-", 20, ALNUM);
        assert_eq!(id.len(), 24);
        assert!(id[4..].bytes().all(|b| ALNUM.contains(&b)));
        let rid = request_id();
        assert_eq!(rid, rid.to_uppercase());
        assert_eq!(rid.len(), 36);
        assert!(check_client_token(&"a".repeat(64)).is_ok());
        assert!(check_client_token(&"a".repeat(65)).is_err());
        assert!(check_client_token("é").is_err());
    }
}
