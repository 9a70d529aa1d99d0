terraform {
  required_providers {
    aliyun = {
      source  = "aliyun-rs/aliyun"
      version = "~> 0.1"
    }
  }
}

# Credentials come from the environment (ALIBABA_CLOUD_ACCESS_KEY_ID and
# ALIBABA_CLOUD_ACCESS_KEY_SECRET, or ALICLOUD_ACCESS_KEY and ALICLOUD_SECRET_KEY),
# an aliyun CLI profile (ALIBABA_CLOUD_PROFILE, or the file's `current` one), a CI's
# OIDC token (ALIBABA_CLOUD_ROLE_ARN, ALIBABA_CLOUD_OIDC_PROVIDER_ARN and
# ALIBABA_CLOUD_OIDC_TOKEN_FILE), or the arguments below.
provider "aliyun" {
  region = "cn-hangzhou"

  # profile = "ci"                    # a profile of ~/.aliyun/config.json
  # ecs_role_name = "TerraformRunner" # the RAM role of the ECS instance Terraform runs on
  #
  # assume_role {                    # wraps whichever source was found
  #   role_arn           = "acs:ram::1234567890123456:role/terraform"
  #   session_expiration = 3600
  # }
}
