# The quick-start demo: an image cache, a data cache, an image template and an
# image build from it, run against the local emulator (scripts/demo.sh starts it
# and passes its URL).

terraform {
  required_providers {
    aliyun = {
      source = "aliyun-rs/aliyun"
    }
  }
}

variable "endpoint" {
  description = "URL of the API to use: the local emulator, e.g. http://127.0.0.1:8080"
  type        = string
}

provider "aliyun" {
  region     = "cn-hangzhou"
  access_key = "emulator"
  secret_key = "emulator-secret"

  endpoints {
    eci = var.endpoint
    ecs = var.endpoint
  }
}

resource "aliyun_eci_image_cache" "web" {
  image_cache_name  = "quickstart-web"
  images            = ["nginx:1.25", "redis:7"]
  security_group_id = "sg-quickstart0001"
  vswitch_id        = "vsw-quickstart0001"
  retention_days    = 7

  tags = {
    demo = "quickstart"
  }
}

resource "aliyun_eci_data_cache" "model" {
  name              = "quickstart-model"
  path              = "/model/sd21"
  security_group_id = "sg-quickstart0001"
  vswitch_id        = "vsw-quickstart0001"

  data_source {
    type = "URL"
    options = {
      repoSource = "HuggingFace/Model"
      repoId     = "stabilityai/stable-diffusion-2-1"
    }
  }
}

resource "aliyun_ecs_image_pipeline" "golden" {
  name            = "quickstart-golden"
  base_image_type = "IMAGE"
  base_image      = "aliyun_3_x64_20G_alibase_20240528.vhd"
  build_content   = "RUN yum install -y nginx"

  tags = {
    demo = "quickstart"
  }
}

resource "aliyun_ecs_image_pipeline_execution" "golden" {
  image_pipeline_id = aliyun_ecs_image_pipeline.golden.id
}

output "image_cache" {
  value = {
    id       = aliyun_eci_image_cache.web.id
    status   = aliyun_eci_image_cache.web.status
    snapshot = aliyun_eci_image_cache.web.snapshot_id
  }
}

output "data_cache" {
  value = {
    id     = aliyun_eci_data_cache.model.id
    status = aliyun_eci_data_cache.model.status
  }
}

output "image_template_id" {
  value = aliyun_ecs_image_pipeline.golden.id
}

output "golden_image_id" {
  value = aliyun_ecs_image_pipeline_execution.golden.image_id
}
