//! Accounts: users, passwords (argon2id), access and refresh tokens, sign-in limits, profiles and
//! roles. Plain Rust over SeaORM: no GraphQL or HTTP types.
pub mod budget;
pub mod fields;
pub mod password;
pub mod rate_limit;
pub mod revocations;
pub mod roles;
pub mod service;
pub mod tokens;

pub use service::Auth;
