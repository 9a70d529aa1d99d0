# expect: image_match_count | between 1 and 100
data "aliyun_eci_image_caches" "best" {
  match_images      = ["nginx:1.25"]
  image_match_count = 0
}
