//! The go-plugin handshake: the one line a plugin prints on stdout so that
//! Terraform knows where to connect, and the reattach value of debug mode.

use std::net::SocketAddr;

use base64::Engine as _;

use crate::server::env::PROTOCOL_VERSION;

/// The address Terraform knows this provider by (what `required_providers` resolves to).
pub const PROVIDER_ADDRESS: &str = "registry.terraform.io/aliyun-rs/aliyun";

/// go-plugin's own protocol version (the first field of the line).
const CORE_PROTOCOL_VERSION: u32 = 1;

/// `1|6|tcp|127.0.0.1:PORT|grpc|CERT`: core protocol, app protocol, network, address,
/// RPC flavour, and the server certificate (base64 standard alphabet without padding,
/// of its DER), which Terraform pins for TLS. No certificate part when plaintext.
pub fn handshake_line(addr: SocketAddr, cert_der: Option<&[u8]>) -> String {
    let mut line = format!("{CORE_PROTOCOL_VERSION}|{PROTOCOL_VERSION}|tcp|{addr}|grpc");
    if let Some(der) = cert_der {
        line.push('|');
        line.push_str(&base64::engine::general_purpose::STANDARD_NO_PAD.encode(der));
    }
    line
}

/// The `TF_REATTACH_PROVIDERS` value that points Terraform at a provider running in
/// debug mode (plaintext). `Test: true` is what protocol 6 reattachment requires.
pub fn reattach_value(addr: SocketAddr, pid: u32) -> String {
    serde_json::json!({
        PROVIDER_ADDRESS: {
            "Protocol": "grpc",
            "ProtocolVersion": PROTOCOL_VERSION,
            "Pid": pid,
            "Test": true,
            "Addr": { "Network": "tcp", "String": addr.to_string() },
        }
    })
    .to_string()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn line_with_certificate_has_unpadded_base64() {
        let addr: SocketAddr = "127.0.0.1:1234".parse().unwrap();
        // 4 bytes would need padding ("AQIDBA==") in the padded alphabet.
        assert_eq!(
            handshake_line(addr, Some(&[1, 2, 3, 4])),
            "1|6|tcp|127.0.0.1:1234|grpc|AQIDBA"
        );
        assert_eq!(
            handshake_line(addr, Some(&[0xfb, 0xff])),
            "1|6|tcp|127.0.0.1:1234|grpc|+/8"
        );
    }

    #[test]
    fn plaintext_line_has_no_certificate() {
        let addr: SocketAddr = "127.0.0.1:40000".parse().unwrap();
        assert_eq!(handshake_line(addr, None), "1|6|tcp|127.0.0.1:40000|grpc");
    }

    #[test]
    fn reattach_value_is_what_terraform_parses() {
        let addr: SocketAddr = "127.0.0.1:5555".parse().unwrap();
        let v: serde_json::Value = serde_json::from_str(&reattach_value(addr, 42)).unwrap();
        let p = &v[PROVIDER_ADDRESS];
        assert_eq!(p["Protocol"], "grpc");
        assert_eq!(p["ProtocolVersion"], 6);
        assert_eq!(p["Pid"], 42);
        assert_eq!(p["Test"], true);
        assert_eq!(p["Addr"]["Network"], "tcp");
        assert_eq!(p["Addr"]["String"], "127.0.0.1:5555");
    }
}
