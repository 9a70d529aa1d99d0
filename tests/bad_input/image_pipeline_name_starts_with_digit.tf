# expect: name | starting with a letter or Chinese character
resource "aliyun_ecs_image_pipeline" "t" {
  name            = "1-golden"
  base_image_type = "IMAGE"
  base_image      = "m-base0001"
}
