# expect: server | a registry address without a scheme
resource "aliyun_eci_image_cache" "c" {
  image_cache_name  = "web"
  images            = ["registry.example.com/team/app:v1"]
  security_group_id = "sg-bad0001"
  vswitch_id        = "vsw-bad0001"
  image_registry_credential {
    server    = "https://registry.example.com"
    user_name = "ci"
    password  = "registry-password"
  }
}
