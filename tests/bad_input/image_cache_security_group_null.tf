# expect: security_group_id | is required, but its value is null
resource "aliyun_eci_image_cache" "c" {
  image_cache_name  = "web"
  images            = ["nginx:1.25"]
  security_group_id = null
  vswitch_id        = "vsw-bad0001"
}
