# expect: options | needs `server`
resource "aliyun_eci_data_cache" "d" {
  path = "/datasets/imagenet"
  data_source {
    type    = "NAS"
    options = { path = "/imagenet" }
  }
}
