# expect: tags | allows at most 20
resource "aliyun_eci_image_cache" "c" {
  image_cache_name  = "web"
  images            = ["nginx:1.25"]
  security_group_id = "sg-bad0001"
  vswitch_id        = "vsw-bad0001"
  tags              = { for i in range(21) : "key${i}" => "value" }
}
