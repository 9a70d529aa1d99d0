# expect: region | a region ID such as `cn-hangzhou`
provider "aliyun" {
  region     = "cn_hangzhou"
  access_key = "emulator"
  secret_key = "emulator-secret"
  endpoints {
    eci = "__EMULATOR__"
    ecs = "__EMULATOR__"
  }
}

data "aliyun_eci_image_caches" "all" {
}
