//! Code generated from `proto/` by `build.rs`; visible only inside `server`.
#![allow(missing_docs, dead_code, clippy::all, clippy::pedantic)]

include!(concat!(env!("OUT_DIR"), "/protos.rs"));
