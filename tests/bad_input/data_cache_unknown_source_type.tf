# expect: type | `URL`, `NAS`, `OSS`, `SNAPSHOT`
resource "aliyun_eci_data_cache" "d" {
  path = "/model/sd21"
  data_source {
    type    = "FTP"
    options = { url = "ftp://example.com/model.bin" }
  }
}
