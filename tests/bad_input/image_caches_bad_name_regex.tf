# expect: name_regex | Invalid regular expression
data "aliyun_eci_image_caches" "all" {
  name_regex = "web-(unclosed"
}
