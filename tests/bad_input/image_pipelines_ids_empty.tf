# expect: image_pipeline_ids | between 1 and 20 elements
data "aliyun_ecs_image_pipelines" "none" {
  image_pipeline_ids = []
}
