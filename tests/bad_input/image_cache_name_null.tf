# expect: image_cache_name | is required, but its value is null
resource "aliyun_eci_image_cache" "c" {
  image_cache_name  = null
  images            = ["nginx:1.25"]
  security_group_id = "sg-bad0001"
  vswitch_id        = "vsw-bad0001"
}
