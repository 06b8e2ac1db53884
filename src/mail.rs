//! Outgoing mail (foundation): team invitations, address verification, address changes and
//! password resets. With `SMTP_URL` set, each mail is sent through that server in a task of its
//! own, after the writing transaction committed, so a slow or unreachable mail server neither
//! delays nor fails the mutation (the failure is logged). Without `SMTP_URL` (development) each
//! mail, links included, is written to the log at INFO level instead of being sent.
use std::time::Duration;

use lettre::message::header::ContentType;
use lettre::message::Mailbox;
use lettre::{AsyncSmtpTransport, AsyncTransport, Message, Tokio1Executor};
use secrecy::ExposeSecret;

use crate::config::MailSettings;

/// Longest a mail server may take to answer, per connection attempt.
const SMTP_TIMEOUT: Duration = Duration::from_secs(15);

/// The mail settings cannot be used; the message names the setting, the source says why.
#[derive(Debug, thiserror::Error)]
pub enum MailError {
    #[error("SMTP_URL: not a usable SMTP URL")]
    SmtpUrl(#[source] lettre::transport::smtp::Error),
}

/// One plain-text mail to one address.
#[derive(Debug, Clone)]
pub struct Outgoing {
    pub to: String,
    pub subject: String,
    pub body: String,
}

/// Sends mail through `SMTP_URL`, or writes it to the log when none is configured.
pub struct Mailer {
    transport: Option<AsyncSmtpTransport<Tokio1Executor>>,
    from: Mailbox,
    base_url: String,
}

impl Mailer {
    /// A mailer for `settings.smtp_url` (`smtp://host:port` is plain SMTP; `smtp://…?tls=required`
    /// uses STARTTLS and `smtps://` TLS; user and password may be given in the URL), sending as
    /// `from`, with links under `public_base_url`. No SMTP URL writes mail to the log. The message
    /// names the setting at fault.
    pub fn new(settings: &MailSettings) -> Result<Self, MailError> {
        let transport = match &settings.smtp_url {
            None => {
                tracing::info!("SMTP_URL is unset: mail is written to the log, not sent");
                None
            }
            Some(url) => Some(
                AsyncSmtpTransport::<Tokio1Executor>::from_url(url.expose_secret().trim())
                    .map_err(MailError::SmtpUrl)?
                    .timeout(Some(SMTP_TIMEOUT))
                    .build(),
            ),
        };
        Ok(Self {
            transport,
            from: settings.from.clone(),
            base_url: settings
                .public_base_url
                .as_str()
                .trim_end_matches('/')
                .to_owned(),
        })
    }

    /// `path` (starting with `/`) under `PUBLIC_BASE_URL`, for links in mail.
    pub fn link(&self, path: &str) -> String {
        format!("{}{path}", self.base_url)
    }

    /// Sends the mail in a task of its own (or logs it); failures are logged, never returned.
    pub fn send(&self, mail: Outgoing) {
        let Some(transport) = self.transport.clone() else {
            tracing::info!(to = %mail.to, subject = %mail.subject, body = %mail.body,
                "mail not sent (no SMTP_URL)");
            return;
        };
        let message = match compose(&self.from, &mail) {
            Ok(m) => m,
            Err(e) => {
                tracing::warn!(error = %e, subject = %mail.subject, "could not write a mail");
                return;
            }
        };
        tokio::spawn(async move {
            match transport.send(message).await {
                Ok(_) => tracing::info!(subject = %mail.subject, "mail sent"),
                Err(e) => {
                    tracing::warn!(error = %crate::error::chain(&e), subject = %mail.subject, "could not send a mail")
                }
            }
        });
    }
}

fn compose(from: &Mailbox, mail: &Outgoing) -> Result<Message, String> {
    let to: Mailbox = mail.to.parse().map_err(|e| format!("recipient: {e}"))?;
    Message::builder()
        .from(from.clone())
        .to(to)
        .subject(mail.subject.clone())
        .header(ContentType::TEXT_PLAIN)
        .body(mail.body.clone())
        .map_err(|e| e.to_string())
}
