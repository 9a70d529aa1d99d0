# phase: plan
# expect: bucket | `eci-system` is reserved
variable "bucket" {
  type    = string
  default = "eci-system"
}

resource "aliyun_eci_data_cache" "d" {
  path   = "/model/sd21"
  bucket = var.bucket
  data_source {
    type    = "URL"
    options = { url = "https://example.com/model.bin" }
  }
}
