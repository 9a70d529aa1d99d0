# expect: image_cache_id | an image cache ID
data "aliyun_eci_image_caches" "one" {
  image_cache_id = "cache-1"
}
