# expect: execution_id | an execution ID
data "aliyun_ecs_image_pipeline_executions" "runs" {
  execution_id = "run-1"
}
