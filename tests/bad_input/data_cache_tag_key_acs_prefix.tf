# expect: acs:owner | cannot start with `aliyun` or `acs:`
resource "aliyun_eci_data_cache" "d" {
  path = "/model/sd21"
  tags = {
    "acs:owner" = "ml"
  }
  data_source {
    type    = "URL"
    options = { url = "https://example.com/model.bin" }
  }
}
