# phase: plan
# expect: image_pipeline_id | an image template ID
variable "template" {
  type    = string
  default = "m-notatemplate"
}

resource "aliyun_ecs_image_pipeline_execution" "b" {
  image_pipeline_id = var.template
}
