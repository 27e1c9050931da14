//! A small typed Stripe client: the five calls payments make, form-encoded over the HTTP/TLS
//! stack the AWS SDK already links (hyper-util's pooled client, rustls on aws-lc-rs), with the
//! API version pinned, one bounded deadline per call, and `STRIPE_API_BASE` pointing it at
//! localstripe in development and tests.

use std::sync::Arc;
use std::time::Duration;

use bytes::Bytes;
use http_body_util::{BodyExt, Full};
use hyper_util::client::legacy::connect::HttpConnector;
use hyper_util::client::legacy::Client;
use hyper_util::rt::TokioExecutor;
use serde::de::DeserializeOwned;
use serde::Deserialize;

use crate::secrets::CachedKeyRing;

/// Every call names the API version it was written against, so a change of the account's
/// default version cannot change the shapes we read.
pub const STRIPE_VERSION: &str = "2024-06-20";
/// Stripe's answers are small; anything bigger is not an answer we understand.
const MAX_ANSWER_BYTES: usize = 256 * 1024;

#[derive(Debug, thiserror::Error)]
pub enum StripeError {
    /// No answer in time, a connection failure, or Stripe's own failure (5xx, 429).
    #[error("Stripe did not answer: {0}")]
    Unreachable(String),
    /// Stripe refused the request (4xx): its status, error code and message.
    #[error("Stripe refused the request ({status}): {message}")]
    Refused {
        status: u16,
        code: Option<String>,
        message: String,
    },
    #[error("Stripe's answer could not be read: {0}")]
    Invalid(String),
    #[error("the Stripe API key could not be loaded: {0}")]
    Key(String),
}

impl From<StripeError> for crate::ApiError {
    fn from(err: StripeError) -> Self {
        tracing::warn!(error = %err, "stripe call failed");
        crate::metrics::count("StripeFailures");
        crate::ApiError::unavailable("The payment provider is unavailable; try again shortly.")
    }
}

/// A PaymentIntent, the fields we read (Stripe adds fields freely: unknown ones are ignored).
#[derive(Debug, Clone, Deserialize, PartialEq, Eq)]
pub struct PaymentIntent {
    pub id: String,
    pub status: String,
    pub amount: i64,
    pub currency: String,
    #[serde(default)]
    pub client_secret: Option<String>,
}

#[derive(Debug, Clone, Deserialize, PartialEq, Eq)]
pub struct Refund {
    pub id: String,
    pub amount: i64,
}

#[derive(Deserialize)]
struct List<T> {
    data: Vec<T>,
}

#[derive(Deserialize)]
struct ErrorAnswer {
    error: ErrorBody,
}

#[derive(Deserialize)]
struct ErrorBody {
    #[serde(default)]
    code: Option<String>,
    #[serde(default)]
    message: Option<String>,
}

type Https = hyper_rustls::HttpsConnector<HttpConnector>;

#[derive(Clone)]
pub struct StripeClient {
    http: Client<Https, Full<Bytes>>,
    base: String,
    timeout: Duration,
    api_key: Arc<CachedKeyRing>,
}

impl std::fmt::Debug for StripeClient {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("StripeClient")
            .field("base", &self.base)
            .field("timeout", &self.timeout)
            .finish()
    }
}

impl StripeClient {
    /// `base` without a trailing slash; `timeout` bounds each call, connection included.
    pub fn new(base: &str, timeout: Duration, api_key: Arc<CachedKeyRing>) -> anyhow::Result<Self> {
        let mut http = HttpConnector::new();
        http.enforce_http(false);
        http.set_connect_timeout(Some(timeout.min(Duration::from_millis(1000))));
        http.set_nodelay(true);
        let https = hyper_rustls::HttpsConnectorBuilder::new()
            .with_provider_and_webpki_roots(rustls::crypto::aws_lc_rs::default_provider())?
            .https_or_http()
            .enable_http1()
            .wrap_connector(http);
        Ok(Self {
            http: Client::builder(TokioExecutor::new()).build(https),
            base: base.trim_end_matches('/').to_owned(),
            timeout,
            api_key,
        })
    }

    /// Creates the booking's PaymentIntent (ZAR, `amount_cents`, `metadata.booking_id`).
    pub async fn create_intent(
        &self,
        booking_id: &str,
        amount_cents: i64,
    ) -> Result<PaymentIntent, StripeError> {
        let form = [
            ("amount", amount_cents.to_string()),
            ("currency", "zar".to_owned()),
            ("metadata[booking_id]", booking_id.to_owned()),
        ];
        let key = format!("booking-{booking_id}-intent");
        self.call("POST", "/v1/payment_intents", Some(&form), Some(&key))
            .await
    }

    pub async fn intent(&self, id: &str) -> Result<PaymentIntent, StripeError> {
        self.call("GET", &format!("/v1/payment_intents/{id}"), None, None)
            .await
    }

    pub async fn cancel_intent(&self, id: &str) -> Result<PaymentIntent, StripeError> {
        let path = format!("/v1/payment_intents/{id}/cancel");
        self.call("POST", &path, Some(&[]), None).await
    }

    /// The refunds already made of an intent (newest first).
    pub async fn refunds_of(&self, intent_id: &str) -> Result<Vec<Refund>, StripeError> {
        let query = serde_urlencoded::to_string([("payment_intent", intent_id)])
            .map_err(|e| StripeError::Invalid(e.to_string()))?;
        let list: List<Refund> = self
            .call("GET", &format!("/v1/refunds?{query}"), None, None)
            .await?;
        Ok(list.data)
    }

    /// Refunds `amount_cents` of the booking's intent, with an idempotency key from the booking.
    pub async fn refund(
        &self,
        booking_id: &str,
        intent_id: &str,
        amount_cents: i64,
    ) -> Result<Refund, StripeError> {
        let form = [
            ("payment_intent", intent_id.to_owned()),
            ("amount", amount_cents.to_string()),
            ("metadata[booking_id]", booking_id.to_owned()),
        ];
        let key = format!("booking-{booking_id}-refund");
        self.call("POST", "/v1/refunds", Some(&form), Some(&key))
            .await
    }

    async fn call<T: DeserializeOwned>(
        &self,
        method: &str,
        path: &str,
        form: Option<&[(&str, String)]>,
        idempotency_key: Option<&str>,
    ) -> Result<T, StripeError> {
        let ring = self
            .api_key
            .get()
            .await
            .map_err(|e| StripeError::Key(format!("{e:#}")))?;
        let key = String::from_utf8_lossy(&ring.current.bytes).into_owned();
        let body = match form {
            Some(form) => serde_urlencoded::to_string(form)
                .map_err(|e| StripeError::Invalid(e.to_string()))?,
            None => String::new(),
        };
        let mut request = http::Request::builder()
            .method(method)
            .uri(format!("{}{path}", self.base))
            .header("authorization", format!("Bearer {key}"))
            .header("stripe-version", STRIPE_VERSION);
        if form.is_some() {
            request = request.header("content-type", "application/x-www-form-urlencoded");
        }
        if let Some(idempotency_key) = idempotency_key {
            request = request.header("idempotency-key", idempotency_key);
        }
        let request = request
            .body(Full::new(Bytes::from(body)))
            .map_err(|e| StripeError::Invalid(e.to_string()))?;
        let exchange = async {
            let response = self
                .http
                .request(request)
                .await
                .map_err(|e| StripeError::Unreachable(crate::error::chain(&e)))?;
            let status = response.status();
            let body = http_body_util::Limited::new(response.into_body(), MAX_ANSWER_BYTES)
                .collect()
                .await
                .map_err(|e| StripeError::Unreachable(e.to_string()))?
                .to_bytes();
            Ok::<_, StripeError>((status, body))
        };
        let (status, body) = tokio::time::timeout(self.timeout, exchange)
            .await
            .map_err(|_| {
                StripeError::Unreachable(format!("no answer within {:?}", self.timeout))
            })??;
        read_answer(status.as_u16(), &body)
    }
}

/// Stripe's answer: the object on 2xx; a refusal (4xx) or an outage (5xx, 429) otherwise.
fn read_answer<T: DeserializeOwned>(status: u16, body: &[u8]) -> Result<T, StripeError> {
    if (200..300).contains(&status) {
        return serde_json::from_slice(body).map_err(|e| StripeError::Invalid(e.to_string()));
    }
    if status >= 500 || status == 429 {
        return Err(StripeError::Unreachable(format!(
            "Stripe answered {status}"
        )));
    }
    let error = serde_json::from_slice::<ErrorAnswer>(body)
        .ok()
        .map(|a| a.error);
    Err(StripeError::Refused {
        status,
        code: error.as_ref().and_then(|e| e.code.clone()),
        message: error
            .and_then(|e| e.message)
            .unwrap_or_else(|| format!("status {status}")),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn answers_are_read_leniently_and_failures_told_apart() {
        let intent: PaymentIntent = read_answer(
            200,
            br#"{"id":"pi_1","status":"requires_payment_method","amount":45000,"currency":"zar","client_secret":"pi_1_secret_x","new_field":{"a":1}}"#,
        )
        .expect("an intent");
        assert_eq!(intent.amount, 45000);
        assert!(matches!(
            read_answer::<PaymentIntent>(503, b"oops"),
            Err(StripeError::Unreachable(_))
        ));
        assert!(matches!(
            read_answer::<PaymentIntent>(429, b"{}"),
            Err(StripeError::Unreachable(_))
        ));
        match read_answer::<PaymentIntent>(
            400,
            br#"{"error":{"code":"charge_already_refunded","message":"Already refunded"}}"#,
        ) {
            Err(StripeError::Refused { status, code, .. }) => {
                assert_eq!(status, 400);
                assert_eq!(code.as_deref(), Some("charge_already_refunded"));
            }
            other => panic!("expected a refusal, got {other:?}"),
        }
        assert!(matches!(
            read_answer::<PaymentIntent>(200, b"not json"),
            Err(StripeError::Invalid(_))
        ));
    }
}
