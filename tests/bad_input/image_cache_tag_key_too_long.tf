# expect: tags | must be 1 to 128 characters long
resource "aliyun_eci_image_cache" "c" {
  image_cache_name  = "web"
  images            = ["nginx:1.25"]
  security_group_id = "sg-bad0001"
  vswitch_id        = "vsw-bad0001"
  tags              = { (join("", [for i in range(129) : "k"])) = "v" }
}
