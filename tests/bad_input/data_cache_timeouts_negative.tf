# expect: delete | Must be a duration
resource "aliyun_eci_data_cache" "d" {
  path = "/model/sd21"
  data_source {
    type    = "URL"
    options = { url = "https://example.com/model.bin" }
  }
  timeouts {
    delete = "-5m"
  }
}
