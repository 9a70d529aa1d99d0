# expect: base_image_type | Missing base_image
resource "aliyun_ecs_image_pipeline" "t" {
  base_image_type = "IMAGE"
  build_content   = "RUN echo hello"
}
