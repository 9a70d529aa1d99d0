# expect: path | is required, but its value is null
resource "aliyun_eci_data_cache" "d" {
  path = null
  data_source {
    type    = "URL"
    options = { url = "https://example.com/model.bin" }
  }
}
