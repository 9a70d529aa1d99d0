# expect: #6#repoId | without the `#N#` prefix
resource "aliyun_eci_data_cache" "d" {
  path = "/model/sd21"
  data_source {
    type = "URL"
    options = {
      repoSource  = "HuggingFace/Model"
      "#6#repoId" = "stabilityai/stable-diffusion-2-1"
    }
  }
}
