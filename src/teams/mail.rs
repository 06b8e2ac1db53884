//! Invitation mail. When `SMTP_URL` is set, an invite is also mailed to the invitee with a link
//! to answer it; the mail is sent after the invite is committed, in a task of its own, so a slow
//! or unreachable mail server neither delays nor fails the mutation (the failure is logged and
//! the invite still shows in the invitee's `me.teamInvites`).
use std::time::Duration;

use chrono::{DateTime, Utc};
use lettre::message::header::ContentType;
use lettre::message::Mailbox;
use lettre::{AsyncSmtpTransport, AsyncTransport, Message, Tokio1Executor};

/// Longest a mail server may take to answer, per connection attempt.
const SMTP_TIMEOUT: Duration = Duration::from_secs(15);

/// Sends invitation mail, or nothing when no mail server is configured.
pub struct Mailer {
    transport: Option<AsyncSmtpTransport<Tokio1Executor>>,
    from: Mailbox,
    base_url: String,
}

/// What an invitation mail says.
#[derive(Debug, Clone)]
pub struct InviteMail {
    pub to: String,
    pub team_name: String,
    pub inviter_name: String,
    /// Where the invitee answers, built with [`Mailer::link`].
    pub link: String,
    pub expires_at: DateTime<Utc>,
}

impl Mailer {
    /// A mailer for `smtp_url` (`smtp://host:port` is plain SMTP; `smtp://…?tls=required` uses
    /// STARTTLS and `smtps://` TLS; user and password may be given in the URL), sending as
    /// `from`, with links under `base_url`. `None` sends nothing. The message names the setting
    /// at fault.
    pub fn new(smtp_url: Option<&str>, from: &str, base_url: &str) -> Result<Self, String> {
        let from: Mailbox = from
            .trim()
            .parse()
            .map_err(|e| format!("SMTP_FROM: `{from}` is not a mail address ({e})"))?;
        let base = base_url.trim().trim_end_matches('/');
        if !(base.starts_with("http://") || base.starts_with("https://")) {
            return Err(format!(
                "PUBLIC_BASE_URL: `{base_url}` is not an http(s) URL like https://roadmap.example"
            ));
        }
        let transport = match smtp_url.map(str::trim).filter(|u| !u.is_empty()) {
            None => None,
            Some(url) => Some(
                AsyncSmtpTransport::<Tokio1Executor>::from_url(url)
                    .map_err(|e| format!("SMTP_URL: not a usable SMTP URL ({e})"))?
                    .timeout(Some(SMTP_TIMEOUT))
                    .build(),
            ),
        };
        Ok(Self {
            transport,
            from,
            base_url: base.to_owned(),
        })
    }

    /// A mailer that sends nothing (no `SMTP_URL`).
    pub fn disabled() -> Self {
        Self {
            transport: None,
            from: Mailbox::new(
                None,
                "roadmap-api@localhost".parse().expect("valid address"),
            ),
            base_url: "http://127.0.0.1:8000".to_owned(),
        }
    }

    pub fn is_enabled(&self) -> bool {
        self.transport.is_some()
    }

    /// The link an invitee follows to answer the invite whose global id is `invite_key`.
    pub fn link(&self, invite_key: &str) -> String {
        format!("{}/teams/invites/{invite_key}", self.base_url)
    }

    /// Sends the mail in a task of its own; failures are logged, never returned.
    pub fn send_invite(&self, mail: InviteMail) {
        let Some(transport) = self.transport.clone() else {
            return;
        };
        let message = match compose(&self.from, &mail) {
            Ok(m) => m,
            Err(e) => {
                tracing::warn!(error = %e, "could not write the invitation mail");
                return;
            }
        };
        tokio::spawn(async move {
            match transport.send(message).await {
                Ok(_) => tracing::info!("invitation mail sent"),
                Err(e) => tracing::warn!(error = %e, "could not send the invitation mail"),
            }
        });
    }
}

fn compose(from: &Mailbox, mail: &InviteMail) -> Result<Message, String> {
    let to: Mailbox = mail.to.parse().map_err(|e| format!("recipient: {e}"))?;
    let inviter = if mail.inviter_name.is_empty() {
        "Someone"
    } else {
        mail.inviter_name.as_str()
    };
    let body = format!(
        "{inviter} invited you to join the team \"{team}\".\n\n\
         Sign in with this email address to accept or decline:\n\n{link}\n\n\
         The invitation expires on {expires}.\n",
        team = mail.team_name,
        link = mail.link,
        expires = mail.expires_at.format("%Y-%m-%d %H:%M UTC"),
    );
    Message::builder()
        .from(from.clone())
        .to(to)
        .subject(format!("Join the team {} on roadmap-api", mail.team_name))
        .header(ContentType::TEXT_PLAIN)
        .body(body)
        .map_err(|e| e.to_string())
}
