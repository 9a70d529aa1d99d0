# expect: bucket | `eci-system` is reserved
resource "aliyun_eci_data_cache" "d" {
  path   = "/model/sd21"
  bucket = "eci-system"
  data_source {
    type    = "URL"
    options = { url = "https://example.com/model.bin" }
  }
}
