# expect: match_images | between 1 and 100 elements
data "aliyun_eci_image_caches" "best" {
  match_images = []
}
