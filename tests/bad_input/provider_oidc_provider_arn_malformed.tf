# expect: oidc_provider_arn | an OIDC provider ARN like
provider "aliyun" {
  region = "cn-hangzhou"
  assume_role_with_oidc {
    oidc_provider_arn = "acs:ram::1234567890123456:role/ci"
    role_arn          = "acs:ram::1234567890123456:role/ci"
    oidc_token_file   = "/var/run/secrets/tokens/oidc-token"
  }
  endpoints {
    eci = "__EMULATOR__"
    ecs = "__EMULATOR__"
  }
}

resource "aliyun_ecs_image_pipeline_execution" "b" {
  image_pipeline_id = "ip-bad0001"
}
