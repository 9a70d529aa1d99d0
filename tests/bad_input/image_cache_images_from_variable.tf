# phase: plan
# expect: images | between 1 and 100 elements
variable "images" {
  type    = list(string)
  default = []
}

resource "aliyun_eci_image_cache" "c" {
  image_cache_name  = "web"
  images            = var.images
  security_group_id = "sg-bad0001"
  vswitch_id        = "vsw-bad0001"
}
