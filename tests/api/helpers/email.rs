//! What the email-ownership tests share: waiting for a mail in the SMTP sink, reading the token of
//! its link, marking an address verified as following the mailed link would, and reading stored
//! strings.
use std::time::Duration;

use super::smtp::{Mail, SmtpSink};
use super::{eventually, sql, TestApp};

pub const VERIFY_EMAIL: &str =
    "mutation Verify($t: String!) { verifyEmail(token: $t) { username email emailVerified } }";
pub const RESEND: &str = "mutation Resend { resendVerificationEmail }";
pub const ME_EMAIL: &str = "query MeEmail { me { email emailVerified } }";
pub const CHANGE_EMAIL: &str = "mutation Change($e: String!, $p: String!) {
    changeEmail(input: { newEmail: $e, password: $p }) }";
pub const REQUEST_RESET: &str =
    "mutation RequestReset($e: String!) { requestPasswordReset(email: $e) }";
pub const RESET: &str = "mutation Reset($t: String!, $p: String!) {
    resetPassword(input: { token: $t, newPassword: $p }) }";
pub const ACCEPT_BY_TOKEN: &str =
    "mutation AcceptByToken($t: String!) { acceptTeamInvite(token: $t) { id name myRole } }";

/// The mails to `to` whose subject contains `subject`, once there are `n` of them (fails after
/// 20 s).
pub async fn mails_to(sink: &SmtpSink, to: &str, subject: &str, n: usize) -> Vec<Mail> {
    let matching = || {
        sink.received()
            .into_iter()
            .filter(|m| m.to.iter().any(|t| t == to) && text_of(m).contains(subject))
            .collect::<Vec<_>>()
    };
    assert!(
        eventually(Duration::from_secs(20), || async { matching().len() >= n }).await,
        "{n} mail(s) to {to} about {subject:?} did not arrive; got {:?}",
        sink.received()
    );
    matching()
}

/// A mail's headers and body as text, with a quoted-printable body decoded (lettre encodes a
/// body with long lines so). Written here: ten lines, for the tests' ASCII mail only.
pub fn text_of(mail: &Mail) -> String {
    if !mail
        .data
        .contains("Content-Transfer-Encoding: quoted-printable")
    {
        return mail.data.clone();
    }
    let joined = mail.data.replace("=\r\n", "");
    let mut out = String::new();
    let mut rest = joined.as_str();
    while let Some(i) = rest.find('=') {
        out.push_str(&rest[..i]);
        match u8::from_str_radix(rest.get(i + 1..i + 3).unwrap_or("zz"), 16) {
            Ok(b) => {
                out.push(b as char);
                rest = &rest[i + 3..];
            }
            Err(_) => {
                out.push('=');
                rest = &rest[i + 1..];
            }
        }
    }
    out.push_str(rest);
    out
}

/// The token of the one link (`token=`) in a mail.
pub fn token_of(mail: &Mail) -> String {
    let text = text_of(mail);
    let at = text.find("token=").expect("a link with a token") + "token=".len();
    text[at..]
        .chars()
        .take_while(|c| c.is_ascii_alphanumeric() || *c == '-' || *c == '_')
        .collect()
}

/// The token of the latest mail to `to` about `subject`.
pub async fn latest_token(sink: &SmtpSink, to: &str, subject: &str) -> String {
    token_of(mails_to(sink, to, subject, 1).await.last().unwrap())
}

/// Marks `email` verified, as following the mailed verification link would (for tests whose
/// subject is not verification).
pub async fn verify_by_sql(app: &TestApp, email: &str) {
    sql(
        app,
        &format!("UPDATE users SET email_verified_at = created_at WHERE email = '{email}'"),
    )
    .await;
}

/// SHA-256 of a token, hex: what the server may store for it.
pub fn sha256_hex(token: &str) -> String {
    use sha2::Digest;
    hex::encode(sha2::Sha256::digest(token.as_bytes()))
}

/// The first column of every row of `query`, as text.
pub async fn strings(app: &TestApp, query: &str) -> Vec<String> {
    use sea_orm::ConnectionTrait;
    let db = app.db.connect().await;
    let rows = db
        .query_all(sea_orm::Statement::from_string(
            db.get_database_backend(),
            query.to_owned(),
        ))
        .await
        .unwrap();
    db.close().await.ok();
    rows.iter()
        .map(|r| {
            r.try_get_by_index::<Option<String>>(0)
                .unwrap()
                .unwrap_or_default()
        })
        .collect()
}

/// Runs an anonymous request that must succeed; returns `data`.
pub async fn anon_ok(app: &TestApp, query: &str, vars: serde_json::Value) -> serde_json::Value {
    let body = app.gql(query, vars).await;
    assert!(body.get("errors").is_none(), "unexpected errors: {body}");
    body["data"].clone()
}

/// Runs an anonymous request that must fail; returns (code, field, message) of the first error.
pub async fn anon_fails(
    app: &TestApp,
    query: &str,
    vars: serde_json::Value,
) -> (String, String, String) {
    let body = app.gql(query, vars).await;
    let e = &body["errors"][0];
    assert!(e.is_object(), "expected an error: {body}");
    let s = |v: &serde_json::Value| v.as_str().unwrap_or("").to_owned();
    (
        s(&e["extensions"]["code"]),
        s(&e["extensions"]["field"]),
        s(&e["message"]),
    )
}
