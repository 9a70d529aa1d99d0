//! The JSON codec used for stored state (`UpgradeResourceState.raw_state.json`).
//!
//! TODO(driver): implementation pending.

use crate::tf::msgpack::DecodeError;
use crate::tf::types::Type;
use crate::tf::value::Value;

/// Decodes JSON state as a value of type `ty`.
pub fn decode(bytes: &[u8], ty: &Type) -> Result<Value, DecodeError> {
    let _ = (bytes, ty);
    todo!("json decode")
}

/// Encodes `value` as JSON of type `ty`.
pub fn encode(value: &Value, ty: &Type) -> Result<Vec<u8>, DecodeError> {
    let _ = (value, ty);
    todo!("json encode")
}
