# expect: name_regex | Invalid regular expression
data "aliyun_eci_data_caches" "all" {
  name_regex = "[z-a]"
}
