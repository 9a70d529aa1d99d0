//! The Alibaba Cloud provider: its configuration and one file per resource.

pub mod common;
pub mod eci_data_cache;
pub mod eci_image_cache;
pub mod ecs_image_pipeline_execution;
pub mod provider_config;
pub mod wait;
