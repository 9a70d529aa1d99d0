# expect: retention_days | between 1 and 3650
resource "aliyun_eci_data_cache" "d" {
  path           = "/model/sd21"
  retention_days = 4000
  data_source {
    type    = "URL"
    options = { url = "https://example.com/model.bin" }
  }
}
