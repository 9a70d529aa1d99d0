# Terraform itself refuses a data source the provider does not have.
# expect: aliyun_eci_image_cache_list | does not support data source
data "aliyun_eci_image_cache_list" "all" {
}
