# expect: create | longer than zero
resource "aliyun_eci_image_cache" "c" {
  image_cache_name  = "web"
  images            = ["nginx:1.25"]
  security_group_id = "sg-bad0001"
  vswitch_id        = "vsw-bad0001"
  timeouts {
    create = "0s"
  }
}
