//! Password policy and argon2id hashing. Hashing runs on threads of its own, never on async workers.
use std::cell::RefCell;
use std::collections::HashSet;
use std::sync::OnceLock;

use argon2::password_hash::rand_core::OsRng;
use argon2::password_hash::{
    self, Decimal, Ident, Output, ParamsString, PasswordHash, PasswordHasher, PasswordVerifier,
    Salt, SaltString,
};
use argon2::{Algorithm, Argon2, Block, Params, Version};

use crate::error::{AppError, Input};

pub const MIN_LEN: usize = 8;
pub const MAX_LEN: usize = 128;

/// OWASP's minimum for argon2id: 19 MiB, 2 iterations, 1 lane.
fn params() -> Params {
    Params::new(19 * 1024, 2, 1, None).unwrap_or_default()
}

thread_local! {
    /// The hashing thread's argon2 working memory. Allocating 19 MiB per hash left glibc holding
    /// a fragmented ~100 MiB after a burst of sign-ins; filled in place, it stays one block.
    static MEMORY: RefCell<Vec<Block>> = const { RefCell::new(Vec::new()) };
}

/// argon2id that works in the calling thread's [`MEMORY`] instead of a fresh allocation. As a
/// `PasswordHasher` it also verifies (with the parameters stored in the hash being checked).
struct Hasher {
    algorithm: Algorithm,
    version: Version,
    params: Params,
}

impl Hasher {
    fn new() -> Self {
        Hasher {
            algorithm: Algorithm::Argon2id,
            version: Version::V0x13,
            params: params(),
        }
    }
}

impl PasswordHasher for Hasher {
    type Params = Params;

    fn hash_password<'a>(
        &self,
        password: &[u8],
        salt: impl Into<Salt<'a>>,
    ) -> password_hash::Result<PasswordHash<'a>> {
        let salt = salt.into();
        let mut salt_buf = [0u8; Salt::MAX_LENGTH];
        let salt_bytes = salt.decode_b64(&mut salt_buf)?;
        let argon2 = Argon2::new(self.algorithm, self.version, self.params.clone());
        let blocks = self.params.block_count();
        let output_len = self
            .params
            .output_len()
            .unwrap_or(Params::DEFAULT_OUTPUT_LEN);
        let output = MEMORY.with(|memory| {
            let mut memory = memory.borrow_mut();
            if memory.len() < blocks {
                memory.resize(blocks, Block::default());
            }
            Output::init_with(output_len, |out| {
                Ok(argon2.hash_password_into_with_memory(
                    password,
                    salt_bytes,
                    out,
                    &mut memory[..],
                )?)
            })
        })?;
        Ok(PasswordHash {
            algorithm: self.algorithm.ident(),
            version: Some(self.version.into()),
            params: ParamsString::try_from(&self.params)?,
            salt: Some(salt),
            hash: Some(output),
        })
    }

    fn hash_password_customized<'a>(
        &self,
        password: &[u8],
        algorithm: Option<Ident<'a>>,
        version: Option<Decimal>,
        params: Params,
        salt: impl Into<Salt<'a>>,
    ) -> password_hash::Result<PasswordHash<'a>> {
        Hasher {
            algorithm: algorithm
                .map(Algorithm::try_from)
                .transpose()?
                .unwrap_or(self.algorithm),
            version: version
                .map(Version::try_from)
                .transpose()?
                .unwrap_or(self.version),
            params,
        }
        .hash_password(password, salt)
    }
}

fn common_passwords() -> &'static HashSet<String> {
    static LIST: OnceLock<HashSet<String>> = OnceLock::new();
    LIST.get_or_init(|| {
        include_str!("../../data/common-passwords.txt")
            .lines()
            .map(str::trim)
            .filter(|l| !l.is_empty() && !l.starts_with('#'))
            .map(str::to_lowercase)
            .collect()
    })
}

/// Checks a new password; `field` names the input in the error. `personal` are strings the password
/// must not equal (username, email).
pub fn check_policy(field: Input, password: &str, personal: &[&str]) -> Result<(), AppError> {
    let len = password.chars().count();
    if len < MIN_LEN {
        return Err(AppError::bad_input(
            field,
            format!("The password must have at least {MIN_LEN} characters"),
        ));
    }
    if len > MAX_LEN {
        return Err(AppError::bad_input(
            field,
            format!("The password must have at most {MAX_LEN} characters"),
        ));
    }
    let lower = password.to_lowercase();
    if common_passwords().contains(&lower) {
        return Err(AppError::bad_input(
            field,
            "This password is one of the most common ones; choose another",
        ));
    }
    if personal
        .iter()
        .any(|p| !p.is_empty() && p.to_lowercase() == lower)
    {
        return Err(AppError::bad_input(
            field,
            "The password must not be your username or email",
        ));
    }
    Ok(())
}

type Job = Box<dyn FnOnce() + Send>;

/// Password hashing runs on a few threads of its own, at most one per two cores. Each hash takes a
/// core and 19 MiB for tens of milliseconds: on the shared blocking pool a burst of sign-ins would
/// take every core from the readers, and every pool thread would keep its own 19 MiB arena. Here
/// hashes queue for their turn (their callers are async, so nothing blocks) and the memory is
/// reused from one hash to the next.
fn hashing_queue() -> &'static std::sync::Mutex<std::sync::mpsc::Sender<Job>> {
    static QUEUE: OnceLock<std::sync::Mutex<std::sync::mpsc::Sender<Job>>> = OnceLock::new();
    QUEUE.get_or_init(|| {
        let (tx, rx) = std::sync::mpsc::channel::<Job>();
        let rx = std::sync::Arc::new(std::sync::Mutex::new(rx));
        let cores = std::thread::available_parallelism().map_or(1, |n| n.get());
        for i in 0..(cores / 2).max(1) {
            let rx = rx.clone();
            let spawned = std::thread::Builder::new()
                .name(format!("argon2-{i}"))
                .spawn(move || loop {
                    let job = match rx.lock() {
                        Ok(rx) => rx.recv(),
                        Err(_) => return,
                    };
                    match job {
                        // A panicking hash fails its own caller (its sender is dropped), not the
                        // thread.
                        Ok(job) => {
                            let _ = std::panic::catch_unwind(std::panic::AssertUnwindSafe(job));
                        }
                        Err(_) => return,
                    }
                });
            if let Err(e) = spawned {
                tracing::error!(error = %crate::error::chain(&e), "cannot start a password hashing thread");
            }
        }
        std::sync::Mutex::new(tx)
    })
}

/// Runs `f` on a hashing thread and waits for its result.
async fn on_hashing_thread<T: Send + 'static>(
    f: impl FnOnce() -> T + Send + 'static,
) -> Result<T, AppError> {
    let (tx, rx) = tokio::sync::oneshot::channel();
    let job: Job = Box::new(move || {
        let _ = tx.send(f());
    });
    hashing_queue()
        .lock()
        .map_err(|_| AppError::internal("password hashing unavailable"))?
        .send(job)
        .map_err(|_| AppError::internal("password hashing unavailable"))?;
    rx.await
        .map_err(|_| AppError::internal("password hashing task failed"))
}

pub async fn hash(password: String) -> Result<String, AppError> {
    on_hashing_thread(move || {
        let salt = SaltString::generate(&mut OsRng);
        Hasher::new()
            .hash_password(password.as_bytes(), &salt)
            .map(|h| h.to_string())
            .map_err(|e| AppError::internal_from("password hashing failed", e))
    })
    .await?
}

/// Verifies `password` against a PHC string. With `None` (unknown account) it verifies against a
/// dummy hash so that the response time does not reveal whether the account exists.
pub async fn verify(password: String, phc: Option<String>) -> Result<bool, AppError> {
    let known = phc.is_some();
    let phc = match phc {
        Some(p) => p,
        None => dummy_hash().await?,
    };
    let ok = on_hashing_thread(move || {
        PasswordHash::new(&phc)
            .map(|parsed| {
                Hasher::new()
                    .verify_password(password.as_bytes(), &parsed)
                    .is_ok()
            })
            .unwrap_or(false)
    })
    .await?;
    Ok(ok && known)
}

async fn dummy_hash() -> Result<String, AppError> {
    static DUMMY: tokio::sync::OnceCell<String> = tokio::sync::OnceCell::const_new();
    DUMMY
        .get_or_try_init(|| hash("not-a-real-password-for-timing".to_owned()))
        .await
        .cloned()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn policy() {
        assert!(check_policy(Input::NewPassword, "short", &[]).is_err());
        assert!(check_policy(Input::NewPassword, &"x".repeat(129), &[]).is_err());
        assert!(check_policy(Input::NewPassword, "Password123", &[]).is_err());
        assert!(check_policy(Input::NewPassword, "alice-the-great", &["Alice-The-Great"]).is_err());
        assert!(check_policy(Input::NewPassword, "correct horse battery", &["alice"]).is_ok());
    }

    #[tokio::test]
    async fn hashes_are_argon2id_and_verify() {
        let h = hash("correct horse battery".into()).await.unwrap();
        assert!(h.starts_with("$argon2id$v=19$m=19456,t=2,p=1$"), "{h}");
        assert!(verify("correct horse battery".into(), Some(h.clone()))
            .await
            .unwrap());
        assert!(!verify("wrong horse battery".into(), Some(h)).await.unwrap());
        assert!(!verify("anything at all".into(), None).await.unwrap());
    }

    #[tokio::test]
    async fn interoperates_with_the_stock_argon2_hasher() {
        // Hashes made before the memory reuse (by the argon2 crate itself) still verify, and ours
        // verify with the crate, also under other parameters.
        let stock = Argon2::new(
            Algorithm::Argon2id,
            Version::V0x13,
            Params::new(8 * 1024, 3, 1, None).unwrap(),
        );
        let salt = SaltString::generate(&mut OsRng);
        let old = stock
            .hash_password(b"correct horse battery", &salt)
            .unwrap()
            .to_string();
        assert!(verify("correct horse battery".into(), Some(old.clone()))
            .await
            .unwrap());
        assert!(!verify("correct horse battery!".into(), Some(old))
            .await
            .unwrap());
        let ours = hash("correct horse battery".into()).await.unwrap();
        let parsed = PasswordHash::new(&ours).unwrap();
        assert!(Argon2::default()
            .verify_password(b"correct horse battery", &parsed)
            .is_ok());
    }
}
