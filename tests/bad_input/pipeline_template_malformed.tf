# expect: image_pipeline_id | an image template ID
resource "aliyun_ecs_image_pipeline_execution" "b" {
  image_pipeline_id = "pipeline-1"
}
