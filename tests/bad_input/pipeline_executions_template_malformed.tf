# expect: image_pipeline_id | an image template ID
data "aliyun_ecs_image_pipeline_executions" "runs" {
  image_pipeline_id = "template-1"
}
