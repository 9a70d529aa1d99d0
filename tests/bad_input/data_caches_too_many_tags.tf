# expect: tags | between 0 and 20 elements
data "aliyun_eci_data_caches" "tagged" {
  tags = { for i in range(21) : "k${i}" => "v" }
}
