# expect: statuses | Must be one of
data "aliyun_ecs_image_pipeline_executions" "running" {
  statuses = ["BUILDING", "RUNNING"]
}
