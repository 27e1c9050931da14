//! localstripe for `make run` and the tests: the function environment that points Stripe at
//! it, the webhook registration, and the steps to pay a demo booking.

use std::collections::BTreeMap;

use anyhow::{bail, Context};

use shared::AppState;

/// The event types the API applies (localstripe sends only the first two).
pub const WEBHOOK_EVENTS: [&str; 4] = [
    "payment_intent.succeeded",
    "payment_intent.payment_failed",
    "payment_intent.processing",
    "charge.refunded",
];

/// `STRIPE_*` for a function against localstripe at `api_base`, with secrets named by `prefix`.
pub fn stripe_vars(api_base: &str, prefix: &str) -> BTreeMap<String, String> {
    [
        ("STRIPE_API_BASE", api_base.to_owned()),
        (
            "STRIPE_SECRET_KEY_ID",
            format!("{prefix}/stripe-secret-key"),
        ),
        (
            "STRIPE_WEBHOOK_SECRET_ID",
            format!("{prefix}/stripe-webhook-secret"),
        ),
    ]
    .into_iter()
    .map(|(k, v)| (k.to_owned(), v))
    .collect()
}

/// Registers `webhook_url` at localstripe as webhook `id`, signed with the app's current
/// webhook secret (`POST /_config/webhooks/<id>`).
pub async fn register_webhook(
    state: &AppState,
    localstripe: &str,
    id: &str,
    webhook_url: &str,
) -> anyhow::Result<()> {
    let payments = state
        .payments
        .as_deref()
        .context("the app has no Stripe settings")?;
    let ring = payments.webhook_secrets.get().await?;
    let secret =
        String::from_utf8(ring.current.bytes.clone()).context("the webhook secret is not text")?;
    let mut form = vec![
        ("url".to_owned(), webhook_url.to_owned()),
        ("secret".to_owned(), secret),
    ];
    // localstripe reads `events[0]=…&events[1]=…` as a list.
    for (i, event) in WEBHOOK_EVENTS.iter().enumerate() {
        form.push((format!("events[{i}]"), (*event).to_owned()));
    }
    let response = reqwest::Client::new()
        .post(format!("{localstripe}/_config/webhooks/{id}"))
        .form(&form)
        .send()
        .await
        .context("Failed to reach localstripe")?;
    if !response.status().is_success() {
        bail!("localstripe refused the webhook: {}", response.status());
    }
    Ok(())
}

/// What the card form does, as `curl` against localstripe (any `sk_` key is accepted there).
pub fn demo_payment_steps(api: &str, localstripe: &str) -> String {
    format!(
        "  Pay a demo booking (as a demo student; localstripe is the card form):\n\
         \x20   1. POST {api}/bookings/<id>/payment  (bearer token)  -> payment_intent_id pi_…\n\
         \x20   2. curl -su sk_test_local: {localstripe}/v1/payment_methods -d type=card \\\n\
         \x20        -d 'card[number]=4242424242424242' -d 'card[exp_month]=12' \\\n\
         \x20        -d 'card[exp_year]=2030' -d 'card[cvc]=123'          -> pm_…\n\
         \x20   3. curl -su sk_test_local: {localstripe}/v1/payment_intents/pi_… -d payment_method=pm_…\n\
         \x20   4. curl -su sk_test_local: -X POST {localstripe}/v1/payment_intents/pi_…/confirm\n\
         \x20   localstripe then sends the signed webhook; GET {api}/bookings/<id> shows \"paid\".\n"
    )
}
