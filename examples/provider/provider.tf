terraform {
  required_providers {
    aliyun = {
      source  = "aliyun-rs/aliyun"
      version = "~> 0.1"
    }
  }
}

# Credentials come from the environment (ALIBABA_CLOUD_ACCESS_KEY_ID and
# ALIBABA_CLOUD_ACCESS_KEY_SECRET, or ALICLOUD_ACCESS_KEY and ALICLOUD_SECRET_KEY).
provider "aliyun" {
  region = "cn-hangzhou"
}
