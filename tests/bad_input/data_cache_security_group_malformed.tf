# expect: security_group_id | a security group ID
resource "aliyun_eci_data_cache" "d" {
  path              = "/model/sd21"
  security_group_id = "sg_bad0001"
  data_source {
    type    = "URL"
    options = { url = "https://example.com/model.bin" }
  }
}
