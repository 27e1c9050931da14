//! The texts of the emails this group sends. Links are built from the configured public URL,
//! never from the request's Host header.

use shared::mail::OutgoingEmail;
use shared::AppState;

pub fn verification(public_url: &str, to: &str, first_name: &str, token: &str) -> OutgoingEmail {
    OutgoingEmail {
        to: to.to_owned(),
        subject: "Verify your Drive Alive email address".into(),
        text: format!(
            "Hi {first_name},\n\nWelcome to Drive Alive. Confirm your email address to start \
             booking lessons:\n\n{public_url}/verify?token={token}\n\nThe link works once and \
             expires in 24 hours. If you did not sign up, ignore this email.\n"
        ),
    }
}

pub fn registration_attempt(public_url: &str, to: &str, first_name: &str) -> OutgoingEmail {
    OutgoingEmail {
        to: to.to_owned(),
        subject: "Someone tried to register with your Drive Alive details".into(),
        text: format!(
            "Hi {first_name},\n\nSomeone tried to create a Drive Alive account with the email \
             address or phone number of your account. Your account is unchanged and no new one \
             was made. If it was you, sign in instead; if you forgot your password, reset it \
             at:\n\n{public_url}/reset-password\n\nIf it was not you, you can ignore this \
             email.\n"
        ),
    }
}

pub fn password_reset(public_url: &str, to: &str, first_name: &str, token: &str) -> OutgoingEmail {
    OutgoingEmail {
        to: to.to_owned(),
        subject: "Reset your Drive Alive password".into(),
        text: format!(
            "Hi {first_name},\n\nSomeone asked to reset the password of your Drive Alive \
             account. To choose a new one, open:\n\n{public_url}/reset-password?token={token}\n\n\
             The link works once and expires in 1 hour. If it was not you, ignore this email; \
             your password stays as it is.\n"
        ),
    }
}

/// Sends and logs the outcome; the caller's response does not depend on delivery (the user
/// can ask again), but a failure is visible in the logs and metrics.
pub async fn deliver(state: &AppState, email: OutgoingEmail, kind: &'static str) {
    if let Err(err) = state.mailer.send(email).await {
        tracing::error!(kind, error = %err, "email not sent");
        shared::metrics::count("EmailsFailed");
    }
}
