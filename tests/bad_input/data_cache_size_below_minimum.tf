# expect: size | between 20 and 32768
resource "aliyun_eci_data_cache" "d" {
  path = "/model/sd21"
  size = 19
  data_source {
    type    = "URL"
    options = { url = "https://example.com/model.bin" }
  }
}
