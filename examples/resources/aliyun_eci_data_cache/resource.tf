resource "aliyun_eci_data_cache" "model" {
  name              = "sd21"
  bucket            = "models"
  path              = "/model/sd21"
  size              = 40
  security_group_id = "sg-bp1example0001"
  vswitch_id        = "vsw-bp1example0001"

  data_source {
    type = "URL"
    options = {
      repoSource = "HuggingFace/Model"
      repoId     = "stabilityai/stable-diffusion-2-1"
    }
  }

  eip_create_param {
    bandwidth = 10
  }

  tags = {
    team = "ml"
  }
}
