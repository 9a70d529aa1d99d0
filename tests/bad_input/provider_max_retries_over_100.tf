# expect: max_retries | between 0 and 100
provider "aliyun" {
  region      = "cn-hangzhou"
  access_key  = "emulator"
  secret_key  = "emulator-secret"
  max_retries = 101
  endpoints {
    eci = "__EMULATOR__"
    ecs = "__EMULATOR__"
  }
}

resource "aliyun_ecs_image_pipeline_execution" "b" {
  image_pipeline_id = "ip-bad0001"
}
