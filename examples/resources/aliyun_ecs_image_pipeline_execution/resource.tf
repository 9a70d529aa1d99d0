# Builds an image from an existing image template and waits for the result.
resource "aliyun_ecs_image_pipeline_execution" "golden" {
  image_pipeline_id = "ip-2ze5tsl5bp6nf2b3abcd"

  # A new build whenever the application version changes.
  triggers = {
    app_version = "1.4.2"
  }

  timeouts {
    create = "90m"
  }
}

output "golden_image_id" {
  value = aliyun_ecs_image_pipeline_execution.golden.image_id
}
