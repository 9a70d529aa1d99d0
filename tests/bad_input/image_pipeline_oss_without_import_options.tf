# expect: base_image_type | Missing import_image_options
resource "aliyun_ecs_image_pipeline" "t" {
  base_image_type = "OSS"
  build_content   = "RUN echo hello"
}
