//! What the account mails say: verify an address, confirm a new one, the notice to the old one,
//! and a password reset. Each link carries a token whose hash only is stored. They speak to a
//! person, who follows a link to the web app's page, never of API operations.
use crate::mail::{Mailer, Outgoing};

/// Asks `to` to prove it is theirs (after sign-up, or on `resendVerificationEmail`).
pub fn send_verification(mailer: &Mailer, to: &str, token: &str) {
    let link = mailer.link(&format!("/verify-email?token={token}"));
    mailer.send(Outgoing {
        to: to.to_owned(),
        subject: "Verify your email address for roadmap-api".to_owned(),
        body: format!(
            "Follow this link to verify that this address is yours:\n\n{link}\n\nThe link \
             works once, for 48 hours. If you did not sign up, ignore this mail.\n"
        ),
    });
}

/// Asks the new address to confirm an address change.
pub fn send_change_confirmation(mailer: &Mailer, to: &str, token: &str) {
    let link = mailer.link(&format!("/verify-email?token={token}"));
    mailer.send(Outgoing {
        to: to.to_owned(),
        subject: "Confirm your new email address for roadmap-api".to_owned(),
        body: format!(
            "Follow this link to make this address the one of your account:\n\n{link}\n\n\
             The link works once, for 24 hours. Until then your account keeps its current \
             address.\n"
        ),
    });
}

/// Tells the current address that a change to another one was asked for.
pub fn send_change_notice(mailer: &Mailer, to: &str, new_email: &str) {
    let reset = mailer.link("/reset-password");
    mailer.send(Outgoing {
        to: to.to_owned(),
        subject: "Your roadmap-api email address is about to change".to_owned(),
        body: format!(
            "Someone signed in to your account asked to change its address to {new_email}. \
             The change takes effect when the link mailed to that address is followed.\n\n\
             If this was not you, reset your password now (\"Forgot your password?\" on the \
             sign-in page, {reset}) and the link stops working.\n"
        ),
    });
}

/// Mails a password reset link.
pub fn send_reset(mailer: &Mailer, to: &str, token: &str) {
    let link = mailer.link(&format!("/reset-password?token={token}"));
    mailer.send(Outgoing {
        to: to.to_owned(),
        subject: "Reset your roadmap-api password".to_owned(),
        body: format!(
            "Follow this link to choose a new password:\n\n{link}\n\nThe link works once, \
             for 1 hour. Setting a new password signs you out everywhere. If you did not ask \
             for this, ignore this mail.\n"
        ),
    });
}
