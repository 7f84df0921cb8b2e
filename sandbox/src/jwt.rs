//! RS256 id_tokens signed with a key made at start, published as a JWKS like PagerDuty's.

use base64::engine::general_purpose::URL_SAFE_NO_PAD as B64;
use base64::Engine;
use rsa::pkcs1v15::SigningKey;
use rsa::signature::{SignatureEncoding, Signer};
use rsa::traits::PublicKeyParts;
use rsa::RsaPrivateKey;
use serde_json::{json, Value};
use sha2::Sha256;
use std::sync::OnceLock;

/// The signing key and its id.
pub struct Keys {
    signing: SigningKey<Sha256>,
    jwk: Value,
    pub kid: String,
}

/// One key per process: generating RSA keys is slow, and tests build many sandboxes.
pub fn keys() -> &'static Keys {
    static KEYS: OnceLock<Keys> = OnceLock::new();
    KEYS.get_or_init(|| {
        let private = match RsaPrivateKey::new(&mut rand::thread_rng(), 2048) {
            Ok(k) => k,
            Err(e) => panic!("cannot generate the sandbox signing key: {e}"),
        };
        let n = B64.encode(private.n().to_bytes_be());
        let e = B64.encode(private.e().to_bytes_be());
        let kid = format!("sandbox-{}", &n[..12]);
        let jwk = json!({"kty": "RSA", "use": "sig", "alg": "RS256", "kid": kid, "n": n, "e": e});
        Keys {
            signing: SigningKey::<Sha256>::new(private),
            jwk,
            kid,
        }
    })
}

impl Keys {
    /// Signs `claims` as a compact RS256 JWT.
    pub fn sign(&self, claims: &Value) -> String {
        let header = json!({"alg": "RS256", "typ": "JWT", "kid": self.kid});
        let input = format!(
            "{}.{}",
            B64.encode(header.to_string()),
            B64.encode(claims.to_string())
        );
        let sig = self.signing.sign(input.as_bytes()).to_bytes();
        format!("{input}.{}", B64.encode(sig))
    }

    /// The JSON Web Key Set.
    pub fn jwks(&self) -> Value {
        json!({"keys": [self.jwk]})
    }
}

/// Decodes the claims of a JWT without verifying it (for tests and tools).
pub fn decode_claims(jwt: &str) -> Option<Value> {
    let payload = jwt.split('.').nth(1)?;
    serde_json::from_slice(&B64.decode(payload).ok()?).ok()
}

#[cfg(test)]
mod tests {
    use super::*;
    use rsa::pkcs1v15::{Signature, VerifyingKey};
    use rsa::signature::Verifier;
    use rsa::{BigUint, RsaPublicKey};

    #[test]
    fn signed_tokens_verify_against_the_published_jwks() {
        let keys = keys();
        let jwt = keys.sign(&json!({"sub": "u", "n": 1}));
        let jwks = keys.jwks();
        let k = &jwks["keys"][0];
        let n = BigUint::from_bytes_be(&B64.decode(k["n"].as_str().unwrap()).unwrap());
        let e = BigUint::from_bytes_be(&B64.decode(k["e"].as_str().unwrap()).unwrap());
        let public = RsaPublicKey::new(n, e).unwrap();
        let (input, sig) = jwt.rsplit_once('.').unwrap();
        let sig = Signature::try_from(B64.decode(sig).unwrap().as_slice()).unwrap();
        VerifyingKey::<Sha256>::new(public)
            .verify(input.as_bytes(), &sig)
            .expect("signature verifies");
        assert_eq!(decode_claims(&jwt).unwrap()["sub"], "u");
    }
}
