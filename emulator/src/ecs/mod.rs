//! ECS (`2014-05-26`): image templates and image pipeline executions.

pub mod image_pipeline;
pub mod tags;
