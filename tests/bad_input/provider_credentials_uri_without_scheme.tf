# expect: credentials_uri | an `http://` or `https://` URL
provider "aliyun" {
  region          = "cn-hangzhou"
  credentials_uri = "127.0.0.1:6666/cred"
  endpoints {
    eci = "__EMULATOR__"
    ecs = "__EMULATOR__"
  }
}

resource "aliyun_ecs_image_pipeline_execution" "b" {
  image_pipeline_id = "ip-bad0001"
}
