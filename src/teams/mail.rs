//! What an invitation mail says. The invitee answers by signing in with a verified account of
//! that address, or by following the link, whose token proves they received the mail.
use chrono::{DateTime, Utc};

use crate::mail::{Mailer, Outgoing};

/// An invitation to write.
#[derive(Debug, Clone)]
pub struct InviteMail {
    pub to: String,
    pub team_name: String,
    pub inviter_name: String,
    /// The invite's global id, for the link.
    pub invite_key: String,
    /// The invite's own token (only its hash is stored).
    pub token: String,
    pub expires_at: DateTime<Utc>,
}

/// Sends (or logs) the invitation.
pub fn send_invite(mailer: &Mailer, mail: InviteMail) {
    let inviter = if mail.inviter_name.is_empty() {
        "Someone"
    } else {
        mail.inviter_name.as_str()
    };
    let link = mailer.link(&format!(
        "/teams/invites/{}?token={}",
        mail.invite_key, mail.token
    ));
    let body = format!(
        "{inviter} invited you to join the team \"{team}\".\n\n\
         Follow this link to accept (acceptTeamInvite with its token), or sign in with this \
         email address, once verified, to accept or decline:\n\n{link}\n\n\
         The invitation expires on {expires}.\n",
        team = mail.team_name,
        expires = mail.expires_at.format("%Y-%m-%d %H:%M UTC"),
    );
    mailer.send(Outgoing {
        to: mail.to,
        subject: format!("Join the team {} on roadmap-api", mail.team_name),
        body,
    });
}
