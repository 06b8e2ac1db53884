//! Accounts: users, passwords (argon2id), access and refresh tokens, sign-in limits, profiles,
//! roles, and email ownership (verification, address changes, password resets). Plain Rust over
//! SeaORM: no GraphQL or HTTP types.
pub mod authenticate;
pub mod budget;
pub mod email;
pub mod email_tokens;
pub mod fields;
mod mail;
pub mod password;
pub mod password_reset;
pub mod rate_limit;
pub mod revocations;
pub mod revoked_families;
pub mod roles;
pub mod service;
pub mod sessions;
pub mod tokens;

pub use service::Auth;
