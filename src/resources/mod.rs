//! The Alibaba Cloud provider: its configuration and one file per resource.

pub mod wait;
