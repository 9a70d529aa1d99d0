# expect: bucket | a bucket name of letters
resource "aliyun_eci_data_cache" "d" {
  path   = "/model/sd21"
  bucket = "my bucket"
  data_source {
    type    = "URL"
    options = { url = "https://example.com/model.bin" }
  }
}
