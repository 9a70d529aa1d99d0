# Every ready cache of the team whose name starts with "web-".
data "aliyun_eci_image_caches" "web" {
  tags       = { team = "platform" }
  name_regex = "^web-"
}

output "web_cache_ids" {
  value = data.aliyun_eci_image_caches.web.ids
}
