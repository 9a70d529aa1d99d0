# expect: image_cache_name | between 1 and 128 characters
resource "aliyun_eci_image_cache" "c" {
  image_cache_name  = ""
  images            = ["nginx:1.25"]
  security_group_id = "sg-bad0001"
  vswitch_id        = "vsw-bad0001"
}
