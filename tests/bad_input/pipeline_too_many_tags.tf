# expect: tags | allows at most 20
resource "aliyun_ecs_image_pipeline_execution" "b" {
  image_pipeline_id = "ip-bad0001"
  tags              = { for i in range(25) : "build-${i}" => "x" }
}
