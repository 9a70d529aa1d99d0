# expect: system_disk_size | between 20 and 500
resource "aliyun_ecs_image_pipeline" "t" {
  base_image_type  = "IMAGE"
  base_image       = "m-base0001"
  system_disk_size = 10
}
