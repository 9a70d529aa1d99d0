# expect: images | name the same image
resource "aliyun_eci_image_cache" "c" {
  image_cache_name  = "web"
  images            = ["nginx", "nginx:latest"]
  security_group_id = "sg-bad0001"
  vswitch_id        = "vsw-bad0001"
}
