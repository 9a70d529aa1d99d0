# expect: path | an absolute path
resource "aliyun_eci_data_cache" "d" {
  path = "model/sd21"
  data_source {
    type    = "URL"
    options = { url = "https://example.com/model.bin" }
  }
}
