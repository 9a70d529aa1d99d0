//! The generic resource driver: validate, plan, apply, read, import and upgrade,
//! written once for every resource.

pub mod objects;
