# expect: session_expiration | between 900 and 43200
provider "aliyun" {
  region     = "cn-hangzhou"
  access_key = "emulator"
  secret_key = "emulator-secret"
  assume_role {
    role_arn           = "acs:ram::1234567890123456:role/terraform"
    session_expiration = 600
  }
  endpoints {
    eci = "__EMULATOR__"
    ecs = "__EMULATOR__"
  }
}

resource "aliyun_ecs_image_pipeline_execution" "b" {
  image_pipeline_id = "ip-bad0001"
}
