//! ECI (`2018-08-08`): image caches, data caches and the generic tag APIs.

pub mod data_cache;
pub mod image_cache;
pub mod tags;

use serde::Serialize;
use serde_json::{json, Value};

use crate::clock::{format_utc, ser_utc, Millis};
use crate::world::{new_id, HEX};

/// An entry of `Events[]` (image and data caches share the shape).
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct Event {
    /// Occurrences.
    pub count: i64,
    /// First occurrence.
    #[serde(serialize_with = "ser_utc")]
    pub first_timestamp: Millis,
    /// Last occurrence.
    #[serde(serialize_with = "ser_utc")]
    pub last_timestamp: Millis,
    /// Text.
    pub message: String,
    /// Kubernetes-style `<object name>.<hex>`.
    pub name: String,
    /// Short reason, e.g. `Created`.
    pub reason: String,
    /// `Normal` or `Warning`.
    #[serde(rename = "type")]
    pub kind: String,
}

impl Event {
    fn new(object: &str, kind: &str, reason: &str, message: &str, at: Millis) -> Self {
        Event {
            count: 1,
            first_timestamp: at,
            last_timestamp: at,
            message: message.into(),
            name: new_id(&format!("{object}."), 16, HEX),
            reason: reason.into(),
            kind: kind.into(),
        }
    }

    /// A `Normal` event.
    pub fn normal(object: &str, reason: &str, message: &str, at: Millis) -> Self {
        Self::new(object, "Normal", reason, message, at)
    }

    /// A `Warning` event.
    pub fn warning(object: &str, reason: &str, message: &str, at: Millis) -> Self {
        Self::new(object, "Warning", reason, message, at)
    }

    /// Describe shape.
    pub fn to_json(&self) -> Value {
        json!({
            "Count": self.count,
            "FirstTimestamp": format_utc(self.first_timestamp),
            "LastTimestamp": format_utc(self.last_timestamp),
            "Message": self.message,
            "Name": self.name,
            "Reason": self.reason,
            "Type": self.kind,
        })
    }
}

/// `"NN%"` for the elapsed share of a transition (capped at 99 until it ends).
pub fn progress(now: Millis, since: Millis, duration: Millis) -> String {
    if duration <= 0 {
        return "0%".into();
    }
    let pct = ((now - since).max(0) * 100 / duration).min(99);
    format!("{pct}%")
}

/// Days to milliseconds.
pub fn days_ms(days: i64) -> Millis {
    days.saturating_mul(86_400_000)
}
