# expect: vswitch_id | is required, but its value is null
# phase: plan
variable "vswitch" {
  type    = string
  default = null
}

resource "aliyun_eci_image_cache" "c" {
  image_cache_name  = "web"
  images            = ["nginx:1.25"]
  security_group_id = "sg-bad0001"
  vswitch_id        = var.vswitch
}
