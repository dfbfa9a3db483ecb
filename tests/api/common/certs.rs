//! Certificates for the transport tests: a certificate authority of the test's own, and a
//! server certificate it signs for `127.0.0.1` and `localhost`, written as PEM files.

use rcgen::{
    BasicConstraints, CertificateParams, CertifiedIssuer, DnType, IsCa, KeyPair, KeyUsagePurpose,
};
use rustls::pki_types::pem::PemObject;
use std::path::{Path, PathBuf};

pub struct TestCerts {
    /// The CA certificate a client trusts (PEM).
    pub ca: PathBuf,
    /// The server's certificate (PEM).
    pub cert: PathBuf,
    /// The server's private key (PEM, PKCS#8), mode 0600.
    pub key: PathBuf,
}

impl TestCerts {
    /// A fresh CA and a server certificate signed by it, written into `dir` with `prefix`.
    pub fn issue(dir: &Path, prefix: &str) -> TestCerts {
        let mut ca_params = CertificateParams::new(Vec::<String>::new()).unwrap();
        ca_params.is_ca = IsCa::Ca(BasicConstraints::Unconstrained);
        ca_params
            .distinguished_name
            .push(DnType::CommonName, format!("daicho test CA {prefix}"));
        ca_params.key_usages = vec![KeyUsagePurpose::KeyCertSign, KeyUsagePurpose::CrlSign];
        let ca = CertifiedIssuer::self_signed(ca_params, KeyPair::generate().unwrap()).unwrap();
        let mut server_params =
            CertificateParams::new(vec!["127.0.0.1".to_owned(), "localhost".to_owned()]).unwrap();
        server_params
            .distinguished_name
            .push(DnType::CommonName, "127.0.0.1");
        let server_key = KeyPair::generate().unwrap();
        let server = server_params.signed_by(&server_key, &ca).unwrap();
        let certs = TestCerts {
            ca: dir.join(format!("{prefix}-ca.crt")),
            cert: dir.join(format!("{prefix}-server.crt")),
            key: dir.join(format!("{prefix}-server.key")),
        };
        std::fs::write(&certs.ca, ca.pem()).unwrap();
        std::fs::write(&certs.cert, server.pem()).unwrap();
        std::fs::write(&certs.key, server_key.serialize_pem()).unwrap();
        use std::os::unix::fs::PermissionsExt;
        std::fs::set_permissions(&certs.key, std::fs::Permissions::from_mode(0o600)).unwrap();
        certs
    }

    /// An HTTPS client that trusts this CA only (no system roots).
    pub fn client(&self) -> reqwest::blocking::Client {
        let mut roots = rustls::RootCertStore::empty();
        let ca = std::fs::read(&self.ca).unwrap();
        for cert in rustls::pki_types::CertificateDer::pem_slice_iter(&ca) {
            roots.add(cert.unwrap()).unwrap();
        }
        let config = rustls::ClientConfig::builder_with_provider(std::sync::Arc::new(
            rustls::crypto::ring::default_provider(),
        ))
        .with_safe_default_protocol_versions()
        .unwrap()
        .with_root_certificates(roots)
        .with_no_client_auth();
        super::client_builder()
            .tls_backend_preconfigured(config)
            .redirect(reqwest::redirect::Policy::none())
            .build()
            .unwrap()
    }
}
