# expect: vswitch_id | vSwitch IDs such as
resource "aliyun_eci_data_cache" "d" {
  path       = "/model/sd21"
  vswitch_id = "VSW-BAD0001"
  data_source {
    type    = "URL"
    options = { url = "https://example.com/model.bin" }
  }
}
