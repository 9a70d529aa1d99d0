# The variable could be null (no conflict): judged at plan, once known.
# phase: plan
# expect: eip_instance_id | not both
variable "eip" {
  type    = string
  default = "eip-bad0001"
}

resource "aliyun_eci_data_cache" "d" {
  path            = "/model/sd21"
  eip_instance_id = var.eip
  data_source {
    type    = "URL"
    options = { url = "https://example.com/model.bin" }
  }
  eip_create_param {
    bandwidth = 5
  }
}
