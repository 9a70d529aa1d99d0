//! TLS for go-plugin's AutoMTLS: a fresh server certificate per run and a client
//! verifier that only lets Terraform's own certificate in.
//!
//! Terraform generates a throwaway client certificate for each provider process and
//! passes it in `PLUGIN_CLIENT_CERT`; we answer with a throwaway server certificate
//! in the handshake line. Each side then pins the other's certificate exactly: there
//! is no CA, no chain and no hostname to check.

use std::sync::Arc;

use rustls::client::danger::HandshakeSignatureValid;
use rustls::crypto::{CryptoProvider, WebPkiSupportedAlgorithms};
use rustls::pki_types::pem::PemObject;
use rustls::pki_types::{CertificateDer, PrivateKeyDer, PrivatePkcs8KeyDer, UnixTime};
use rustls::server::danger::{ClientCertVerified, ClientCertVerifier};
use rustls::{DigitallySignedStruct, DistinguishedName, ServerConfig, SignatureScheme};

/// Problems setting TLS up (all fatal at start-up).
#[derive(Debug, thiserror::Error)]
pub enum TlsError {
    /// `PLUGIN_CLIENT_CERT` holds no usable certificate.
    #[error("PLUGIN_CLIENT_CERT does not hold a PEM certificate: {0}")]
    BadClientCert(String),
    /// Generating our certificate failed.
    #[error("cannot generate the server certificate: {0}")]
    CertGen(#[from] rcgen::Error),
    /// rustls refused the configuration.
    #[error("cannot configure TLS: {0}")]
    Rustls(#[from] rustls::Error),
}

/// The server side of AutoMTLS, ready for a `tokio_rustls::TlsAcceptor`.
pub struct ServerTls {
    /// rustls configuration (client auth mandatory, ALPN `h2`).
    pub config: Arc<ServerConfig>,
    /// Our certificate, DER, for the handshake line.
    pub cert_der: CertificateDer<'static>,
}

/// The crypto provider used for everything: aws-lc-rs, because Terraform's client
/// certificate is ECDSA P-521, which the `ring` provider cannot verify.
pub fn crypto_provider() -> Arc<CryptoProvider> {
    Arc::new(rustls::crypto::aws_lc_rs::default_provider())
}

/// Builds the TLS configuration that accepts only the client certificate in
/// `client_cert_pem` (the value of `PLUGIN_CLIENT_CERT`).
pub fn server_tls(client_cert_pem: &str) -> Result<ServerTls, TlsError> {
    let provider = crypto_provider();
    let verifier = PinnedClientCert::from_pem(client_cert_pem, &provider)?;
    let (cert_der, key_der) = self_signed_server_cert()?;
    let mut config = ServerConfig::builder_with_provider(provider)
        .with_safe_default_protocol_versions()?
        .with_client_cert_verifier(Arc::new(verifier))
        .with_single_cert(vec![cert_der.clone()], key_der)?;
    // grpc-go (Terraform >= 1.12, OpenTofu) refuses a TLS connection without h2.
    config.alpn_protocols = vec![b"h2".to_vec()];
    Ok(ServerTls {
        config: Arc::new(config),
        cert_der,
    })
}

/// A new P-256 key and a self-signed certificate for `localhost` (the name
/// go-plugin's client checks), valid for server authentication.
pub fn self_signed_server_cert(
) -> Result<(CertificateDer<'static>, PrivateKeyDer<'static>), TlsError> {
    let key = rcgen::KeyPair::generate_for(&rcgen::PKCS_ECDSA_P256_SHA256)?;
    let mut params = rcgen::CertificateParams::new(vec!["localhost".to_string()])?;
    params
        .distinguished_name
        .push(rcgen::DnType::CommonName, "localhost");
    params
        .distinguished_name
        .push(rcgen::DnType::OrganizationName, "terraform-provider-aliyun");
    params.extended_key_usages = vec![rcgen::ExtendedKeyUsagePurpose::ServerAuth];
    params.key_usages = vec![
        rcgen::KeyUsagePurpose::DigitalSignature,
        rcgen::KeyUsagePurpose::KeyEncipherment,
    ];
    let cert = params.self_signed(&key)?;
    let key_der = PrivateKeyDer::Pkcs8(PrivatePkcs8KeyDer::from(key.serialize_der()));
    Ok((cert.der().clone(), key_der))
}

/// Accepts exactly one client certificate, compared byte for byte.
///
/// Why not rustls' `WebPkiClientVerifier` with Terraform's certificate as the only
/// root: Terraform's certificate is self-signed with `CA:TRUE`, and webpki refuses a
/// CA certificate presented as an end entity (`CaUsedAsEndEntity`), so every
/// connection would fail. Chain building adds nothing here anyway: trust comes from
/// Terraform handing us the exact certificate out of band (the environment), so the
/// right check is equality. What the stock verifier does that we keep is the proof
/// of possession: the handshake signature is checked against the certificate's key
/// with the crypto provider's algorithms (aws-lc-rs, which covers P-521).
///
/// A client certificate is mandatory: without it, any local process could drive
/// the provider with the user's cloud credentials.
#[derive(Debug)]
pub struct PinnedClientCert {
    expected: CertificateDer<'static>,
    algorithms: WebPkiSupportedAlgorithms,
}

impl PinnedClientCert {
    /// Pins the first certificate in `pem`.
    pub fn from_pem(pem: &str, provider: &CryptoProvider) -> Result<Self, TlsError> {
        let expected = CertificateDer::from_pem_slice(pem.as_bytes())
            .map_err(|e| TlsError::BadClientCert(e.to_string()))?;
        Ok(Self::new(expected, provider))
    }

    /// Pins `expected` (DER).
    pub fn new(expected: CertificateDer<'static>, provider: &CryptoProvider) -> Self {
        PinnedClientCert {
            expected,
            algorithms: provider.signature_verification_algorithms,
        }
    }
}

impl ClientCertVerifier for PinnedClientCert {
    fn client_auth_mandatory(&self) -> bool {
        true
    }

    fn root_hint_subjects(&self) -> &[DistinguishedName] {
        // An empty hint list: the client sends the certificate it has.
        &[]
    }

    fn verify_client_cert(
        &self,
        end_entity: &CertificateDer<'_>,
        _intermediates: &[CertificateDer<'_>],
        _now: UnixTime,
    ) -> Result<ClientCertVerified, rustls::Error> {
        if end_entity.as_ref() == self.expected.as_ref() {
            Ok(ClientCertVerified::assertion())
        } else {
            Err(rustls::Error::InvalidCertificate(
                rustls::CertificateError::ApplicationVerificationFailure,
            ))
        }
    }

    fn verify_tls12_signature(
        &self,
        message: &[u8],
        cert: &CertificateDer<'_>,
        dss: &DigitallySignedStruct,
    ) -> Result<HandshakeSignatureValid, rustls::Error> {
        rustls::crypto::verify_tls12_signature(message, cert, dss, &self.algorithms)
    }

    fn verify_tls13_signature(
        &self,
        message: &[u8],
        cert: &CertificateDer<'_>,
        dss: &DigitallySignedStruct,
    ) -> Result<HandshakeSignatureValid, rustls::Error> {
        rustls::crypto::verify_tls13_signature(message, cert, dss, &self.algorithms)
    }

    fn supported_verify_schemes(&self) -> Vec<SignatureScheme> {
        self.algorithms.supported_schemes()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use rustls::client::danger::{ServerCertVerified, ServerCertVerifier};
    use rustls::pki_types::ServerName;

    /// A stand-in for Terraform's client certificate: ECDSA P-521, self-signed, CA:TRUE.
    struct Identity {
        cert: rcgen::Certificate,
        key: rcgen::KeyPair,
    }

    fn terraform_like() -> Identity {
        let key = rcgen::KeyPair::generate_for(&rcgen::PKCS_ECDSA_P521_SHA512).unwrap();
        let mut params = rcgen::CertificateParams::new(vec!["localhost".to_string()]).unwrap();
        params.is_ca = rcgen::IsCa::Ca(rcgen::BasicConstraints::Unconstrained);
        Identity {
            cert: params.self_signed(&key).unwrap(),
            key,
        }
    }

    #[test]
    fn accepts_the_pinned_p521_ca_certificate() {
        let id = terraform_like();
        let v = PinnedClientCert::from_pem(&id.cert.pem(), &crypto_provider()).unwrap();
        assert!(v.client_auth_mandatory());
        assert!(v
            .verify_client_cert(id.cert.der(), &[], UnixTime::now())
            .is_ok());
        assert!(v
            .supported_verify_schemes()
            .contains(&SignatureScheme::ECDSA_NISTP521_SHA512));
    }

    #[test]
    fn rejects_any_other_certificate() {
        let pinned = terraform_like();
        let other = terraform_like();
        let v = PinnedClientCert::from_pem(&pinned.cert.pem(), &crypto_provider()).unwrap();
        assert!(v
            .verify_client_cert(other.cert.der(), &[], UnixTime::now())
            .is_err());
        // Presenting the pinned certificate as an intermediate does not help.
        let chain = std::slice::from_ref(pinned.cert.der());
        assert!(v
            .verify_client_cert(other.cert.der(), chain, UnixTime::now())
            .is_err());
    }

    #[test]
    fn rejects_garbage_pem() {
        assert!(matches!(
            PinnedClientCert::from_pem("not a certificate", &crypto_provider()),
            Err(TlsError::BadClientCert(_))
        ));
    }

    #[test]
    fn server_config_offers_h2() {
        let tls = server_tls(&terraform_like().cert.pem()).unwrap();
        assert_eq!(tls.config.alpn_protocols, vec![b"h2".to_vec()]);
        assert!(!tls.cert_der.is_empty());
    }

    /// Full handshakes over an in-memory pipe: the pinned certificate gets in (with a
    /// real P-521 signature check), another certificate and no certificate do not.
    #[tokio::test]
    async fn handshake_requires_the_pinned_certificate() {
        let pinned = terraform_like();
        let tls = server_tls(&pinned.cert.pem()).unwrap();

        let ok = handshake(&tls, Some(&pinned)).await;
        assert!(ok.is_ok(), "{ok:?}");
        assert!(handshake(&tls, Some(&terraform_like())).await.is_err());
        assert!(handshake(&tls, None).await.is_err());
    }

    async fn handshake(tls: &ServerTls, client: Option<&Identity>) -> Result<(), String> {
        use tokio::io::{AsyncReadExt, AsyncWriteExt};

        let builder = rustls::ClientConfig::builder_with_provider(crypto_provider())
            .with_safe_default_protocol_versions()
            .unwrap()
            .dangerous()
            .with_custom_certificate_verifier(Arc::new(PinnedServer(tls.cert_der.clone())));
        let config = match client {
            Some(id) => builder
                .with_client_auth_cert(
                    vec![id.cert.der().clone()],
                    PrivateKeyDer::Pkcs8(PrivatePkcs8KeyDer::from(id.key.serialize_der())),
                )
                .unwrap(),
            None => builder.with_no_client_auth(),
        };
        let (c, s) = tokio::io::duplex(64 * 1024);
        let acceptor = tokio_rustls::TlsAcceptor::from(tls.config.clone());
        let server = tokio::spawn(async move {
            let mut stream = acceptor.accept(s).await.map_err(|e| e.to_string())?;
            stream.write_all(b"ok").await.map_err(|e| e.to_string())?;
            stream.flush().await.map_err(|e| e.to_string())
        });
        let connector = tokio_rustls::TlsConnector::from(Arc::new(config));
        let name = ServerName::try_from("localhost").unwrap();
        let client_side = async {
            let mut stream = connector
                .connect(name, c)
                .await
                .map_err(|e| e.to_string())?;
            // In TLS 1.3 the client learns of a rejected certificate on its first read.
            let mut buf = [0u8; 2];
            stream
                .read_exact(&mut buf)
                .await
                .map_err(|e| e.to_string())?;
            Ok::<_, String>(())
        };
        let client_result = client_side.await;
        let server_result = server.await.unwrap();
        client_result.and(server_result)
    }

    /// The client half of pinning, as go-plugin does it: accept exactly the server
    /// certificate from the handshake line.
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
                    "unexpected server certificate".into(),
                ))
            }
        }
        fn verify_tls12_signature(
            &self,
            m: &[u8],
            c: &CertificateDer<'_>,
            d: &DigitallySignedStruct,
        ) -> Result<HandshakeSignatureValid, rustls::Error> {
            let algs = crypto_provider().signature_verification_algorithms;
            rustls::crypto::verify_tls12_signature(m, c, d, &algs)
        }
        fn verify_tls13_signature(
            &self,
            m: &[u8],
            c: &CertificateDer<'_>,
            d: &DigitallySignedStruct,
        ) -> Result<HandshakeSignatureValid, rustls::Error> {
            let algs = crypto_provider().signature_verification_algorithms;
            rustls::crypto::verify_tls13_signature(m, c, d, &algs)
        }
        fn supported_verify_schemes(&self) -> Vec<SignatureScheme> {
            crypto_provider()
                .signature_verification_algorithms
                .supported_schemes()
        }
    }
}
