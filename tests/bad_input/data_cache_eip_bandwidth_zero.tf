# expect: bandwidth | between 1 and 10000
resource "aliyun_eci_data_cache" "d" {
  path = "/model/sd21"
  data_source {
    type    = "URL"
    options = { url = "https://example.com/model.bin" }
  }
  eip_create_param {
    bandwidth = 0
  }
}
