//! PKCE (RFC 7636) and `state`: values are made from bytes the caller draws from the
//! browser's CSPRNG, so this module stays pure and testable.

use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use base64::Engine;
use sha2::{Digest, Sha256};

/// Random bytes behind a verifier: 48 bytes give a 64-character verifier (RFC 7636 asks for
/// at least 32 bytes of entropy).
pub const VERIFIER_BYTES: usize = 48;
/// Random bytes behind `state`: 128 bits or more (SECURITY.md rule 3).
pub const STATE_BYTES: usize = 24;

/// base64url without padding.
pub fn b64url(bytes: &[u8]) -> String {
    URL_SAFE_NO_PAD.encode(bytes)
}

/// A code verifier from CSPRNG bytes.
pub fn verifier_from(bytes: &[u8]) -> String {
    b64url(bytes)
}

/// The S256 challenge of a verifier: base64url(SHA-256(verifier)), no padding.
pub fn challenge(verifier: &str) -> String {
    b64url(&Sha256::digest(verifier.as_bytes()))
}

/// RFC 7636 section 4.1: 43 to 128 characters of `[A-Za-z0-9-._~]`.
pub fn is_valid_verifier(v: &str) -> bool {
    (43..=128).contains(&v.len())
        && v.bytes()
            .all(|b| b.is_ascii_alphanumeric() || b"-._~".contains(&b))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rfc7636_appendix_b_vector() {
        assert_eq!(
            challenge("dBjftJeZ4CVP-mB92K27uhbUJU1p1r_wW1gFWFOEjXk"),
            "E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM"
        );
        // Appendix B's octets give that verifier.
        let octets = [
            116, 24, 223, 180, 151, 153, 224, 37, 79, 250, 96, 125, 216, 173, 187, 186, 22, 212,
            37, 77, 105, 214, 191, 240, 91, 88, 5, 88, 83, 132, 141, 121,
        ];
        assert_eq!(
            verifier_from(&octets),
            "dBjftJeZ4CVP-mB92K27uhbUJU1p1r_wW1gFWFOEjXk"
        );
    }

    #[test]
    fn generated_verifiers_have_the_right_length_and_alphabet() {
        for seed in 0..=255u8 {
            let bytes: Vec<u8> = (0..VERIFIER_BYTES)
                .map(|i| {
                    seed.wrapping_mul(31)
                        .wrapping_add((i as u8).wrapping_mul(7))
                })
                .collect();
            let v = verifier_from(&bytes);
            assert_eq!(v.len(), 64);
            assert!(is_valid_verifier(&v), "{v}");
            let c = challenge(&v);
            assert_eq!(c.len(), 43);
            assert!(!c.contains('=') && !c.contains('+') && !c.contains('/'));
        }
        assert!(!is_valid_verifier(&"a".repeat(42)));
        assert!(!is_valid_verifier(&"a".repeat(129)));
        assert!(!is_valid_verifier(&format!("{}+", "a".repeat(50))));
        assert_eq!(b64url(&[0u8; STATE_BYTES]).len(), 32);
    }
}
