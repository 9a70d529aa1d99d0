# expect: region | a region ID such as `cn-hangzhou`
provider "aliyun" {
  region     = "Hangzhou"
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
