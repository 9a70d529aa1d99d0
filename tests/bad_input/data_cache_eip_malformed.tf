# expect: eip_instance_id | an EIP ID
resource "aliyun_eci_data_cache" "d" {
  path            = "/model/sd21"
  eip_instance_id = "eip_bad"
  data_source {
    type    = "URL"
    options = { url = "https://example.com/model.bin" }
  }
}
