//! HTTPS of our own: the rustls server configuration from `DAICHO_TLS_CERT` / `DAICHO_TLS_KEY`,
//! and the HSTS header every answer carries once people reach daicho over HTTPS.

use crate::config::TlsFiles;
use rustls::ServerConfig;
use rustls::pki_types::pem::PemObject;
use rustls::pki_types::{CertificateDer, PrivateKeyDer};
use std::sync::Arc;

/// `Strict-Transport-Security`: a year, the value browsers' preload rules and most checklists
/// ask for. No `includeSubDomains`: other hosts of the ward's domain may still be plain HTTP,
/// and this service cannot know them.
pub const HSTS: (&str, &str) = ("Strict-Transport-Security", "max-age=31536000");

/// Reads the certificate chain and key, and checks that they belong together, so that a wrong
/// file stops the start with its name instead of failing every handshake later.
/// TLS 1.2 and 1.3 with rustls' safe defaults (ring, the provider that builds with a C compiler only).
pub fn server_config(files: &TlsFiles) -> Result<ServerConfig, String> {
    let cert_name = files.cert.display();
    let key_name = files.key.display();
    let chain = CertificateDer::pem_file_iter(&files.cert)
        .and_then(|certs| certs.collect::<Result<Vec<_>, _>>())
        .map_err(|e| format!("DAICHO_TLS_CERT {cert_name}: cannot read a PEM certificate: {e}"))?;
    if chain.is_empty() {
        return Err(format!(
            "DAICHO_TLS_CERT {cert_name}: no certificate (-----BEGIN CERTIFICATE-----) in it"
        ));
    }
    let key = PrivateKeyDer::from_pem_file(&files.key)
        .map_err(|e| format!("DAICHO_TLS_KEY {key_name}: cannot read a PEM private key: {e}"))?;
    ServerConfig::builder_with_provider(Arc::new(rustls::crypto::ring::default_provider()))
        .with_safe_default_protocol_versions()
        .map_err(|e| format!("cannot set up TLS: {e}"))?
        .with_no_client_auth()
        .with_single_cert(chain, key)
        .map_err(|e| {
            format!(
                "DAICHO_TLS_CERT {cert_name} and DAICHO_TLS_KEY {key_name} do not go together: {e}"
            )
        })
}
