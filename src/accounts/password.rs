//! Password policy and argon2id hashing. Hashing runs on the blocking pool, never on async workers.
use std::collections::HashSet;
use std::sync::OnceLock;

use argon2::password_hash::rand_core::OsRng;
use argon2::password_hash::{PasswordHash, PasswordHasher, PasswordVerifier, SaltString};
use argon2::{Algorithm, Argon2, Params, Version};

use crate::error::AppError;

pub const MIN_LEN: usize = 8;
pub const MAX_LEN: usize = 128;

/// OWASP's minimum for argon2id: 19 MiB, 2 iterations, 1 lane.
fn hasher() -> Argon2<'static> {
    let params = Params::new(19 * 1024, 2, 1, None).unwrap_or_default();
    Argon2::new(Algorithm::Argon2id, Version::V0x13, params)
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
pub fn check_policy(field: &str, password: &str, personal: &[&str]) -> Result<(), AppError> {
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
                tracing::error!(error = %e, "cannot start a password hashing thread");
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
        hasher()
            .hash_password(password.as_bytes(), &salt)
            .map(|h| h.to_string())
            .map_err(|e| AppError::internal(format!("password hashing failed: {e}")))
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
                hasher()
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
        assert!(check_policy("p", "short", &[]).is_err());
        assert!(check_policy("p", &"x".repeat(129), &[]).is_err());
        assert!(check_policy("p", "Password123", &[]).is_err());
        assert!(check_policy("p", "alice-the-great", &["Alice-The-Great"]).is_err());
        assert!(check_policy("p", "correct horse battery", &["alice"]).is_ok());
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
}
