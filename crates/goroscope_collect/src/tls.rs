//! TLS set-up for ureq: which roots to trust and which crypto to use.
//!
//! The crypto provider is rustls' `ring` provider, handed to ureq explicitly (ureq is built with
//! `rustls-no-provider`). `ring` builds with a C compiler alone, while `aws-lc-rs`, rustls' default,
//! needs cmake and more build time; and passing the provider explicitly avoids any process-wide default.

use std::path::Path;
use std::sync::Arc;

use ureq::tls::{Certificate, PemItem, RootCerts, TlsConfig, TlsProvider};

use crate::CollectError;

fn provider() -> Arc<rustls::crypto::CryptoProvider> {
    Arc::new(rustls::crypto::ring::default_provider())
}

/// A TLS configuration that trusts nothing: for the agent that only ever talks plain HTTP. Should TLS
/// happen anyway (e.g. through an `https://` proxy), verification fails instead of anything being trusted.
pub(crate) fn trust_nothing() -> TlsConfig {
    TlsConfig::builder()
        .provider(TlsProvider::Rustls)
        .unversioned_rustls_crypto_provider(provider())
        .root_certs(RootCerts::Specific(Arc::new(Vec::new())))
        .build()
}

/// The TLS configuration for `https://` URLs.
///
/// - `insecure`: no verification at all (ureq's `disable_verification`, which installs a rustls
///   `ServerCertVerifier` that accepts any certificate and any signature). The connection is still
///   encrypted but anyone on the path can read and change it; only for test set-ups.
/// - otherwise the system's roots (rustls-native-certs: `SSL_CERT_FILE`/`SSL_CERT_DIR`, else the
///   platform's store) plus the PEM certificates of `cacert`; no roots at all is an error.
pub(crate) fn https_config(cacert: Option<&Path>, insecure: bool) -> Result<TlsConfig, CollectError> {
    let builder =
        TlsConfig::builder().provider(TlsProvider::Rustls).unversioned_rustls_crypto_provider(provider());
    if insecure {
        return Ok(builder.disable_verification(true).build());
    }
    let native = rustls_native_certs::load_native_certs();
    let mut roots: Vec<Certificate<'static>> =
        native.certs.iter().map(|der| Certificate::from_der(der.as_ref()).to_owned()).collect();
    if let Some(path) = cacert {
        roots.extend(read_ca_bundle(path)?);
    }
    if roots.is_empty() {
        let detail = match native.errors.first() {
            Some(e) => format!("loading the system store failed: {e}"),
            None => "the system store is empty".to_owned(),
        };
        return Err(CollectError::NoRootCerts { detail });
    }
    Ok(builder.root_certs(RootCerts::Specific(Arc::new(roots))).build())
}

/// The certificates of a PEM bundle; an error when it holds none that rustls accepts.
fn read_ca_bundle(path: &Path) -> Result<Vec<Certificate<'static>>, CollectError> {
    let bytes =
        std::fs::read(path).map_err(|source| CollectError::CaCertRead { path: path.to_owned(), source })?;
    let invalid = |detail: String| CollectError::CaCertInvalid { path: path.to_owned(), detail };
    let mut certs = Vec::new();
    for item in ureq::tls::parse_pem(&bytes) {
        match item {
            Ok(PemItem::Certificate(cert)) => certs.push(cert),
            Ok(_) => {}
            Err(e) => return Err(invalid(format!("the PEM is malformed: {e}"))),
        }
    }
    if certs.is_empty() {
        return Err(invalid("no CERTIFICATE block found".to_owned()));
    }
    let mut store = rustls::RootCertStore::empty();
    let (added, _) = store.add_parsable_certificates(
        certs.iter().map(|c| rustls::pki_types::CertificateDer::from(c.der().to_vec())),
    );
    if added == 0 {
        return Err(invalid(format!("none of its {} certificates can be parsed", certs.len())));
    }
    Ok(certs)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn bad_bundles_are_refused() {
        let dir = std::env::temp_dir().join(format!("goroscope-collect-tls-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        let empty = dir.join("empty.pem");
        std::fs::write(&empty, "# no certificates here\n").unwrap();
        assert!(matches!(https_config(Some(&empty), false), Err(CollectError::CaCertInvalid { .. })));
        let garbage = dir.join("garbage.pem");
        std::fs::write(&garbage, "-----BEGIN CERTIFICATE-----\nAAAA\n-----END CERTIFICATE-----\n").unwrap();
        assert!(matches!(https_config(Some(&garbage), false), Err(CollectError::CaCertInvalid { .. })));
        let missing = dir.join("missing.pem");
        let err = https_config(Some(&missing), false).unwrap_err();
        assert!(matches!(err, CollectError::CaCertRead { .. }), "{err:?}");
        assert!(err.to_string().contains("--cacert"), "{err}");
        let _ = std::fs::remove_dir_all(&dir);
    }
}
