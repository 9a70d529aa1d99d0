# expect: resource_group_id | a resource group ID
resource "aliyun_eci_data_cache" "d" {
  path              = "/model/sd21"
  resource_group_id = "rg-"
  data_source {
    type    = "URL"
    options = { url = "https://example.com/model.bin" }
  }
}
