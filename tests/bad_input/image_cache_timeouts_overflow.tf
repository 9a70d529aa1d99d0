# A duration too large for the provider's clock: once a panic, now an error.
# expect: update | Must be a duration
resource "aliyun_eci_image_cache" "c" {
  image_cache_name  = "web"
  images            = ["nginx:1.25"]
  security_group_id = "sg-bad0001"
  vswitch_id        = "vsw-bad0001"
  timeouts {
    update = "99999999999999999999999h"
  }
}
