# expect: images | between 1 and 100 elements
resource "aliyun_eci_image_cache" "c" {
  image_cache_name  = "web"
  images            = []
  security_group_id = "sg-bad0001"
  vswitch_id        = "vsw-bad0001"
}
