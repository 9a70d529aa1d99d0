# expect: security_group_id | a security group ID
resource "aliyun_eci_image_cache" "c" {
  image_cache_name  = "web"
  images            = ["nginx:1.25"]
  security_group_id = "default"
  vswitch_id        = "vsw-bad0001"
}
