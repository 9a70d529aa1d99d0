# expect: data_cache_ids | between 1 and 100 elements
data "aliyun_eci_data_caches" "some" {
  data_cache_ids = []
}
