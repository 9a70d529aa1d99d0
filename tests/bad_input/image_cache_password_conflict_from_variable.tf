# `password` could be null until the variable is known: the conflict shows at plan.
# phase: plan
# expect: password_wo | Set `password` or `password_wo`, not both
variable "registry_password" {
  type      = string
  default   = "from-a-variable"
  sensitive = true
}

resource "aliyun_eci_image_cache" "c" {
  image_cache_name  = "web"
  images            = ["registry.example.com/team/app:v1"]
  security_group_id = "sg-bad0001"
  vswitch_id        = "vsw-bad0001"
  image_registry_credential {
    server      = "registry.example.com"
    user_name   = "ci"
    password    = var.registry_password
    password_wo = "another-password"
  }
}
