# expect: instance_id | an ACR instance ID
resource "aliyun_eci_image_cache" "c" {
  image_cache_name  = "web"
  images            = ["registry.example.com/team/app:v1"]
  security_group_id = "sg-bad0001"
  vswitch_id        = "vsw-bad0001"
  acr_registry_info {
    instance_id = "acr-enterprise-1"
  }
}
