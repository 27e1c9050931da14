//! A pass-through proxy in front of the AWS emulator that fails chosen operations while the rest
//! keep working: DynamoDB reads answer while `TransactWriteItems` is dropped, or KMS is
//! black-holed while DynamoDB and Secrets Manager answer. Operations are told apart by their
//! `X-Amz-Target` header (`DynamoDB_20120810.TransactWriteItems`, `TrentService.Encrypt`, ...);
//! in front of localstripe, by method and path (`POST /v1/refunds`).
//! A dropped or hung request never reaches the emulator, so whatever it would have written is
//! not there; a lost answer is the opposite case: the emulator acted, the caller never heard.
//! A delayed request is held a fixed time, then carried out as usual: with every call delayed,
//! a route's latency divided by the delay is the number of its calls made one after another.

use std::convert::Infallible;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex};

use http_body_util::{BodyExt, Full};
use hyper::body::{Bytes, Incoming};
use hyper::{Request, Response};

/// `X-Amz-Target` prefixes of the operations tests break.
pub const DYNAMODB_TRANSACT_WRITE: &str = "DynamoDB_20120810.TransactWriteItems";
pub const DYNAMODB_UPDATE_ITEM: &str = "DynamoDB_20120810.UpdateItem";
pub const KMS: &str = "TrentService.";

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Fault {
    /// The connection is closed without an answer, as by a crashed or restarted peer: the SDK
    /// sees a dispatch failure (and retries).
    Drop,
    /// The request is never answered, as behind a dropped route: the SDK's timeout ends it.
    Hang,
    /// The request reaches the emulator and is carried out, then the connection is closed
    /// before the answer: the SDK retries something that already happened.
    LoseAnswer,
    /// The request is carried out and its answer withheld until the SDK's timeout ends the
    /// call: the caller gives up on something that already happened.
    ApplyThenHang,
    /// The request is held this long, then forwarded and answered as usual (a far-away
    /// service): concurrent requests are held side by side, not one after another.
    Delay(std::time::Duration),
}

struct Rule {
    target_prefix: String,
    fault: Fault,
    /// How many more requests it fails; `None` for all of them.
    remaining: Option<u32>,
}

/// Why a connection was closed unanswered (hyper closes it when the service fails).
#[derive(Debug)]
struct Dropped;

impl std::fmt::Display for Dropped {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("connection dropped by the fault proxy")
    }
}

impl std::error::Error for Dropped {}

#[derive(Default)]
struct Faults {
    rules: Mutex<Vec<Rule>>,
    failed: AtomicU64,
}

impl Faults {
    /// The fault for this request, if a rule matches; a counted rule is used up by it.
    fn take_for_target(&self, target: &str) -> Option<Fault> {
        let mut rules = self.rules.lock().unwrap_or_else(|e| e.into_inner());
        let position = rules.iter().position(|rule| {
            target.starts_with(rule.target_prefix.as_str()) && rule.remaining != Some(0)
        })?;
        let rule = &mut rules[position];
        if let Some(remaining) = rule.remaining.as_mut() {
            *remaining -= 1;
        }
        Some(rule.fault)
    }
}

pub struct FaultProxy {
    pub url: String,
    faults: Arc<Faults>,
    server: tokio::task::JoinHandle<()>,
}

impl FaultProxy {
    /// Starts forwarding everything to `upstream` (the emulator's URL).
    pub async fn start(upstream: String) -> Self {
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
            .await
            .expect("bind the fault proxy");
        let url = format!("http://{}", listener.local_addr().expect("proxy address"));
        let faults = Arc::new(Faults::default());
        let client = reqwest::Client::new();
        let shared = faults.clone();
        let server = tokio::spawn(async move {
            while let Ok((stream, _)) = listener.accept().await {
                let (faults, client, upstream) = (shared.clone(), client.clone(), upstream.clone());
                tokio::spawn(async move {
                    let service = hyper::service::service_fn(move |request| {
                        forward(faults.clone(), client.clone(), upstream.clone(), request)
                    });
                    let _ = hyper::server::conn::http1::Builder::new()
                        .serve_connection(hyper_util::rt::TokioIo::new(stream), service)
                        .await;
                });
            }
        });
        Self {
            url,
            faults,
            server,
        }
    }

    /// From now on, fails every operation whose `X-Amz-Target` starts with `target_prefix`.
    pub fn fail(&self, target_prefix: &str, fault: Fault) {
        self.add_rule(target_prefix, fault, None);
    }

    /// Fails only the next `times` operations whose `X-Amz-Target` starts with
    /// `target_prefix`; later ones go through.
    pub fn fail_next(&self, target_prefix: &str, fault: Fault, times: u32) {
        self.add_rule(target_prefix, fault, Some(times));
    }

    fn add_rule(&self, target_prefix: &str, fault: Fault, remaining: Option<u32>) {
        self.faults
            .rules
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .push(Rule {
                target_prefix: target_prefix.to_owned(),
                fault,
                remaining,
            });
    }

    /// Lets everything through again.
    pub fn heal(&self) {
        self.faults
            .rules
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .clear();
    }

    /// How many requests were failed so far (SDK retries included; delayed ones are not failed).
    pub fn failed_requests(&self) -> u64 {
        self.faults.failed.load(Ordering::SeqCst)
    }
}

impl Drop for FaultProxy {
    fn drop(&mut self) {
        self.server.abort();
    }
}

const HOP_BY_HOP: [&str; 4] = ["host", "content-length", "connection", "transfer-encoding"];

async fn forward(
    faults: Arc<Faults>,
    client: reqwest::Client,
    upstream: String,
    request: Request<Incoming>,
) -> Result<Response<Full<Bytes>>, Dropped> {
    // Requests without an AWS target (Stripe's, in front of localstripe) are told apart by
    // `<METHOD> <path>` ("POST /v1/refunds").
    let target = match request
        .headers()
        .get("x-amz-target")
        .and_then(|v| v.to_str().ok())
    {
        Some(target) => target.to_owned(),
        None => format!("{} {}", request.method(), request.uri().path()),
    };
    let fault = faults.take_for_target(&target);
    if fault.is_some_and(|f| !matches!(f, Fault::Delay(_))) {
        faults.failed.fetch_add(1, Ordering::SeqCst);
    }
    match fault {
        Some(Fault::Drop) => return Err(Dropped),
        Some(Fault::Hang) => {
            std::future::pending::<Infallible>().await;
        }
        Some(Fault::Delay(delay)) => tokio::time::sleep(delay).await,
        Some(Fault::LoseAnswer | Fault::ApplyThenHang) | None => {}
    }
    let (parts, body) = request.into_parts();
    let body = body.collect().await.map_err(|_| Dropped)?.to_bytes();
    let path = parts
        .uri
        .path_and_query()
        .map(|p| p.as_str())
        .unwrap_or("/");
    let mut upstream_request = client
        .request(parts.method, format!("{upstream}{path}"))
        .body(body);
    for (name, value) in &parts.headers {
        if !HOP_BY_HOP.contains(&name.as_str()) {
            upstream_request = upstream_request.header(name, value);
        }
    }
    // An emulator that does not answer makes the proxy drop the connection too.
    let answer = upstream_request.send().await.map_err(|_| Dropped)?;
    let mut response = Response::builder().status(answer.status());
    for (name, value) in answer.headers() {
        if !HOP_BY_HOP.contains(&name.as_str()) {
            response = response.header(name, value);
        }
    }
    let bytes = answer.bytes().await.map_err(|_| Dropped)?;
    match fault {
        Some(Fault::LoseAnswer) => return Err(Dropped),
        Some(Fault::ApplyThenHang) => {
            std::future::pending::<Infallible>().await;
        }
        _ => {}
    }
    response.body(Full::new(bytes)).map_err(|_| Dropped)
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::time::{Duration, Instant};

    /// An upstream that answers every request with its `X-Amz-Target`.
    async fn echo_upstream() -> String {
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
            .await
            .expect("bind the upstream");
        let url = format!("http://{}", listener.local_addr().expect("address"));
        let app = axum::Router::new().fallback(|headers: axum::http::HeaderMap| async move {
            headers
                .get("x-amz-target")
                .and_then(|v| v.to_str().ok())
                .unwrap_or_default()
                .to_owned()
        });
        tokio::spawn(async move {
            let _ = axum::serve(listener, app).await;
        });
        url
    }

    async fn call(proxy: &FaultProxy, target: &str) -> (String, Duration) {
        let started = Instant::now();
        let answer = reqwest::Client::new()
            .post(&proxy.url)
            .header("x-amz-target", target)
            .send()
            .await
            .expect("an answer")
            .text()
            .await
            .expect("a body");
        (answer, started.elapsed())
    }

    #[tokio::test]
    async fn a_delayed_request_is_held_then_answered_and_others_are_not_failed() {
        let proxy = FaultProxy::start(echo_upstream().await).await;
        let delay = Duration::from_millis(150);
        proxy.fail("Slow.", Fault::Delay(delay));

        let (answer, took) = call(&proxy, "Slow.Op").await;
        assert_eq!(answer, "Slow.Op", "forwarded after the delay");
        assert!(took >= delay, "held {took:?}");
        let (answer, _) = call(&proxy, "Fast.Op").await;
        assert_eq!(answer, "Fast.Op");
        assert_eq!(proxy.failed_requests(), 0, "a delay is not a failure");

        proxy.heal();
        proxy.fail_next("Slow.", Fault::Delay(delay), 1);
        let (_, took) = call(&proxy, "Slow.Op").await;
        assert!(took >= delay, "the counted rule holds once");
        assert_eq!(call(&proxy, "Slow.Op").await.0, "Slow.Op");
    }
}
