//! Access tokens (HS256 JWTs) and refresh tokens (opaque random strings, stored hashed).
use std::path::Path;

use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use base64::Engine;
use chrono::{DateTime, Duration, Utc};
use entity::ids::UserId;
use jsonwebtoken::{decode, encode, Algorithm, DecodingKey, EncodingKey, Header, Validation};
use rand::RngCore;
use sea_orm::ActiveEnum;
use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};

use crate::auth::Role;
use secrecy::ExposeSecret;

use crate::config::AuthSettings;

pub const MIN_SECRET_BYTES: usize = 32;
/// Clock skew tolerated on `exp` (and `iat`), in seconds.
pub const LEEWAY_SECONDS: u64 = 30;
const SECRET_FILE: &str = "jwt-secret";

#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Claims {
    /// User id.
    pub sub: String,
    pub role: String,
    /// The user's token_version when the token was issued; bumping it revokes the token.
    pub ver: i32,
    pub iat: i64,
    pub exp: i64,
    pub iss: String,
    pub aud: String,
    pub jti: String,
    /// The sign-in (refresh-token family) it was issued in: revoking the family voids it. Absent
    /// from tokens issued before families were named (they live no longer than their `exp`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub fam: Option<String>,
}

#[derive(Debug, thiserror::Error)]
pub enum SecretError {
    #[error("JWT_SECRET must be at least {MIN_SECRET_BYTES} bytes long")]
    TooShort,
    #[error("cannot read or write the generated JWT secret at {path}: {source}")]
    Io {
        path: String,
        source: std::io::Error,
    },
}

/// Everything needed to issue and check tokens, built once at start.
pub struct TokenKeys {
    encoding: EncodingKey,
    decoding: DecodingKey,
    validation: Validation,
    issuer: String,
    audience: String,
    pub access_ttl: Duration,
    pub refresh_ttl: Duration,
}

impl std::fmt::Debug for TokenKeys {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("TokenKeys")
            .field("issuer", &self.issuer)
            .field("audience", &self.audience)
            .finish_non_exhaustive()
    }
}

/// The configured secret, or one generated once and kept (mode 0600) in the data directory.
pub fn load_secret(args: &AuthSettings, data_dir: &Path) -> Result<Vec<u8>, SecretError> {
    if let Some(secret) = &args.jwt_secret {
        let secret = secret.expose_secret();
        if secret.len() < MIN_SECRET_BYTES {
            return Err(SecretError::TooShort);
        }
        return Ok(secret.as_bytes().to_vec());
    }
    let path = data_dir.join(SECRET_FILE);
    let io = |source| SecretError::Io {
        path: path.display().to_string(),
        source,
    };
    let read = |path: &Path| -> Result<Vec<u8>, SecretError> {
        let text = std::fs::read_to_string(path).map_err(io)?;
        let secret = text.trim().as_bytes().to_vec();
        if secret.len() < MIN_SECRET_BYTES {
            return Err(SecretError::TooShort);
        }
        Ok(secret)
    };
    if path.exists() {
        return read(&path);
    }
    std::fs::create_dir_all(data_dir).map_err(io)?;
    let mut bytes = [0u8; 48];
    rand::rngs::OsRng.fill_bytes(&mut bytes);
    let secret = URL_SAFE_NO_PAD.encode(bytes);
    match write_private(&path, secret.as_bytes()) {
        Ok(()) => {
            tracing::info!(path = %path.display(), "generated a JWT secret (set JWT_SECRET to choose your own)");
            Ok(secret.into_bytes())
        }
        // Another process generated it first: use theirs.
        Err(e) if e.kind() == std::io::ErrorKind::AlreadyExists => read(&path),
        Err(e) => Err(io(e)),
    }
}

#[cfg(unix)]
fn write_private(path: &Path, bytes: &[u8]) -> std::io::Result<()> {
    use std::io::Write;
    use std::os::unix::fs::OpenOptionsExt;
    let mut f = std::fs::OpenOptions::new()
        .write(true)
        .create_new(true)
        .mode(0o600)
        .open(path)?;
    f.write_all(bytes)
}

#[cfg(not(unix))]
fn write_private(path: &Path, bytes: &[u8]) -> std::io::Result<()> {
    std::fs::write(path, bytes)
}

impl TokenKeys {
    pub fn new(secret: &[u8], args: &AuthSettings) -> Self {
        // Only HS256 is accepted, so `alg: none` and algorithm swaps fail to decode.
        let mut validation = Validation::new(Algorithm::HS256);
        validation.leeway = LEEWAY_SECONDS;
        validation.set_issuer(&[&args.jwt_issuer]);
        validation.set_audience(&[&args.jwt_audience]);
        validation.set_required_spec_claims(&["exp", "iat", "iss", "aud", "sub"]);
        Self {
            encoding: EncodingKey::from_secret(secret),
            decoding: DecodingKey::from_secret(secret),
            validation,
            issuer: args.jwt_issuer.clone(),
            audience: args.jwt_audience.clone(),
            access_ttl: access_ttl(args),
            refresh_ttl: chrono_duration(args.refresh_token_ttl),
        }
    }

    pub fn issue_access(
        &self,
        user_id: UserId,
        role: Role,
        token_version: i32,
        family: &str,
    ) -> Result<(String, DateTime<Utc>), jsonwebtoken::errors::Error> {
        let now = Utc::now();
        let exp = now + self.access_ttl;
        let claims = Claims {
            sub: user_id.to_string(),
            role: role.to_value(),
            ver: token_version,
            iat: now.timestamp(),
            exp: exp.timestamp(),
            iss: self.issuer.clone(),
            aud: self.audience.clone(),
            jti: uuid::Uuid::new_v4().to_string(),
            fam: Some(family.to_owned()),
        };
        let token = encode(&Header::new(Algorithm::HS256), &claims, &self.encoding)?;
        Ok((token, exp))
    }

    /// Checks signature, algorithm, expiry, issuer and audience.
    pub fn decode(&self, token: &str) -> Result<Claims, String> {
        use jsonwebtoken::errors::ErrorKind;
        decode::<Claims>(token, &self.decoding, &self.validation)
            .map(|d| d.claims)
            .map_err(|e| {
                match e.kind() {
                    ErrorKind::ExpiredSignature => {
                        "The access token has expired; refresh the session"
                    }
                    ErrorKind::InvalidIssuer | ErrorKind::InvalidAudience => {
                        "The access token was not issued for this service"
                    }
                    _ => "The access token is invalid",
                }
                .to_owned()
            })
    }
}

/// How long an access token lives (`ACCESS_TOKEN_TTL_SECONDS`, kept within 30 s..1 day by
/// `Settings`).
pub fn access_ttl(args: &AuthSettings) -> Duration {
    chrono_duration(args.access_token_ttl)
}

/// A configured lifetime as chrono counts it (`Settings` keeps lifetimes far below the limit).
fn chrono_duration(d: std::time::Duration) -> Duration {
    Duration::from_std(d).unwrap_or(Duration::MAX)
}

/// How long after a revocation an access token issued before it may still pass its `exp` check.
pub fn access_token_window(args: &AuthSettings) -> Duration {
    access_ttl(args) + Duration::seconds(LEEWAY_SECONDS as i64)
}

/// A new refresh token: 256 random bits, URL-safe.
pub fn new_refresh_token() -> String {
    let mut bytes = [0u8; 32];
    rand::rngs::OsRng.fill_bytes(&mut bytes);
    URL_SAFE_NO_PAD.encode(bytes)
}

/// What is stored for a refresh token: its SHA-256, hex. A fast hash is right here: the token is
/// 256 random bits, so there is nothing to brute-force.
pub fn hash_refresh_token(token: &str) -> String {
    hex::encode(Sha256::digest(token.as_bytes()))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn args() -> AuthSettings {
        AuthSettings {
            jwt_secret: Some("k".repeat(32).into()),
            jwt_issuer: "iss".into(),
            jwt_audience: "aud".into(),
            access_token_ttl: std::time::Duration::from_secs(900),
            refresh_token_ttl: std::time::Duration::from_secs(30 * 86_400),
            signin_max_failures: 10,
            signin_window: std::time::Duration::from_secs(900),
        }
    }

    #[test]
    fn round_trip_and_tampering() {
        let keys = TokenKeys::new(&[7u8; 32], &args());
        let (token, _) = keys
            .issue_access(UserId(5), Role::Admin, 3, "fam-1")
            .unwrap();
        let claims = keys.decode(&token).unwrap();
        assert_eq!((claims.sub.as_str(), claims.ver), ("5", 3));
        assert_eq!(claims.fam.as_deref(), Some("fam-1"));
        let other = TokenKeys::new(&[8u8; 32], &args());
        assert!(other.decode(&token).is_err());
        let mut parts: Vec<&str> = token.split('.').collect();
        let none_header = URL_SAFE_NO_PAD.encode(r#"{"alg":"none","typ":"JWT"}"#);
        parts[0] = &none_header;
        assert!(keys.decode(&format!("{}.{}.", parts[0], parts[1])).is_err());
    }

    #[test]
    fn secrets() {
        let dir = tempfile::tempdir().unwrap();
        let mut a = args();
        a.jwt_secret = Some("short".into());
        assert!(matches!(
            load_secret(&a, dir.path()),
            Err(SecretError::TooShort)
        ));
        a.jwt_secret = None;
        let first = load_secret(&a, dir.path()).unwrap();
        assert_eq!(first, load_secret(&a, dir.path()).unwrap());
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt;
            let mode = std::fs::metadata(dir.path().join(SECRET_FILE))
                .unwrap()
                .permissions()
                .mode();
            assert_eq!(mode & 0o777, 0o600);
        }
        assert_ne!(new_refresh_token(), new_refresh_token());
        assert_eq!(hash_refresh_token("x").len(), 64);
    }
}
