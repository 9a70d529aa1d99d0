# Tags built in locals from a variable: checked at plan, once known.
# phase: plan
# expect: tags | cannot start with `aliyun` or `acs:`
variable "tag_prefix" {
  type    = string
  default = "acs:"
}

locals {
  tags = { "${var.tag_prefix}owner" = "platform" }
}

resource "aliyun_eci_image_cache" "c" {
  image_cache_name  = "web"
  images            = ["nginx:1.25"]
  security_group_id = "sg-bad0001"
  vswitch_id        = "vsw-bad0001"
  tags              = local.tags
}
