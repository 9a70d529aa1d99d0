# expect: role_arn | a role ARN like
provider "aliyun" {
  region     = "cn-hangzhou"
  access_key = "emulator"
  secret_key = "emulator-secret"
  assume_role {
    role_arn = "terraform"
  }
  endpoints {
    eci = "__EMULATOR__"
    ecs = "__EMULATOR__"
  }
}

resource "aliyun_ecs_image_pipeline_execution" "b" {
  image_pipeline_id = "ip-bad0001"
}
