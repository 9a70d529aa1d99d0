//! Installing the provider the way users will: `terraform init` from a registry that
//! speaks the provider registry protocol, and from a filesystem mirror.
//!
//! Each test packages a release with `scripts/release.sh` (the script a maintainer
//! runs), signed by a throwaway GPG key: this host's platform holds the provider
//! binary built for this test run (the debug build, so the test needs no release
//! build), the other platforms hold a small placeholder file (Terraform only hashes
//! them: `terraform providers lock` downloads but never runs them). A local HTTPS
//! server with a throwaway CA (trusted only by the tests' `terraform`, through
//! `SSL_CERT_FILE`) serves that folder: service discovery, the versions list, the
//! download document with `shasums_url`, `shasums_signature_url` and the public key,
//! and the files. The CLI configuration's `host "registry.terraform.io"` block points
//! the Registry's `providers.v1` service at it, so the configuration keeps the exact
//! `source = "aliyun-rs/aliyun"` block of `examples/provider/provider.tf`. No
//! `dev_overrides` anywhere: Terraform runs the binary it unpacked into `.terraform/`.

use std::collections::BTreeSet;
use std::net::SocketAddr;
use std::path::{Path, PathBuf};
use std::process::{Command, Output};
use std::sync::{Arc, Mutex};

use tokio::io::{AsyncReadExt, AsyncWriteExt};

use crate::acc::{unwrap_output, Acc, Step};
use crate::util::{provider_binary, Workspace};

const NAME: &str = "terraform-provider-aliyun";
const VERSION: &str = env!("CARGO_PKG_VERSION");
/// Platforms of the test release besides this host's (placeholder binaries).
const OTHER_PLATFORMS: [&str; 3] = ["darwin_arm64", "windows_amd64", "linux_arm64"];

const RESOURCE: &str = r#"
resource "aliyun_eci_image_cache" "c" {
  image_cache_name  = "installed"
  images            = ["nginx:1.25"]
  security_group_id = "sg-install0001"
  vswitch_id        = "vsw-install0001"
}
"#;

#[test]
fn release_folder_has_the_registry_layout_and_is_reproducible() {
    let f = Fixture::new();
    let mut files: Vec<String> = std::fs::read_dir(&f.release)
        .unwrap()
        .map(|e| e.unwrap().file_name().into_string().unwrap())
        .collect();
    files.sort();
    let mut want: Vec<String> = platforms()
        .iter()
        .map(|p| format!("{NAME}_{VERSION}_{p}.zip"))
        .chain([
            format!("{NAME}_{VERSION}_SHA256SUMS"),
            format!("{NAME}_{VERSION}_SHA256SUMS.sig"),
            format!("{NAME}_{VERSION}_manifest.json"),
        ])
        .collect();
    want.sort();
    assert_eq!(files, want);

    let manifest: serde_json::Value =
        serde_json::from_str(&f.read(&format!("{NAME}_{VERSION}_manifest.json"))).unwrap();
    assert_eq!(
        manifest,
        serde_json::json!({"version": 1, "metadata": {"protocol_versions": ["6.0"]}})
    );

    // Each zip holds exactly the versioned executable, mode 755.
    for p in platforms() {
        let zip = f.release.join(format!("{NAME}_{VERSION}_{p}.zip"));
        let listing = run(Command::new("unzip").arg("-Z").arg(&zip));
        let exe = if p.starts_with("windows") {
            format!("{NAME}_v{VERSION}.exe")
        } else {
            format!("{NAME}_v{VERSION}")
        };
        let entries: Vec<&str> = listing
            .lines()
            .filter(|l| l.starts_with('-'))
            .collect::<Vec<_>>();
        assert_eq!(entries.len(), 1, "{p}: {listing}");
        assert!(entries[0].starts_with("-rwxr-xr-x"), "{p}: {listing}");
        assert!(entries[0].ends_with(&format!(" {exe}")), "{p}: {listing}");
    }

    // SHA256SUMS covers every zip and the manifest, and the hashes are right.
    let sums = f.shasums();
    let covered: BTreeSet<&String> = sums.keys().collect();
    let expected: BTreeSet<String> = files
        .iter()
        .filter(|n| n.ends_with(".zip") || n.ends_with("manifest.json"))
        .cloned()
        .collect();
    assert_eq!(covered, expected.iter().collect());
    for (file, sum) in &sums {
        assert_eq!(&sha256_hex(&f.release.join(file)), sum, "{file}");
    }
    // The detached signature is binary (not armoured) and verifies with the key.
    let sig = std::fs::read(f.release.join(format!("{NAME}_{VERSION}_SHA256SUMS.sig"))).unwrap();
    assert!(
        !sig.starts_with(b"-----BEGIN"),
        "the signature must be binary"
    );
    f.gpg.run(&[
        "--verify",
        f.release
            .join(format!("{NAME}_{VERSION}_SHA256SUMS.sig"))
            .to_str()
            .unwrap(),
        f.release
            .join(format!("{NAME}_{VERSION}_SHA256SUMS"))
            .to_str()
            .unwrap(),
    ]);

    // Packaging the same binaries again gives byte-identical zips and SHA256SUMS,
    // this time signing with an armoured key given in the environment.
    let again = f.dir.path().join("again");
    let armoured = f.gpg.export_secret(&f.release_key);
    f.release_script(&again, &[("GPG_PRIVATE_KEY", armoured.as_str())]);
    assert_eq!(
        std::fs::read(again.join(format!("{NAME}_{VERSION}_SHA256SUMS"))).unwrap(),
        std::fs::read(f.release.join(format!("{NAME}_{VERSION}_SHA256SUMS"))).unwrap(),
        "two packagings of the same binaries differ"
    );
    f.gpg.run(&[
        "--verify",
        again
            .join(format!("{NAME}_{VERSION}_SHA256SUMS.sig"))
            .to_str()
            .unwrap(),
        again
            .join(format!("{NAME}_{VERSION}_SHA256SUMS"))
            .to_str()
            .unwrap(),
    ]);
}

/// The darwin builds link against stubs written from the locked `-sys` crates
/// (docs/development/releasing.md): they must name the frameworks the dependency
/// tree links, with the symbols the TLS verifier calls, under the install names
/// every Mac has.
#[test]
fn macos_framework_stubs_cover_the_locked_frameworks() {
    let dir = tempfile::tempdir().unwrap();
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    run(Command::new("python3")
        .arg(root.join("scripts/macos-framework-stubs.py"))
        .arg(dir.path())
        .current_dir(root));
    for (framework, symbol) in [
        ("Security", "_SecTrustEvaluateWithError"),
        ("CoreFoundation", "_CFRelease"),
    ] {
        let stub = dir
            .path()
            .join(format!("{framework}.framework/{framework}.tbd"));
        let text = std::fs::read_to_string(&stub)
            .unwrap_or_else(|e| panic!("no stub for {framework}: {e}"));
        assert!(
            text.contains(&format!(
                "install-name:    '/System/Library/Frameworks/{framework}.framework/Versions/A/{framework}'"
            )),
            "{text:.300}"
        );
        assert!(
            text.contains(&format!("{symbol},")) || text.contains(&format!("{symbol} ]")),
            "{framework} stub lacks {symbol}"
        );
    }
}

#[test]
fn release_script_refuses_a_version_other_than_the_crate_version() {
    let f = Fixture::new();
    let out = f
        .release_command(&f.dir.path().join("wrong"), &[], "9.9.9")
        .output()
        .unwrap();
    assert!(!out.status.success());
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(
        stderr.contains(&format!("9.9.9 is not the crate version {VERSION}")),
        "{stderr}"
    );
    let out = f.release_command(&f.dir.path().join("unsigned"), &[], VERSION);
    let out = {
        let mut cmd = out;
        cmd.env_remove("GPG_FINGERPRINT");
        cmd.output().unwrap()
    };
    assert!(!out.status.success());
    assert!(
        String::from_utf8_lossy(&out.stderr).contains("no signing key"),
        "{out:?}"
    );
}

#[test]
fn registry_install_verifies_the_signature_locks_hashes_and_applies() {
    let f = Fixture::new();
    let registry = f.registry();
    let mut acc = Acc::new();
    registry.configure(&mut acc.ws);
    acc.ws.write("main.tf", &f.config(&acc.provider_block()));

    let out = acc.ws.terraform(&["init", "-input=false", "-no-color"]);
    let text = unwrap_output(&out);
    assert!(
        text.contains(&format!(
            "Installed aliyun-rs/aliyun v{VERSION} (self-signed, key ID {}",
            f.key_id()
        )),
        "init did not verify our signature: {text}"
    );
    let installed = acc.ws.path().join(format!(
        ".terraform/providers/registry.terraform.io/aliyun-rs/aliyun/{VERSION}/{}/{NAME}_v{VERSION}",
        host_platform()
    ));
    assert!(installed.is_file(), "{} missing", installed.display());
    assert!(registry.served(&format!("/files/{NAME}_{VERSION}_{}.zip", host_platform())));
    assert!(registry.served(&format!("/files/{NAME}_{VERSION}_SHA256SUMS.sig")));

    // The lock file records every entry of the signed SHA256SUMS (zh:, the zips
    // and the manifest) and the installed package (h1:).
    let sums = f.shasums();
    assert_eq!(sums.len(), platforms().len() + 1, "{sums:?}");
    let zips: BTreeSet<String> = sums.values().map(|s| format!("zh:{s}")).collect();
    assert_eq!(zips.len(), sums.len(), "every zip differs: {sums:?}");
    let lock = acc.ws.read(".terraform.lock.hcl");
    assert!(
        lock.contains(&format!("version     = \"{VERSION}\"")),
        "{lock}"
    );
    assert!(lock.contains("constraints = \"~> 0.1\""), "{lock}");
    let (h1, zh) = lock_hashes(&lock);
    assert_eq!(zh, zips, "zh: hashes differ from SHA256SUMS: {lock}");
    assert_eq!(h1.len(), 1, "{lock}");

    // Locking for several platforms downloads each and records its h1: hash; the zh:
    // hashes still match SHA256SUMS exactly.
    let mut args = vec!["providers", "lock", "-no-color"];
    let flags: Vec<String> = platforms()
        .iter()
        .map(|p| format!("-platform={p}"))
        .collect();
    args.extend(flags.iter().map(String::as_str));
    acc.ws.terraform(&args);
    let lock = acc.ws.read(".terraform.lock.hcl");
    let (h1, zh) = lock_hashes(&lock);
    assert_eq!(zh, zips, "{lock}");
    assert_eq!(h1.len(), platforms().len(), "one h1: per platform: {lock}");
    for p in OTHER_PLATFORMS {
        assert!(registry.served(&format!("/files/{NAME}_{VERSION}_{p}.zip")));
    }

    // The installed binary plans and applies against the emulator.
    acc.run(
        Step::new(f.config(&acc.provider_block()))
            .verbatim()
            .plans("aliyun_eci_image_cache.c", &["create"])
            .calls("CreateImageCache", 1)
            .check(|t| {
                assert_eq!(
                    t.attr("aliyun_eci_image_cache.c", "image_cache_name"),
                    "installed"
                )
            }),
    );
    acc.destroy();

    // Initialising again keeps the locked version and every recorded hash.
    let locked = acc.ws.read(".terraform.lock.hcl");
    acc.ws.terraform(&["init", "-input=false", "-no-color"]);
    assert_eq!(acc.ws.read(".terraform.lock.hcl"), locked);
}

#[test]
fn registry_install_refuses_a_tampered_zip() {
    let f = Fixture::new();
    let zip = f
        .release
        .join(format!("{NAME}_{VERSION}_{}.zip", host_platform()));
    let mut bytes = std::fs::read(&zip).unwrap();
    let mid = bytes.len() / 2;
    bytes[mid] ^= 0xff;
    std::fs::write(&zip, bytes).unwrap();
    let registry = f.registry();
    let mut ws = Workspace::new();
    registry.configure(&mut ws);
    ws.write("main.tf", &f.config(""));
    let out = ws.terraform_fails(&["init", "-input=false", "-no-color"]);
    let text = unwrap_output(&out);
    assert!(
        text.contains("Failed to install provider") && text.contains("checksum"),
        "{text}"
    );
    assert!(!ws
        .path()
        .join(".terraform/providers")
        .join("registry.terraform.io/aliyun-rs/aliyun")
        .join(VERSION)
        .exists());
}

#[test]
fn registry_install_refuses_a_signature_by_another_key() {
    let f = Fixture::new();
    let other = f.gpg.gen_key("Someone Else <other@test.invalid>");
    let sums = f.release.join(format!("{NAME}_{VERSION}_SHA256SUMS"));
    let sig = f.release.join(format!("{NAME}_{VERSION}_SHA256SUMS.sig"));
    f.gpg.run(&[
        "--yes",
        "--detach-sign",
        "--local-user",
        &other,
        "--output",
        sig.to_str().unwrap(),
        sums.to_str().unwrap(),
    ]);
    // The registry still advertises the release key: the signature is not by it.
    let registry = f.registry();
    let mut ws = Workspace::new();
    registry.configure(&mut ws);
    ws.write("main.tf", &f.config(""));
    let out = ws.terraform_fails(&["init", "-input=false", "-no-color"]);
    let text = unwrap_output(&out);
    assert!(
        text.contains("Failed to install provider") && text.contains("signature"),
        "{text}"
    );
}

#[test]
fn filesystem_mirror_installs_offline_and_applies() {
    let f = Fixture::new();
    let mirror = f.dir.path().join("mirror");
    let lock = {
        // A connected machine builds the mirror from the registry...
        let registry = f.registry();
        let mut ws = Workspace::new();
        registry.configure(&mut ws);
        ws.write("main.tf", &f.config(""));
        let mut args = vec!["providers", "mirror", "-no-color"];
        let flags: Vec<String> = platforms()
            .iter()
            .map(|p| format!("-platform={p}"))
            .collect();
        args.extend(flags.iter().map(String::as_str));
        args.push(mirror.to_str().unwrap());
        ws.terraform(&args);
        ws.terraform(&["init", "-input=false", "-no-color"]);
        ws.read(".terraform.lock.hcl")
    }; // ...and the registry is gone from here on.
    for p in platforms() {
        let z = mirror.join(format!(
            "registry.terraform.io/aliyun-rs/aliyun/{NAME}_{VERSION}_{p}.zip"
        ));
        assert!(z.is_file(), "{} missing from the mirror", z.display());
    }

    let acc = Acc::new();
    acc.ws.write(".terraformrc", &mirror_cli_config(&mirror));
    acc.ws.write("main.tf", &f.config(&acc.provider_block()));
    acc.ws.write(".terraform.lock.hcl", &lock);
    let out = acc.ws.terraform(&["init", "-input=false", "-no-color"]);
    let text = unwrap_output(&out);
    assert!(
        text.contains(&format!(
            "Installed aliyun-rs/aliyun v{VERSION} (unauthenticated)"
        )),
        "{text}"
    );
    // The mirror's package matched the hashes locked when installing from the registry.
    assert_eq!(acc.ws.read(".terraform.lock.hcl"), lock);
    acc.run(
        Step::new(f.config(&acc.provider_block()))
            .verbatim()
            .plans("aliyun_eci_image_cache.c", &["create"])
            .calls("CreateImageCache", 1),
    );
    acc.destroy();
}

#[test]
fn filesystem_mirror_refuses_a_zip_that_does_not_match_the_lock_file() {
    let f = Fixture::new();
    let mirror = f.dir.path().join("mirror");
    let lock = {
        let registry = f.registry();
        let mut ws = Workspace::new();
        registry.configure(&mut ws);
        ws.write("main.tf", &f.config(""));
        ws.terraform(&["providers", "mirror", "-no-color", mirror.to_str().unwrap()]);
        ws.terraform(&["init", "-input=false", "-no-color"]);
        ws.read(".terraform.lock.hcl")
    };
    // A mirror built straight from a release folder is the same packed layout: put a
    // zip from another build (here: the same binary re-zipped with another name
    // inside) in place of the one that was locked.
    let zip = mirror.join(format!(
        "registry.terraform.io/aliyun-rs/aliyun/{NAME}_{VERSION}_{}.zip",
        host_platform()
    ));
    let other = f.dir.path().join("other.zip");
    run(Command::new("python3").args([
        "-c",
        "import sys, zipfile; z = zipfile.ZipFile(sys.argv[2], 'w'); z.write(sys.argv[1], 'terraform-provider-aliyun_v0.1.0_other'); z.close()",
        provider_binary().to_str().unwrap(),
        other.to_str().unwrap(),
    ]));
    std::fs::copy(&other, &zip).unwrap();

    let ws = Workspace::new();
    ws.write(".terraformrc", &mirror_cli_config(&mirror));
    ws.write("main.tf", &f.config(""));
    ws.write(".terraform.lock.hcl", &lock);
    let out = ws.terraform_fails(&["init", "-input=false", "-no-color"]);
    let text = unwrap_output(&out);
    assert!(
        text.contains(
            "doesn't match any of the checksums previously recorded in the dependency lock file"
        ),
        "{text}"
    );
}

// ---------------------------------------------------------------------------
// Fixture: a throwaway signing key and a release folder made by release.sh.

struct Fixture {
    dir: tempfile::TempDir,
    gpg: Gpg,
    release_key: String,
    release: PathBuf,
}

impl Fixture {
    fn new() -> Fixture {
        let dir = tempfile::Builder::new()
            .prefix("tf-aliyun-install-")
            .tempdir()
            .unwrap();
        let gpg = Gpg::new(&dir.path().join("gnupg"));
        let release_key =
            gpg.gen_key("terraform-provider-aliyun test release <release@test.invalid>");
        let release = dir.path().join("release");
        let f = Fixture {
            dir,
            gpg,
            release_key,
            release,
        };
        f.release_script(&f.release, &[]);
        f
    }

    /// The release command for `version` into `out`, signing with the release key.
    fn release_command(&self, out: &Path, env: &[(&str, &str)], version: &str) -> Command {
        let root = Path::new(env!("CARGO_MANIFEST_DIR"));
        let mut cmd = Command::new("bash");
        cmd.arg(root.join("scripts/release.sh"))
            .arg(version)
            .arg("--out")
            .arg(out)
            .arg("--platforms")
            .arg(platforms().join(" "))
            .arg("--binary")
            .arg(format!(
                "{}={}",
                host_platform(),
                provider_binary().display()
            ));
        for p in OTHER_PLATFORMS {
            let placeholder = self.dir.path().join(format!("placeholder-{p}"));
            std::fs::write(
                &placeholder,
                format!("a placeholder for {p}, a platform this test does not build\n"),
            )
            .unwrap();
            cmd.arg("--binary")
                .arg(format!("{p}={}", placeholder.display()));
        }
        cmd.current_dir(root)
            .env("GNUPGHOME", &self.gpg.home)
            .env("GPG_FINGERPRINT", &self.release_key)
            .env("SOURCE_DATE_EPOCH", "1767225600")
            .envs(env.iter().copied());
        if env.iter().any(|(k, _)| *k == "GPG_PRIVATE_KEY") {
            cmd.env_remove("GPG_FINGERPRINT");
        }
        cmd
    }

    /// Runs release.sh into `out` (panics with its output on failure).
    fn release_script(&self, out: &Path, env: &[(&str, &str)]) {
        run(&mut self.release_command(out, env, VERSION));
    }

    fn read(&self, name: &str) -> String {
        std::fs::read_to_string(self.release.join(name)).unwrap()
    }

    /// SHA256SUMS as file name → hex digest.
    fn shasums(&self) -> std::collections::BTreeMap<String, String> {
        self.read(&format!("{NAME}_{VERSION}_SHA256SUMS"))
            .lines()
            .map(|l| {
                let (sum, file) = l.split_once("  ").expect("sha256sum format");
                (file.to_string(), sum.to_string())
            })
            .collect()
    }

    /// A registry serving the release folder, advertising the release key.
    fn registry(&self) -> Registry {
        Registry::start(
            &self.release,
            &self.gpg.export_public(&self.release_key),
            self.key_id(),
        )
    }

    /// The long key ID Terraform prints (the fingerprint's last 16 digits).
    fn key_id(&self) -> &str {
        &self.release_key[self.release_key.len() - 16..]
    }

    /// `main.tf`: the `terraform` block of examples/provider/provider.tf as users
    /// copy it (source and version constraint), then `provider`, then a resource.
    fn config(&self, provider: &str) -> String {
        let example = std::fs::read_to_string(
            Path::new(env!("CARGO_MANIFEST_DIR")).join("examples/provider/provider.tf"),
        )
        .unwrap();
        let end = example.find("\n}\n").expect("a terraform block") + 3;
        let terraform = &example[..end];
        assert!(
            terraform.contains("source  = \"aliyun-rs/aliyun\""),
            "{terraform}"
        );
        assert!(terraform.contains("version = \"~> 0.1\""), "{terraform}");
        let provider = if provider.is_empty() {
            "provider \"aliyun\" {\n  region = \"cn-hangzhou\"\n}\n"
        } else {
            provider
        };
        format!("{terraform}\n{provider}\n{RESOURCE}")
    }
}

/// gpg with its own home directory; its agent is stopped on drop.
struct Gpg {
    home: PathBuf,
}

impl Gpg {
    fn new(home: &Path) -> Gpg {
        std::fs::create_dir_all(home).unwrap();
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt;
            std::fs::set_permissions(home, std::fs::Permissions::from_mode(0o700)).unwrap();
        }
        Gpg {
            home: home.to_path_buf(),
        }
    }

    fn command(&self) -> Command {
        let mut cmd = Command::new("gpg");
        cmd.env("GNUPGHOME", &self.home)
            .args(["--batch", "--quiet", "--no-tty"]);
        cmd
    }

    fn run(&self, args: &[&str]) -> String {
        run(self.command().args(args))
    }

    /// A new passphrase-less RSA signing key; returns its fingerprint.
    fn gen_key(&self, uid: &str) -> String {
        self.run(&[
            "--passphrase",
            "",
            "--quick-gen-key",
            uid,
            "rsa2048",
            "sign",
            "never",
        ]);
        let listing = self.run(&["--with-colons", "--list-secret-keys", uid]);
        listing
            .lines()
            .find_map(|l| {
                l.strip_prefix("fpr:")
                    .map(|r| r.trim_matches(':').to_string())
            })
            .expect("a fingerprint")
    }

    fn export_public(&self, fpr: &str) -> String {
        self.run(&["--armor", "--export", fpr])
    }

    fn export_secret(&self, fpr: &str) -> String {
        self.run(&[
            "--armor",
            "--pinentry-mode",
            "loopback",
            "--passphrase",
            "",
            "--export-secret-keys",
            fpr,
        ])
    }
}

impl Drop for Gpg {
    fn drop(&mut self) {
        let _ = Command::new("gpgconf")
            .env("GNUPGHOME", &self.home)
            .args(["--kill", "gpg-agent"])
            .output();
    }
}

/// Runs `cmd`, panics with its output unless it succeeds, returns stdout.
fn run(cmd: &mut Command) -> String {
    let out: Output = cmd
        .output()
        .unwrap_or_else(|e| panic!("cannot run {cmd:?}: {e}"));
    assert!(
        out.status.success(),
        "{cmd:?} failed: {}\n--- stdout ---\n{}\n--- stderr ---\n{}",
        out.status,
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8_lossy(&out.stdout).into_owned()
}

fn sha256_hex(path: &Path) -> String {
    use sha2::Digest;
    let digest = sha2::Sha256::digest(std::fs::read(path).unwrap());
    digest.iter().map(|b| format!("{b:02x}")).collect()
}

/// Terraform's name for this host's platform.
fn host_platform() -> &'static str {
    match (std::env::consts::OS, std::env::consts::ARCH) {
        ("linux", "x86_64") => "linux_amd64",
        ("linux", "aarch64") => "linux_arm64",
        ("macos", "x86_64") => "darwin_amd64",
        ("macos", "aarch64") => "darwin_arm64",
        ("windows", "x86_64") => "windows_amd64",
        other => panic!("no release platform for {other:?}"),
    }
}

/// Every platform of the test release: this host's first.
fn platforms() -> Vec<&'static str> {
    let host = host_platform();
    std::iter::once(host)
        .chain(OTHER_PLATFORMS.into_iter().filter(|p| *p != host))
        .chain((host != "linux_amd64").then_some("linux_amd64"))
        .collect()
}

/// The `h1:` and `zh:` hashes of a lock file.
fn lock_hashes(lock: &str) -> (BTreeSet<String>, BTreeSet<String>) {
    let all: Vec<String> = lock
        .split('"')
        .filter(|s| s.starts_with("h1:") || s.starts_with("zh:"))
        .map(str::to_string)
        .collect();
    let h1 = all
        .iter()
        .filter(|h| h.starts_with("h1:"))
        .cloned()
        .collect();
    let zh = all
        .iter()
        .filter(|h| h.starts_with("zh:"))
        .cloned()
        .collect();
    (h1, zh)
}

/// A CLI configuration installing only from the filesystem mirror at `dir`.
fn mirror_cli_config(dir: &Path) -> String {
    format!(
        "provider_installation {{\n  filesystem_mirror {{\n    path    = {}\n    include = [\"registry.terraform.io/aliyun-rs/*\"]\n  }}\n}}\n",
        serde_json::Value::String(dir.display().to_string())
    )
}

// ---------------------------------------------------------------------------
// A provider registry over HTTPS.

/// A local registry serving one release folder: `/.well-known/terraform.json`,
/// `/v1/providers/aliyun-rs/aliyun/versions`,
/// `/v1/providers/aliyun-rs/aliyun/VERSION/download/OS/ARCH`, and `/files/NAME`.
struct Registry {
    addr: SocketAddr,
    ca_file: PathBuf,
    served: Arc<Mutex<Vec<String>>>,
    _dir: tempfile::TempDir,
    _rt: tokio::runtime::Runtime,
}

struct Served {
    folder: PathBuf,
    public_key: String,
    key_id: String,
    base: String,
}

impl Registry {
    fn start(folder: &Path, public_key: &str, key_id: &str) -> Registry {
        let dir = tempfile::Builder::new()
            .prefix("tf-aliyun-ca-")
            .tempdir()
            .unwrap();
        // A throwaway CA and a certificate for 127.0.0.1 signed by it.
        let ca_key = rcgen::KeyPair::generate().unwrap();
        let mut ca_params = rcgen::CertificateParams::new(Vec::<String>::new()).unwrap();
        ca_params.is_ca = rcgen::IsCa::Ca(rcgen::BasicConstraints::Unconstrained);
        ca_params.distinguished_name.push(
            rcgen::DnType::CommonName,
            "terraform-provider-aliyun test CA",
        );
        ca_params.key_usages = vec![
            rcgen::KeyUsagePurpose::KeyCertSign,
            rcgen::KeyUsagePurpose::DigitalSignature,
        ];
        let ca = rcgen::CertifiedIssuer::self_signed(ca_params, ca_key).unwrap();
        let key = rcgen::KeyPair::generate().unwrap();
        let params =
            rcgen::CertificateParams::new(vec!["127.0.0.1".to_string(), "localhost".to_string()])
                .unwrap();
        let cert = params.signed_by(&key, &ca).unwrap();
        let ca_file = dir.path().join("ca.pem");
        std::fs::write(&ca_file, ca.pem()).unwrap();

        let provider = Arc::new(rustls::crypto::aws_lc_rs::default_provider());
        let tls = rustls::ServerConfig::builder_with_provider(provider)
            .with_safe_default_protocol_versions()
            .unwrap()
            .with_no_client_auth()
            .with_single_cert(
                vec![cert.der().clone()],
                rustls::pki_types::PrivateKeyDer::Pkcs8(key.serialize_der().into()),
            )
            .unwrap();
        let acceptor = tokio_rustls::TlsAcceptor::from(Arc::new(tls));

        let rt = tokio::runtime::Builder::new_multi_thread()
            .worker_threads(1)
            .enable_all()
            .build()
            .unwrap();
        let listener = rt
            .block_on(tokio::net::TcpListener::bind("127.0.0.1:0"))
            .unwrap();
        let addr = listener.local_addr().unwrap();
        let served = Arc::new(Mutex::new(Vec::new()));
        let state = Arc::new(Served {
            folder: folder.to_path_buf(),
            public_key: public_key.to_string(),
            key_id: key_id.to_string(),
            base: format!("https://127.0.0.1:{}", addr.port()),
        });
        let log = served.clone();
        rt.spawn(async move {
            loop {
                let Ok((tcp, _)) = listener.accept().await else {
                    continue;
                };
                let acceptor = acceptor.clone();
                let state = state.clone();
                let log = log.clone();
                tokio::spawn(async move {
                    let Ok(mut tls) = acceptor.accept(tcp).await else {
                        return;
                    };
                    let mut buf = Vec::new();
                    let mut chunk = [0u8; 4096];
                    while !buf.windows(4).any(|w| w == b"\r\n\r\n") {
                        match tls.read(&mut chunk).await {
                            Ok(0) | Err(_) => return,
                            Ok(n) => buf.extend_from_slice(&chunk[..n]),
                        }
                    }
                    let head = String::from_utf8_lossy(&buf).into_owned();
                    let path = head.split(' ').nth(1).unwrap_or("/").to_string();
                    log.lock().unwrap().push(path.clone());
                    let (status, ctype, body) = respond(&state, &path);
                    let header = format!(
                        "HTTP/1.1 {status}\r\nContent-Type: {ctype}\r\nContent-Length: {}\r\nConnection: close\r\n\r\n",
                        body.len()
                    );
                    let _ = tls.write_all(header.as_bytes()).await;
                    let _ = tls.write_all(&body).await;
                    let _ = tls.shutdown().await;
                });
            }
        });
        Registry {
            addr,
            ca_file,
            served,
            _dir: dir,
            _rt: rt,
        }
    }

    /// Points `ws`'s Terraform at this registry for `registry.terraform.io` and
    /// trusts the test CA (only in `ws`'s commands).
    fn configure(&self, ws: &mut Workspace) {
        ws.write(
            ".terraformrc",
            &format!(
                "host \"registry.terraform.io\" {{\n  services = {{\n    \"providers.v1\" = \"https://127.0.0.1:{}/v1/providers/\"\n  }}\n}}\n",
                self.addr.port()
            ),
        );
        ws.env("SSL_CERT_FILE", self.ca_file.to_str().unwrap());
    }

    /// Whether `path` was requested.
    fn served(&self, path: &str) -> bool {
        self.served.lock().unwrap().iter().any(|p| p == path)
    }
}

/// One response of the registry protocol.
fn respond(s: &Served, path: &str) -> (&'static str, &'static str, Vec<u8>) {
    let json = |v: serde_json::Value| ("200 OK", "application/json", v.to_string().into_bytes());
    let not_found = ("404 Not Found", "text/plain", b"not found".to_vec());
    let prefix = "/v1/providers/aliyun-rs/aliyun/";
    let platforms: Vec<(String, String)> = std::fs::read_dir(&s.folder)
        .unwrap()
        .filter_map(|e| {
            let n = e.ok()?.file_name().into_string().ok()?;
            let p = n
                .strip_prefix(&format!("{NAME}_{VERSION}_"))?
                .strip_suffix(".zip")?;
            let (os, arch) = p.split_once('_')?;
            Some((os.to_string(), arch.to_string()))
        })
        .collect();
    if path == "/.well-known/terraform.json" {
        return json(serde_json::json!({"providers.v1": "/v1/providers/"}));
    }
    if let Some(file) = path.strip_prefix("/files/") {
        return match std::fs::read(s.folder.join(file)) {
            Ok(b) if !file.contains('/') => ("200 OK", "application/octet-stream", b),
            _ => not_found,
        };
    }
    let Some(rest) = path.strip_prefix(prefix) else {
        return not_found;
    };
    if rest == "versions" {
        let platforms: Vec<_> = platforms
            .iter()
            .map(|(os, arch)| serde_json::json!({"os": os, "arch": arch}))
            .collect();
        return json(serde_json::json!({
            "versions": [{"version": VERSION, "protocols": ["6.0"], "platforms": platforms}]
        }));
    }
    let parts: Vec<&str> = rest.split('/').collect();
    if let [version, "download", os, arch] = parts[..] {
        if version != VERSION || !platforms.contains(&(os.to_string(), arch.to_string())) {
            return not_found;
        }
        let filename = format!("{NAME}_{VERSION}_{os}_{arch}.zip");
        let sums =
            std::fs::read_to_string(s.folder.join(format!("{NAME}_{VERSION}_SHA256SUMS"))).unwrap();
        let shasum = sums
            .lines()
            .find_map(|l| l.strip_suffix(&format!("  {filename}")))
            .unwrap_or_default()
            .to_string();
        return json(serde_json::json!({
            "protocols": ["6.0"],
            "os": os,
            "arch": arch,
            "filename": filename,
            "download_url": format!("{}/files/{filename}", s.base),
            "shasums_url": format!("{}/files/{NAME}_{VERSION}_SHA256SUMS", s.base),
            "shasums_signature_url": format!("{}/files/{NAME}_{VERSION}_SHA256SUMS.sig", s.base),
            "shasum": shasum,
            "signing_keys": {"gpg_public_keys": [{
                "key_id": s.key_id,
                "ascii_armor": s.public_key,
                "trust_signature": "",
                "source": "aliyun-rs",
                "source_url": null
            }]}
        }));
    }
    not_found
}
