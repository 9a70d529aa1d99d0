# The provider block is checked again at plan, once the variable is known.
# phase: plan
# expect: region | a region ID such as `cn-hangzhou`
variable "region" {
  type    = string
  default = "CN-HANGZHOU"
}

provider "aliyun" {
  region     = var.region
  access_key = "emulator"
  secret_key = "emulator-secret"
  endpoints {
    eci = "__EMULATOR__"
    ecs = "__EMULATOR__"
  }
}

resource "aliyun_ecs_image_pipeline_execution" "b" {
  image_pipeline_id = "ip-bad0001"
}
