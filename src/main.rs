//! terraform-provider-aliyun: started by Terraform as a plugin, or by a developer with
//! `--debug` (see `server::run`).

use std::process::ExitCode;

fn main() -> ExitCode {
    terraform_provider_aliyun::server::run(terraform_provider_aliyun::provider_server)
}
