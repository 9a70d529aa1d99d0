pub mod aliyun;
