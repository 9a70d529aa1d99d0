# A data source is read at plan; its configuration is checked before any API call.
# phase: plan
# expect: name_regex | Invalid regular expression
variable "pattern" {
  type    = string
  default = "*web"
}

data "aliyun_eci_image_caches" "all" {
  name_regex = var.pattern
}
