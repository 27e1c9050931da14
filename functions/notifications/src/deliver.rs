//! One notice, start to end: read what it is rendered with (the recipient, the booking), skip
//! the channels its receipts say are done, send the others, record each receipt after its
//! channel accepted the message, and remove the outbox item once every channel is done.

use anyhow::anyhow;

use shared::notices::texts::{self, Context};
use shared::notices::{Channel, Notice};
use shared::store::{bookings, notice_receipts, outbox, users};
use shared::AppState;

/// What the function builds once per cold start.
#[derive(Clone)]
pub struct Notifier {
    pub state: AppState,
    pub sns: aws_sdk_sns::Client,
}

impl Notifier {
    /// Clients only: no network call during init.
    pub async fn build(config: shared::Config) -> Self {
        let sdk = shared::aws::sdk_config(&config).await;
        let mut sns_config = aws_sdk_sns::config::Builder::from(&sdk);
        sns_config.set_endpoint_url(shared::aws::service_endpoint(
            &sdk,
            &config.aws_service_endpoints.sns,
        ));
        Self {
            state: AppState::build(config).await,
            sns: aws_sdk_sns::Client::from_conf(sns_config.build()),
        }
    }
}

/// Sends `notice` on each channel not yet done. `Err` when a channel failed (the queue
/// delivers it again; the channels that went are not repeated).
pub async fn deliver(notifier: &Notifier, notice: &Notice) -> anyhow::Result<()> {
    let state = &notifier.state;
    let (db, table) = (&state.aws.dynamodb, state.config.table_name.as_str());
    let Some(recipient) = users::get(db, table, &notice.user_id).await? else {
        // The account is gone (deleted as unverified): nobody to tell.
        tracing::info!(kind = notice.kind_name(), "notice dropped: no recipient");
        return outbox::remove(db, table, &notice.id).await;
    };
    let booking = match notice.booking_id() {
        None => None,
        Some(id) => match bookings::get(db, table, id).await? {
            Some(booking) => Some(booking),
            None => {
                tracing::warn!(kind = notice.kind_name(), "notice dropped: no booking");
                return outbox::remove(db, table, &notice.id).await;
            }
        },
    };
    let done = notice_receipts::sent_channels(db, table, &notice.id).await?;
    let ctx = Context {
        public_url: &state.config.public_url,
        recipient: &recipient,
        booking: booking.as_ref(),
    };
    let mut failure = None;
    for &channel in notice.channels() {
        if done.contains(&channel) {
            continue;
        }
        match send(notifier, notice, &ctx, channel).await {
            Ok(false) => {}
            Ok(true) => {
                notice_receipts::record(db, table, &notice.id, channel, state.clock.now()).await?;
            }
            Err(err) => {
                tracing::error!(kind = notice.kind_name(), channel = channel.as_str(), error = %format!("{err:#}"), "notice not sent");
                shared::metrics::count(match channel {
                    Channel::Email => "EmailsFailed",
                    Channel::Sms => "SmsFailed",
                });
                failure.get_or_insert(err);
            }
        }
    }
    match failure {
        Some(err) => Err(err),
        None => outbox::remove(db, table, &notice.id).await,
    }
}

/// Sends one channel's message; `Ok(false)` when the notice has none for this recipient.
async fn send(
    notifier: &Notifier,
    notice: &Notice,
    ctx: &Context<'_>,
    channel: Channel,
) -> anyhow::Result<bool> {
    match channel {
        Channel::Email => {
            let Some(email) = texts::email_of(notice, ctx) else {
                return Ok(false);
            };
            notifier
                .state
                .mailer
                .send(email)
                .await
                .map_err(|err| anyhow!("the email was not sent: {err}"))?;
            shared::metrics::count("EmailsSent");
        }
        Channel::Sms => {
            let Some(sms) = texts::sms_of(notice, ctx).filter(|_| wants_sms(notice, ctx)) else {
                return Ok(false);
            };
            crate::sms::publish(&notifier.sns, &sms).await?;
            shared::metrics::count("SmsSent");
        }
    }
    Ok(true)
}

/// Booking news goes by SMS unless the recipient opted out; a phone code always does (it is
/// the only way to confirm the number).
fn wants_sms(notice: &Notice, ctx: &Context<'_>) -> bool {
    matches!(notice.kind, shared::notices::NoticeKind::PhoneCode { .. })
        || ctx.recipient.sms_notifications
}
