# Another resource's argument: unknown to `terraform validate`, known at plan.
# phase: plan
# expect: retention_days | between 1 and 3650
resource "terraform_data" "policy" {
  input = 5000
}

resource "aliyun_eci_image_cache" "c" {
  image_cache_name  = "web"
  images            = ["nginx:1.25"]
  security_group_id = "sg-bad0001"
  vswitch_id        = "vsw-bad0001"
  retention_days    = terraform_data.policy.input
}
