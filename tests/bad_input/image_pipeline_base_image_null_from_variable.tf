# phase: plan
# expect: base_image_type | Missing base_image
variable "base_image" {
  type    = string
  default = null
}

resource "aliyun_ecs_image_pipeline" "t" {
  base_image_type = "IMAGE_FAMILY"
  base_image      = var.base_image
}
