# The image templates of the images team whose name starts with "golden-".
data "aliyun_ecs_image_pipelines" "golden" {
  name_regex = "^golden-"
  tags = {
    team = "images"
  }
}

output "golden_templates" {
  value = zipmap(data.aliyun_ecs_image_pipelines.golden.ids, data.aliyun_ecs_image_pipelines.golden.names)
}
