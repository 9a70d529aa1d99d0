# The successful builds of an image template.
data "aliyun_ecs_image_pipeline_executions" "done" {
  image_pipeline_id = "ip-2ze5tsl5bp6nf2b3abcd"
  statuses          = ["SUCCESS"]
}

output "built_images" {
  value = [for e in data.aliyun_ecs_image_pipeline_executions.done.executions : e.image_id]
}
