//! The plugin protocol as Terraform experiences it: start-up, the handshake line,
//! mutual TLS, schema conversion through the real `terraform`, and debug mode.

use std::io::{BufRead, BufReader};
use std::net::SocketAddr;
use std::process::{Child, Stdio};
use std::sync::Arc;
use std::time::Duration;

use base64::Engine as _;
use rustls::client::danger::{HandshakeSignatureValid, ServerCertVerified, ServerCertVerifier};
use rustls::pki_types::{CertificateDer, PrivateKeyDer, PrivatePkcs8KeyDer, ServerName, UnixTime};
use rustls::{DigitallySignedStruct, SignatureScheme};
use tokio::io::{AsyncReadExt, AsyncWriteExt};

use crate::util::{provider_command, Workspace, REQUIRED_PROVIDERS};

const COOKIE: (&str, &str) = (
    "TF_PLUGIN_MAGIC_COOKIE",
    "d602bf8f470bc67ca7faa0386276bbdd4330efaf76d1a219cb4d6991ca9872b2",
);

/// A configuration that validates without credentials (validation never calls the API).
const CONFIG: &str = r#"
provider "aliyun" {
  region = "cn-hangzhou"
}

resource "aliyun_eci_image_cache" "c" {
  image_cache_name  = "hello"
  images            = ["nginx:1.25"]
  security_group_id = "sg-proto0001"
  vswitch_id        = "vsw-proto0001"
}
"#;

#[test]
fn without_the_magic_cookie_it_explains_and_exits() {
    let out = provider_command().output().unwrap();
    assert!(!out.status.success());
    assert!(out.stdout.is_empty(), "nothing on stdout");
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(
        stderr.starts_with("This binary is a plugin."),
        "stderr: {stderr}"
    );
}

#[test]
fn without_protocol_6_it_refuses_to_start() {
    let out = provider_command()
        .env(COOKIE.0, COOKIE.1)
        .env("PLUGIN_PROTOCOL_VERSIONS", "5")
        .output()
        .unwrap();
    assert!(!out.status.success());
    assert!(out.stdout.is_empty());
    assert!(String::from_utf8_lossy(&out.stderr).contains("protocol"));
}

#[tokio::test]
async fn handshake_then_only_the_pinned_client_certificate_gets_in() {
    let terraform = Identity::terraform_like();
    let plugin = Plugin::start(&[("PLUGIN_CLIENT_CERT", &terraform.cert.pem())]);

    // 1|6|tcp|127.0.0.1:PORT|grpc|CERT
    let parts: Vec<&str> = plugin.line.split('|').collect();
    assert_eq!(parts.len(), 6, "{}", plugin.line);
    assert_eq!(&parts[..3], ["1", "6", "tcp"]);
    let addr: SocketAddr = parts[3].parse().unwrap();
    assert!(addr.ip().is_loopback());
    assert_eq!(parts[4], "grpc");
    assert!(!parts[5].contains('='), "base64 without padding");
    let server_cert = base64::engine::general_purpose::STANDARD_NO_PAD
        .decode(parts[5])
        .expect("standard base64");

    let h2 = Ok("h2".to_string());
    assert_eq!(connect(addr, &server_cert, Some(&terraform)).await, h2);
    let refused = connect(addr, &server_cert, None).await;
    assert!(refused.is_err(), "no client certificate: {refused:?}");
    let stranger = Identity::terraform_like();
    let refused = connect(addr, &server_cert, Some(&stranger)).await;
    assert!(refused.is_err(), "another certificate: {refused:?}");

    // Ctrl-C in Terraform reaches the whole process group; the plugin must survive it.
    plugin.interrupt();
    tokio::time::sleep(Duration::from_millis(200)).await;
    assert_eq!(connect(addr, &server_cert, Some(&terraform)).await, h2);
}

#[test]
fn plaintext_handshake_when_no_client_certificate_is_given() {
    let plugin = Plugin::start(&[]);
    let parts: Vec<&str> = plugin.line.split('|').collect();
    assert_eq!(parts.len(), 5, "{}", plugin.line);
    assert_eq!(parts[4], "grpc");
}

#[test]
fn terraform_validates_and_reads_the_schema_over_mutual_tls() {
    let ws = Workspace::new();
    ws.write("main.tf", &format!("{REQUIRED_PROVIDERS}{CONFIG}"));
    ws.terraform(&["validate", "-no-color"]);

    let schema = ws.terraform_json(&["providers", "schema", "-json"]);
    let p = &schema["provider_schemas"]["registry.terraform.io/aliyun-rs/aliyun"];
    let region = &p["provider"]["block"]["attributes"]["region"];
    assert_eq!(region["optional"], true, "{p:#}");
    assert_eq!(region["type"], "string");
    let attrs = &p["resource_schemas"]["aliyun_eci_image_cache"]["block"]["attributes"];
    assert_eq!(attrs["image_cache_name"]["required"], true, "{p:#}");
    assert_eq!(attrs["id"]["computed"], true);
    assert_eq!(attrs["image_cache_name"]["description_kind"], "markdown");
    let credential = &p["resource_schemas"]["aliyun_eci_image_cache"]["block"]["block_types"]
        ["image_registry_credential"]["block"]["attributes"];
    assert_eq!(credential["password"]["sensitive"], true);
    assert_eq!(credential["password_wo"]["write_only"], true);
    for ds in [
        "aliyun_eci_image_caches",
        "aliyun_eci_data_caches",
        "aliyun_ecs_image_pipeline_executions",
    ] {
        assert!(
            p["data_source_schemas"][ds].is_object(),
            "{ds} missing: {p:#}"
        );
    }
}

#[test]
fn terraform_sees_provider_logs_and_a_clean_exit() {
    let mut ws = Workspace::new();
    ws.env("TF_LOG", "debug");
    ws.write("main.tf", &format!("{REQUIRED_PROVIDERS}{CONFIG}"));
    let out = ws.terraform(&["validate", "-no-color"]);
    let log = String::from_utf8_lossy(&out.stderr);
    let mentions = |s: &str| log.lines().any(|l| l.contains(s));
    assert!(
        mentions("[DEBUG] provider.terraform-provider-aliyun: ValidateResourceConfig(aliyun_eci_image_cache) answered in"),
        "{log}"
    );
    assert!(mentions("tf_rpc=ValidateResourceConfig"), "{log}");
    // Every process ended through Shutdown with status 0.
    assert!(mentions("plugin exited"), "{log}");
    assert!(!log.contains("exit status"), "{log}");
}

#[test]
fn version_flag_prints_the_crate_version() {
    let out = provider_command().arg("--version").output().unwrap();
    assert!(out.status.success(), "{out:?}");
    assert_eq!(
        String::from_utf8_lossy(&out.stdout),
        format!("terraform-provider-aliyun {}\n", env!("CARGO_PKG_VERSION"))
    );
}

#[test]
fn the_provider_logs_its_version_at_start() {
    let mut ws = Workspace::new();
    ws.env("TF_LOG", "info");
    ws.write("main.tf", &format!("{REQUIRED_PROVIDERS}{CONFIG}"));
    let out = ws.terraform(&["validate", "-no-color"]);
    let log = String::from_utf8_lossy(&out.stderr);
    let want = format!(
        "[INFO]  provider.terraform-provider-aliyun: terraform-provider-aliyun {} starting",
        env!("CARGO_PKG_VERSION")
    );
    assert!(
        log.lines().any(|l| l.contains(&want)),
        "{want} not in {log}"
    );
}

#[test]
fn terraform_works_with_plugin_tls_disabled() {
    let mut ws = Workspace::new();
    ws.env("TF_DISABLE_PLUGIN_TLS", "1");
    ws.write("main.tf", &format!("{REQUIRED_PROVIDERS}{CONFIG}"));
    ws.terraform(&["validate", "-no-color"]);
}

#[test]
fn debug_mode_prints_a_reattach_value_terraform_can_use() {
    let mut child = provider_command()
        .arg("--debug")
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    let stdout = child.stdout.take().unwrap();
    let value = read_line_within(stdout, Duration::from_secs(30), |l| {
        let rest = l.trim().strip_prefix("TF_REATTACH_PROVIDERS='")?;
        Some(rest.strip_suffix('\'')?.to_string())
    });
    let guard = KillOnDrop(child);
    let value = value.expect("a TF_REATTACH_PROVIDERS line");
    let v: serde_json::Value = serde_json::from_str(&value).expect("JSON");
    let p = &v["registry.terraform.io/aliyun-rs/aliyun"];
    assert_eq!(p["Protocol"], "grpc");
    assert_eq!(p["ProtocolVersion"], 6);
    assert_eq!(p["Test"], true);
    assert_eq!(p["Pid"], guard.0.id());
    assert_eq!(p["Addr"]["Network"], "tcp");

    // Terraform reattaches over plaintext, twice: the process outlives a command.
    let mut ws = Workspace::new();
    ws.env("TF_REATTACH_PROVIDERS", &value);
    // Planning a create calls no API, but configuring needs credentials.
    let config = CONFIG.replace(
        r#"region = "cn-hangzhou""#,
        r#"region = "cn-hangzhou"
  access_key = "AK"
  secret_key = "SK""#,
    );
    ws.write("main.tf", &format!("{REQUIRED_PROVIDERS}{config}"));
    ws.terraform(&["validate", "-no-color"]);
    ws.terraform(&["plan", "-no-color"]);
}

// ---- helpers ----

/// A provider process started as Terraform would, and its handshake line.
struct Plugin {
    child: KillOnDrop,
    line: String,
}

impl Plugin {
    fn start(env: &[(&str, &str)]) -> Plugin {
        let mut child = provider_command()
            .env(COOKIE.0, COOKIE.1)
            .env("PLUGIN_PROTOCOL_VERSIONS", "5,6")
            .env("PLUGIN_MIN_PORT", "10000")
            .env("PLUGIN_MAX_PORT", "25000")
            .envs(env.iter().copied())
            .stdout(Stdio::piped())
            .stderr(Stdio::null())
            .spawn()
            .unwrap();
        let stdout = child.stdout.take().unwrap();
        let child = KillOnDrop(child);
        // The first line is the handshake: nothing may come before it.
        let mut first = true;
        let line = read_line_within(stdout, Duration::from_secs(30), move |l| {
            let was_first = std::mem::replace(&mut first, false);
            Some(if was_first {
                l.to_string()
            } else {
                format!("not first: {l}")
            })
        })
        .expect("a handshake line on stdout");
        Plugin { child, line }
    }

    /// Sends SIGINT, as a Ctrl-C in the terminal running Terraform would.
    fn interrupt(&self) {
        let status = std::process::Command::new("kill")
            .args(["-s", "INT", &self.child.0.id().to_string()])
            .status()
            .unwrap();
        assert!(status.success());
    }
}

struct KillOnDrop(Child);

impl Drop for KillOnDrop {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

/// Reads lines until `pick` returns something or `limit` passes.
fn read_line_within(
    stdout: std::process::ChildStdout,
    limit: Duration,
    mut pick: impl FnMut(&str) -> Option<String> + Send + 'static,
) -> Option<String> {
    let (tx, rx) = std::sync::mpsc::channel();
    std::thread::spawn(move || {
        for line in BufReader::new(stdout).lines() {
            let Ok(line) = line else { break };
            if let Some(v) = pick(&line) {
                let _ = tx.send(v);
                break;
            }
        }
    });
    rx.recv_timeout(limit).ok()
}

/// A stand-in for Terraform's client identity: ECDSA P-521, self-signed, CA:TRUE.
struct Identity {
    cert: rcgen::Certificate,
    key: rcgen::KeyPair,
}

impl Identity {
    fn terraform_like() -> Identity {
        let key = rcgen::KeyPair::generate_for(&rcgen::PKCS_ECDSA_P521_SHA512).unwrap();
        let mut params = rcgen::CertificateParams::new(vec!["localhost".to_string()]).unwrap();
        params.is_ca = rcgen::IsCa::Ca(rcgen::BasicConstraints::Unconstrained);
        params.key_usages = vec![
            rcgen::KeyUsagePurpose::DigitalSignature,
            rcgen::KeyUsagePurpose::KeyCertSign,
        ];
        params.extended_key_usages = vec![
            rcgen::ExtendedKeyUsagePurpose::ClientAuth,
            rcgen::ExtendedKeyUsagePurpose::ServerAuth,
        ];
        Identity {
            cert: params.self_signed(&key).unwrap(),
            key,
        }
    }
}

fn provider() -> Arc<rustls::crypto::CryptoProvider> {
    Arc::new(rustls::crypto::aws_lc_rs::default_provider())
}

/// Connects with TLS as go-plugin does (server certificate pinned from the handshake
/// line, ALPN h2), starts HTTP/2 and waits for the server's SETTINGS frame, which
/// only comes once the server has accepted the client certificate. Returns the
/// negotiated ALPN protocol.
async fn connect(
    addr: SocketAddr,
    server_cert: &[u8],
    client: Option<&Identity>,
) -> Result<String, String> {
    let builder = rustls::ClientConfig::builder_with_provider(provider())
        .with_safe_default_protocol_versions()
        .unwrap()
        .dangerous()
        .with_custom_certificate_verifier(Arc::new(PinnedServer(CertificateDer::from(
            server_cert.to_vec(),
        ))));
    let mut config = match client {
        Some(id) => builder
            .with_client_auth_cert(
                vec![id.cert.der().clone()],
                PrivateKeyDer::Pkcs8(PrivatePkcs8KeyDer::from(id.key.serialize_der())),
            )
            .unwrap(),
        None => builder.with_no_client_auth(),
    };
    config.alpn_protocols = vec![b"h2".to_vec()];
    let tcp = tokio::net::TcpStream::connect(addr)
        .await
        .map_err(|e| e.to_string())?;
    let connector = tokio_rustls::TlsConnector::from(Arc::new(config));
    let name = ServerName::try_from("localhost").unwrap();
    let session = async {
        let mut tls = connector
            .connect(name, tcp)
            .await
            .map_err(|e| e.to_string())?;
        let alpn = tls
            .get_ref()
            .1
            .alpn_protocol()
            .map(|p| String::from_utf8_lossy(p).into_owned())
            .unwrap_or_default();
        // HTTP/2 connection preface, then an empty SETTINGS frame.
        tls.write_all(b"PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n\0\0\0\x04\0\0\0\0\0")
            .await
            .map_err(|e| e.to_string())?;
        let mut header = [0u8; 9];
        tls.read_exact(&mut header)
            .await
            .map_err(|e| e.to_string())?;
        if header[3] != 0x04 {
            return Err(format!("expected a SETTINGS frame, got type {}", header[3]));
        }
        Ok(alpn)
    };
    tokio::time::timeout(Duration::from_secs(10), session)
        .await
        .map_err(|_| "timed out".to_string())?
}

/// go-plugin's client-side check: the server certificate must be the one from the
/// handshake line.
#[derive(Debug)]
struct PinnedServer(CertificateDer<'static>);

impl ServerCertVerifier for PinnedServer {
    fn verify_server_cert(
        &self,
        end_entity: &CertificateDer<'_>,
        _: &[CertificateDer<'_>],
        _: &ServerName<'_>,
        _: &[u8],
        _: UnixTime,
    ) -> Result<ServerCertVerified, rustls::Error> {
        if end_entity.as_ref() == self.0.as_ref() {
            Ok(ServerCertVerified::assertion())
        } else {
            Err(rustls::Error::General(
                "not the certificate from the handshake".into(),
            ))
        }
    }

    fn verify_tls12_signature(
        &self,
        message: &[u8],
        cert: &CertificateDer<'_>,
        dss: &DigitallySignedStruct,
    ) -> Result<HandshakeSignatureValid, rustls::Error> {
        let algs = provider().signature_verification_algorithms;
        rustls::crypto::verify_tls12_signature(message, cert, dss, &algs)
    }

    fn verify_tls13_signature(
        &self,
        message: &[u8],
        cert: &CertificateDer<'_>,
        dss: &DigitallySignedStruct,
    ) -> Result<HandshakeSignatureValid, rustls::Error> {
        let algs = provider().signature_verification_algorithms;
        rustls::crypto::verify_tls13_signature(message, cert, dss, &algs)
    }

    fn supported_verify_schemes(&self) -> Vec<SignatureScheme> {
        provider()
            .signature_verification_algorithms
            .supported_schemes()
    }
}
