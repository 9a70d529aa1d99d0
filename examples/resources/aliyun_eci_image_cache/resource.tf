resource "aliyun_eci_image_cache" "app" {
  image_cache_name  = "app-images"
  images            = ["nginx:1.25", "registry.example.com/team/app:v1"]
  security_group_id = "sg-bp1example0001"
  vswitch_id        = "vsw-bp1example0001"
  image_cache_size  = 40
  retention_days    = 30

  image_registry_credential {
    server    = "registry.example.com"
    user_name = "ci"
    password  = var.registry_password
  }

  tags = {
    team = "platform"
  }

  timeouts {
    create = "30m"
  }
}

variable "registry_password" {
  type      = string
  sensitive = true
}
