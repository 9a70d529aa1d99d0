# expect: vswitch_id | vSwitch IDs such as
resource "aliyun_eci_image_cache" "c" {
  image_cache_name  = "web"
  images            = ["nginx:1.25"]
  security_group_id = "sg-bad0001"
  vswitch_id        = "vsw-a1;vsw-b2"
}
