data "aliyun_eci_data_caches" "models" {
  bucket = "models"
}

output "model_paths" {
  value = [for c in data.aliyun_eci_data_caches.models.caches : c.path]
}
