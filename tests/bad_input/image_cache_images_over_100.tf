# expect: images | has 101 elements
resource "aliyun_eci_image_cache" "c" {
  image_cache_name  = "web"
  images            = [for i in range(101) : "registry.example.com/app:${i}"]
  security_group_id = "sg-bad0001"
  vswitch_id        = "vsw-bad0001"
}
