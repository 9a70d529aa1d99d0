# Days are not a Go duration unit.
# expect: create | Must be a duration
resource "aliyun_ecs_image_pipeline_execution" "b" {
  image_pipeline_id = "ip-bad0001"
  timeouts {
    create = "1d"
  }
}
