# phase: plan
# expect: type | `URL`, `NAS`, `OSS`, `SNAPSHOT`
variable "source_type" {
  type    = string
  default = "HTTP"
}

resource "aliyun_eci_data_cache" "d" {
  path = "/model/sd21"
  data_source {
    type    = var.source_type
    options = { url = "https://example.com/model.bin" }
  }
}
