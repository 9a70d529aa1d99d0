//! Test helpers shared by the integration tests.
//!
//! [`Workspace`] is a temporary directory with a Terraform CLI configuration whose
//! `dev_overrides` point `aliyun-rs/aliyun` at the provider binary built for this test
//! run, so `terraform validate/plan/apply` use it without `terraform init`. Commands
//! run with a scrubbed environment: nothing from the developer's `TF_*`, cloud
//! credentials or `~/.terraformrc` leaks in. A failing command panics with everything
//! needed to debug it from a CI log.
#![allow(dead_code)]

use std::collections::BTreeMap;
use std::fmt::Write as _;
use std::path::{Path, PathBuf};
use std::process::{Command, Output, Stdio};

/// The provider binary Cargo built for this test run.
pub fn provider_binary() -> PathBuf {
    PathBuf::from(env!("CARGO_BIN_EXE_terraform-provider-aliyun"))
}

/// A command running the provider binary directly, with a scrubbed environment.
pub fn provider_command() -> Command {
    let mut cmd = Command::new(provider_binary());
    scrub_env(&mut cmd);
    cmd
}

/// Clears the environment except what a process needs to run at all.
fn scrub_env(cmd: &mut Command) {
    cmd.env_clear();
    for keep in ["PATH", "TMPDIR", "LANG", "SYSTEMROOT"] {
        if let Some(v) = std::env::var_os(keep) {
            cmd.env(keep, v);
        }
    }
}

/// A temporary Terraform working directory wired to the built provider.
pub struct Workspace {
    dir: tempfile::TempDir,
    env: BTreeMap<String, String>,
}

impl Workspace {
    /// A fresh workspace with a CLI configuration holding `dev_overrides`.
    pub fn new() -> Workspace {
        let dir = tempfile::Builder::new()
            .prefix("tf-aliyun-")
            .tempdir()
            .expect("create a temporary directory");
        let bin = provider_binary();
        let bin_dir = bin.parent().expect("binary has a directory");
        let cli_config = format!(
            "provider_installation {{\n  dev_overrides {{\n    \"aliyun-rs/aliyun\" = {}\n  }}\n  direct {{}}\n}}\n",
            hcl_string(&bin_dir.display().to_string())
        );
        let ws = Workspace {
            dir,
            env: BTreeMap::new(),
        };
        ws.write(".terraformrc", &cli_config);
        ws
    }

    /// The directory.
    pub fn path(&self) -> &Path {
        self.dir.path()
    }

    /// Writes `contents` to `name` (relative to the workspace).
    pub fn write(&self, name: &str, contents: &str) -> &Self {
        let p = self.path().join(name);
        if let Some(parent) = p.parent() {
            std::fs::create_dir_all(parent).expect("create directories");
        }
        std::fs::write(&p, contents).unwrap_or_else(|e| panic!("write {}: {e}", p.display()));
        self
    }

    /// Reads `name` (relative to the workspace).
    pub fn read(&self, name: &str) -> String {
        let p = self.path().join(name);
        std::fs::read_to_string(&p).unwrap_or_else(|e| panic!("read {}: {e}", p.display()))
    }

    /// Sets an environment variable for every later command.
    pub fn env(&mut self, key: &str, value: &str) -> &mut Self {
        self.env.insert(key.to_string(), value.to_string());
        self
    }

    /// The `terraform` command, in this directory, with a clean environment.
    pub fn command(&self, args: &[&str]) -> Command {
        let mut cmd = Command::new("terraform");
        cmd.args(args).current_dir(self.path());
        scrub_env(&mut cmd);
        cmd.env("HOME", self.path())
            .env("TF_CLI_CONFIG_FILE", self.path().join(".terraformrc"))
            .env("TF_IN_AUTOMATION", "1")
            .env("TF_INPUT", "0")
            .env("CHECKPOINT_DISABLE", "1")
            .envs(&self.env)
            .stdin(Stdio::null());
        cmd
    }

    /// Runs terraform and panics, with everything needed to debug, unless it succeeds.
    pub fn terraform(&self, args: &[&str]) -> Output {
        let out = self.terraform_unchecked(args);
        if !out.status.success() {
            panic!("{}", self.report("terraform failed", args, &out));
        }
        out
    }

    /// Runs terraform and panics unless it fails.
    pub fn terraform_fails(&self, args: &[&str]) -> Output {
        let out = self.terraform_unchecked(args);
        if out.status.success() {
            panic!(
                "{}",
                self.report("terraform unexpectedly succeeded", args, &out)
            );
        }
        out
    }

    /// Runs terraform whatever the outcome.
    pub fn terraform_unchecked(&self, args: &[&str]) -> Output {
        self.command(args)
            .output()
            .unwrap_or_else(|e| panic!("cannot run terraform (is it on PATH?): {e}"))
    }

    /// Runs terraform and parses its stdout as JSON (`show -json`, `providers schema -json`).
    pub fn terraform_json(&self, args: &[&str]) -> serde_json::Value {
        let out = self.terraform(args);
        serde_json::from_slice(&out.stdout).unwrap_or_else(|e| {
            panic!(
                "{}",
                self.report(&format!("stdout is not JSON: {e}"), args, &out)
            )
        })
    }

    /// A failure report: command, directory and its files, status, stdout, stderr.
    pub fn report(&self, what: &str, args: &[&str], out: &Output) -> String {
        let mut r = String::new();
        let _ = writeln!(r, "{what}");
        let _ = writeln!(r, "command: terraform {}", args.join(" "));
        let _ = writeln!(r, "cwd: {}", self.path().display());
        let _ = writeln!(r, "env: {:?}", self.env);
        let _ = writeln!(r, "files:");
        for f in list_files(self.path()) {
            let _ = writeln!(r, "  {f}");
        }
        let _ = writeln!(r, "status: {}", out.status);
        let _ = writeln!(
            r,
            "--- stdout ---\n{}",
            String::from_utf8_lossy(&out.stdout)
        );
        let _ = writeln!(
            r,
            "--- stderr ---\n{}",
            String::from_utf8_lossy(&out.stderr)
        );
        r
    }
}

fn list_files(root: &Path) -> Vec<String> {
    let mut out = Vec::new();
    let mut stack = vec![root.to_path_buf()];
    while let Some(dir) = stack.pop() {
        let Ok(entries) = std::fs::read_dir(&dir) else {
            continue;
        };
        for e in entries.flatten() {
            let p = e.path();
            if p.is_dir() {
                stack.push(p);
            } else {
                out.push(p.strip_prefix(root).unwrap_or(&p).display().to_string());
            }
        }
    }
    out.sort();
    out
}

/// A string literal for HCL (paths may hold backslashes on Windows).
fn hcl_string(s: &str) -> String {
    serde_json::Value::String(s.to_string()).to_string()
}

/// `terraform { required_providers { aliyun = ... } }`, for the top of test configs.
pub const REQUIRED_PROVIDERS: &str = r#"terraform {
  required_providers {
    aliyun = {
      source = "aliyun-rs/aliyun"
    }
  }
}
"#;
