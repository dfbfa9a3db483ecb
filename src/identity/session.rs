//! Session tokens: HS256 JWTs with audience `session`, carried as a Bearer
//! header (API) or an HttpOnly cookie (pages). A token names the user and the
//! user's session version, so a password change or deactivation ends it.

use crate::config::Settings;
use crate::kit::verified::VerifiedTokens;
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
    /// A session unused for longer than this is over (`DAICHO_SESSION_IDLE_MINUTES`).
    idle: chrono::TimeDelta,
    /// When this instance last saw each session's use written down.
    uses: SeenUses,
    secret: Vec<u8>,
    encoding: EncodingKey,
    decoding: DecodingKey,
    validation: Validation,
    lifetime_minutes: i64,
    verified: VerifiedTokens<Claims>,
}

/// Sessions' last recorded uses, per instance; when full it starts over.
#[derive(Default)]
struct SeenUses(std::sync::RwLock<std::collections::HashMap<String, chrono::NaiveDateTime>>);

impl SeenUses {
    const CAPACITY: usize = 4096;

    fn get(&self, jti: &str) -> Option<chrono::NaiveDateTime> {
        self.0.read().ok()?.get(jti).copied()
    }

    fn put(&self, jti: &str, at: chrono::NaiveDateTime) {
        if let Ok(mut map) = self.0.write() {
            if map.len() >= Self::CAPACITY && !map.contains_key(jti) {
                map.clear();
            }
            let seen = map.entry(jti.to_owned()).or_insert(at);
            *seen = (*seen).max(at);
        }
    }
}

/// Seconds of clock difference forgiven on expiry.
const LEEWAY_SECONDS: i64 = 5;

impl SessionKeys {
    pub fn new(secret: &[u8], lifetime_minutes: i64) -> SessionKeys {
        let mut validation = Validation::new(Algorithm::HS256);
        validation.set_audience(&[AUDIENCE]);
        validation.leeway = LEEWAY_SECONDS as u64;
        SessionKeys {
            idle: chrono::TimeDelta::minutes(crate::config::DEFAULT_SESSION_IDLE_MINUTES),
            uses: SeenUses::default(),
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
            None => crate::kit::secrets::load_or_create(&settings.data_dir, "session.key", 32)?,
        };
        Ok(SessionKeys::new(&secret, settings.session_minutes)
            .with_idle_minutes(settings.session_idle_minutes))
    }

    pub fn with_idle_minutes(mut self, minutes: i64) -> SessionKeys {
        self.idle = chrono::TimeDelta::minutes(minutes);
        self
    }

    /// How long a session may go unused.
    pub fn idle(&self) -> chrono::TimeDelta {
        self.idle
    }

    /// How often a session in use has its last use written down: often enough
    /// that every instance sees it well within the idle limit, seldom enough
    /// that a busy door does not write on every scan.
    pub fn touch_every(&self) -> chrono::TimeDelta {
        (self.idle / 4).min(chrono::TimeDelta::seconds(60))
    }

    /// Remembers that session `jti` was in use at `at`, as the database now says.
    pub fn saw_use(&self, jti: &str, at: chrono::NaiveDateTime) {
        self.uses.put(jti, at);
    }

    /// Whether this instance knows session `jti` to have been in use within
    /// [`SessionKeys::touch_every`] of `now`. Only a "yes" is an answer: a use
    /// that happened cannot un-happen, so it holds on every instance; anything
    /// else must be asked of the database.
    pub fn recently_used(&self, jti: &str, now: chrono::NaiveDateTime) -> bool {
        self.uses
            .get(jti)
            .is_some_and(|at| now - at < self.touch_every())
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
