# expect: owner | cannot start with `acs:`
resource "aliyun_eci_data_cache" "d" {
  path = "/model/sd21"
  tags = {
    owner = "acs:ml"
  }
  data_source {
    type    = "URL"
    options = { url = "https://example.com/model.bin" }
  }
}
