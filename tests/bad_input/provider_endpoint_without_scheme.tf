# expect: eci | an `http://` or `https://` URL
provider "aliyun" {
  region     = "cn-hangzhou"
  access_key = "emulator"
  secret_key = "emulator-secret"
  endpoints {
    eci = "eci.cn-hangzhou.aliyuncs.com"
    ecs = "__EMULATOR__"
  }
}

resource "aliyun_ecs_image_pipeline_execution" "b" {
  image_pipeline_id = "ip-bad0001"
}
