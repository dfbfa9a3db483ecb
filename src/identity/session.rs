//! Session tokens: HS256 JWTs with audience `session`, carried as a Bearer
//! header (API) or an HttpOnly cookie (pages). A token names the user and the
//! user's session version, so a password change or deactivation ends it.

use crate::config::Settings;
use crate::web::verified::VerifiedTokens;
use jsonwebtoken::{Algorithm, DecodingKey, EncodingKey, Header, Validation};
use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};

pub const AUDIENCE: &str = "session";
pub const COOKIE_NAME: &str = "daicho_session";

#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Claims {
    pub sub: i64,
    pub aud: String,
    pub iat: i64,
    pub exp: i64,
    /// The user's session version when the token was issued.
    pub sv: i64,
    /// Only the password change is allowed with this token.
    #[serde(default)]
    pub pco: bool,
    pub jti: String,
}

pub struct SessionKeys {
    secret: Vec<u8>,
    encoding: EncodingKey,
    decoding: DecodingKey,
    validation: Validation,
    lifetime_minutes: i64,
    verified: VerifiedTokens<Claims>,
}

/// Seconds of clock difference forgiven on expiry.
const LEEWAY_SECONDS: i64 = 5;

impl SessionKeys {
    pub fn new(secret: &[u8], lifetime_minutes: i64) -> SessionKeys {
        let mut validation = Validation::new(Algorithm::HS256);
        validation.set_audience(&[AUDIENCE]);
        validation.leeway = LEEWAY_SECONDS as u64;
        SessionKeys {
            secret: secret.to_vec(),
            encoding: EncodingKey::from_secret(secret),
            decoding: DecodingKey::from_secret(secret),
            validation,
            lifetime_minutes,
            verified: VerifiedTokens::default(),
        }
    }

    /// The configured secret, or the one generated into the data directory on first start.
    pub fn load(settings: &Settings) -> Result<SessionKeys, String> {
        let secret = match &settings.session_secret {
            Some(secret) if secret.len() >= 32 => secret.as_bytes().to_vec(),
            Some(_) => return Err("DAICHO_SESSION_SECRET must be at least 32 characters".into()),
            None => crate::web::secrets::load_or_create(&settings.data_dir, "session.key", 32)?,
        };
        Ok(SessionKeys::new(&secret, settings.session_minutes))
    }

    pub fn lifetime_minutes(&self) -> i64 {
        self.lifetime_minutes
    }

    pub fn issue(
        &self,
        user_id: i64,
        session_version: i64,
        password_change_only: bool,
    ) -> Result<(String, Claims), String> {
        let now = chrono::Utc::now().timestamp();
        let claims = Claims {
            sub: user_id,
            aud: AUDIENCE.to_owned(),
            iat: now,
            // A token that can only change the password need not live long.
            exp: now
                + 60 * if password_change_only {
                    self.lifetime_minutes.min(30)
                } else {
                    self.lifetime_minutes
                },
            sv: session_version,
            pco: password_change_only,
            jti: hex::encode(rand::random::<[u8; 16]>()),
        };
        jsonwebtoken::encode(&Header::new(Algorithm::HS256), &claims, &self.encoding)
            .map(|token| (token, claims))
            .map_err(|e| format!("cannot sign a session token: {e}"))
    }

    pub fn verify(&self, token: &str) -> Option<Claims> {
        self.verify_at(token, chrono::Utc::now().timestamp())
    }

    fn verify_at(&self, token: &str, now: i64) -> Option<Claims> {
        let claims = self
            .verified
            .get_or_verify(token, |token| {
                jsonwebtoken::decode::<Claims>(token, &self.decoding, &self.validation)
                    .map(|data| data.claims)
            })
            .ok()?;
        // A remembered token still expires on time.
        (claims.exp + LEEWAY_SECONDS >= now).then_some(claims)
    }

    /// The CSRF token for a session: tied to the token's id, so it changes with every sign-in.
    pub fn csrf_token(&self, claims: &Claims) -> String {
        let mut hasher = Sha256::new();
        hasher.update(b"daicho-csrf\n");
        hasher.update(&self.secret);
        hasher.update(claims.jti.as_bytes());
        hex::encode(&hasher.finalize()[..16])
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn issue_verify_and_reject_foreign_tokens() {
        let keys = SessionKeys::new(b"0123456789abcdef0123456789abcdef", 60);
        let (token, claims) = keys.issue(7, 3, false).unwrap();
        let back = keys.verify(&token).expect("own token verifies");
        assert_eq!((back.sub, back.sv, back.pco), (7, 3, false));
        assert_eq!(keys.csrf_token(&claims), keys.csrf_token(&back));
        let other = SessionKeys::new(b"another secret of thirty-two chars!", 60);
        assert!(other.verify(&token).is_none());
        assert!(keys.verify("not.a.token").is_none());
        let mut tampered = token.clone();
        tampered.push('x');
        assert!(keys.verify(&tampered).is_none());
    }

    #[test]
    fn a_remembered_token_still_expires() {
        let keys = SessionKeys::new(b"0123456789abcdef0123456789abcdef", 60);
        let (token, claims) = keys.issue(7, 3, false).unwrap();
        assert!(
            keys.verify(&token).is_some(),
            "verified, and now remembered"
        );
        assert!(keys.verify_at(&token, claims.exp).is_some());
        assert!(
            keys.verify_at(&token, claims.exp + LEEWAY_SECONDS + 1)
                .is_none()
        );
    }
}
