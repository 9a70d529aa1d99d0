# expect: tags | cannot contain `http://` or `https://`
resource "aliyun_ecs_image_pipeline_execution" "b" {
  image_pipeline_id = "ip-bad0001"
  tags              = { "https://example.com" = "link" }
}
