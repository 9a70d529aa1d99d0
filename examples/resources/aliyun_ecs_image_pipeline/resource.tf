# An image template: Alibaba Cloud Linux 3 with nginx, tested, copied to Beijing.
resource "aliyun_ecs_image_pipeline" "golden" {
  name            = "golden-web"
  description     = "Alibaba Cloud Linux 3 with nginx"
  base_image_type = "IMAGE"
  base_image      = "aliyun_3_x64_20G_alibase_20240528.vhd"
  build_content   = <<-EOT
    RUN yum install -y nginx
    RUN systemctl enable nginx
  EOT
  test_content    = "RUN nginx -t"

  instance_type    = "ecs.g7.large"
  system_disk_size = 40
  to_region_ids    = ["cn-beijing"]

  image_options {
    image_name   = "golden-web"
    nvme_support = "auto"
    image_tags = {
      app = "web"
    }
  }

  tags = {
    team = "images"
  }
}

# Build an image from it.
resource "aliyun_ecs_image_pipeline_execution" "build" {
  image_pipeline_id = aliyun_ecs_image_pipeline.golden.id
}
