# expect: eip_instance_id | an EIP ID
resource "aliyun_eci_image_cache" "c" {
  image_cache_name  = "web"
  images            = ["nginx:1.25"]
  security_group_id = "sg-bad0001"
  vswitch_id        = "vsw-bad0001"
  eip_instance_id   = "203.0.113.7"
}
