# expect: eip_instance_id | not both
resource "aliyun_eci_data_cache" "d" {
  path            = "/model/sd21"
  eip_instance_id = "eip-bad0001"
  data_source {
    type    = "URL"
    options = { url = "https://example.com/model.bin" }
  }
  eip_create_param {
    bandwidth = 5
  }
}
