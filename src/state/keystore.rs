//! Private keys at rest. Where the operator configures a key-encryption secret
//! (`TADAMUN_KEY_SECRET`), private keys are sealed with ChaCha20-Poly1305
//! under a key derived from it (HKDF-SHA256), so a database dump alone does not
//! hand them out. Without a secret they are stored in clear, and only the
//! database's own protection guards them (see README).

use base64::Engine;
use base64::engine::general_purpose::STANDARD as BASE64;
use chacha20poly1305::aead::{Aead, AeadCore, KeyInit, OsRng};
use chacha20poly1305::{ChaCha20Poly1305, Key, Nonce};
use hkdf::Hkdf;
use sha2::Sha256;

use crate::error::{Error, Result};

const SEALED_PREFIX: &str = "sealed:v1:";

/// The cipher for private keys, derived from the operator's secret.
#[derive(Clone)]
pub struct KeyCipher(ChaCha20Poly1305);

impl std::fmt::Debug for KeyCipher {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("KeyCipher(..)")
    }
}

impl KeyCipher {
    pub fn from_secret(secret: &str) -> Self {
        let mut key = [0u8; 32];
        Hkdf::<Sha256>::new(Some(b"tadamun private-key sealing v1"), secret.as_bytes())
            .expand(b"chacha20poly1305", &mut key)
            .expect("32 bytes is a valid HKDF-SHA256 output length");
        KeyCipher(ChaCha20Poly1305::new(Key::from_slice(&key)))
    }
}

/// What to store for a private key.
pub fn seal(cipher: Option<&KeyCipher>, plain: &str) -> Result<String> {
    let Some(cipher) = cipher else {
        return Ok(plain.to_string());
    };
    let nonce = ChaCha20Poly1305::generate_nonce(&mut OsRng);
    let sealed = cipher
        .0
        .encrypt(&nonce, plain.as_bytes())
        .map_err(|_| Error::Internal(anyhow::anyhow!("sealing a private key failed")))?;
    let mut bytes = nonce.to_vec();
    bytes.extend_from_slice(&sealed);
    Ok(format!("{SEALED_PREFIX}{}", BASE64.encode(bytes)))
}

/// Whether a stored value is sealed (else it was stored in clear, by a node
/// without a key secret or before the value was sealed at all).
pub fn is_sealed(stored: &str) -> bool {
    stored.starts_with(SEALED_PREFIX)
}

/// A stored private key, opened.
pub fn open(cipher: Option<&KeyCipher>, stored: &str) -> Result<String> {
    let Some(encoded) = stored.strip_prefix(SEALED_PREFIX) else {
        return Ok(stored.to_string());
    };
    let cipher = cipher.ok_or_else(|| {
        Error::Internal(anyhow::anyhow!(
            "this node's private keys are sealed: start it with the same TADAMUN_KEY_SECRET"
        ))
    })?;
    let bytes = BASE64
        .decode(encoded)
        .map_err(|_| Error::Internal(anyhow::anyhow!("a sealed private key is corrupt")))?;
    if bytes.len() < 12 {
        return Err(Error::Internal(anyhow::anyhow!("a sealed private key is corrupt")));
    }
    let (nonce, sealed) = bytes.split_at(12);
    let plain = cipher.0.decrypt(Nonce::from_slice(nonce), sealed).map_err(|_| {
        Error::Internal(anyhow::anyhow!(
            "cannot open this node's private keys: TADAMUN_KEY_SECRET is not the one they were sealed with"
        ))
    })?;
    String::from_utf8(plain).map_err(|_| Error::Internal(anyhow::anyhow!("a sealed private key is corrupt")))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sealed_keys_open_only_with_their_secret() {
        let cipher = KeyCipher::from_secret("correct horse");
        let sealed = seal(Some(&cipher), "-----BEGIN PRIVATE KEY-----").unwrap();
        assert!(sealed.starts_with(SEALED_PREFIX) && !sealed.contains("PRIVATE KEY"));
        assert_eq!(open(Some(&cipher), &sealed).unwrap(), "-----BEGIN PRIVATE KEY-----");
        assert!(open(Some(&KeyCipher::from_secret("wrong")), &sealed).is_err());
        assert!(open(None, &sealed).is_err());
        assert_eq!(open(None, "plain").unwrap(), "plain");
    }
}
