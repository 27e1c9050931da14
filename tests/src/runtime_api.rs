//! A Lambda Runtime API (2018-06-01) on a free loopback port, and a function binary started
//! against it the way Lambda starts one. `invoke` hands the function an event and waits for what
//! it posts back, so tests exercise the real runtime loop, not a handler call.

use std::collections::{BTreeMap, HashMap};
use std::path::PathBuf;
use std::process::Stdio;
use std::sync::Arc;
use std::time::Duration;

use axum::body::Bytes;
use axum::extract::{Path, State};
use axum::http::{HeaderMap, HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use axum::Router;
use tokio::process::{Child, Command};
use tokio::sync::{mpsc, oneshot, Mutex};

const API: &str = "/2018-06-01/runtime";

#[derive(Debug)]
pub enum Outcome {
    Response(serde_json::Value),
    Error(String),
    InitError(String),
}

struct Pending {
    id: String,
    body: String,
}

#[derive(Clone)]
struct Shared {
    queue: Arc<Mutex<mpsc::Receiver<Pending>>>,
    waiting: Arc<Mutex<HashMap<String, oneshot::Sender<Outcome>>>>,
    init_error: Arc<Mutex<Option<oneshot::Sender<Outcome>>>>,
}

pub fn function_binary(name: &str) -> PathBuf {
    let target = std::env::var_os("CARGO_TARGET_DIR")
        .map(PathBuf::from)
        .unwrap_or_else(|| local::stack::workspace_root().join("target"));
    let path = target.join("debug").join(name);
    assert!(
        path.exists(),
        "{} is missing: build the function binaries first (`cargo build --bins`; make test does)",
        path.display()
    );
    path
}

pub struct FunctionProcess {
    child: Child,
    events: mpsc::Sender<Pending>,
    shared: Shared,
}

impl FunctionProcess {
    /// Starts the binary with the Lambda environment plus `vars`.
    pub async fn start(name: &str, vars: &BTreeMap<String, String>) -> Self {
        let (events, queue) = mpsc::channel(16);
        let shared = Shared {
            queue: Arc::new(Mutex::new(queue)),
            waiting: Arc::default(),
            init_error: Arc::default(),
        };
        let router = Router::new()
            .route(&format!("{API}/invocation/next"), get(next))
            .route(&format!("{API}/invocation/{{id}}/response"), post(response))
            .route(&format!("{API}/invocation/{{id}}/error"), post(error))
            .route(&format!("{API}/init/error"), post(init_error))
            .with_state(shared.clone());
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
            .await
            .expect("bind the runtime API");
        let addr = listener.local_addr().expect("runtime API address");
        tokio::spawn(async move {
            let _ = axum::serve(listener, router).await;
        });

        let child = Command::new(function_binary(name))
            .env_clear()
            .envs(vars)
            .env("AWS_LAMBDA_RUNTIME_API", addr.to_string())
            .env("AWS_LAMBDA_FUNCTION_NAME", name)
            .env("AWS_LAMBDA_FUNCTION_MEMORY_SIZE", "256")
            .env("AWS_LAMBDA_FUNCTION_VERSION", "$LATEST")
            .env("AWS_LAMBDA_LOG_GROUP_NAME", format!("/aws/lambda/{name}"))
            .env("AWS_LAMBDA_LOG_STREAM_NAME", "test")
            .env("LOG_LEVEL", "warn")
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .kill_on_drop(true)
            .spawn()
            .expect("start the function binary");
        Self {
            child,
            events,
            shared,
        }
    }

    /// Sends one event through the runtime loop and returns what the function posted.
    pub async fn invoke(&self, event: &str) -> Outcome {
        let id = uuid::Uuid::new_v4().to_string();
        let (tx, rx) = oneshot::channel();
        self.shared.waiting.lock().await.insert(id.clone(), tx);
        let (init_tx, init_rx) = oneshot::channel();
        *self.shared.init_error.lock().await = Some(init_tx);
        self.events
            .send(Pending {
                id,
                body: event.to_owned(),
            })
            .await
            .expect("queue the event");
        let outcome = tokio::select! {
            outcome = rx => outcome.ok(),
            outcome = init_rx => outcome.ok(),
            _ = tokio::time::sleep(Duration::from_secs(20)) => None,
        };
        outcome.unwrap_or_else(|| Outcome::Error("no answer within 20 s".into()))
    }

    pub async fn stop(mut self) {
        let _ = self.child.kill().await;
    }
}

async fn next(State(shared): State<Shared>) -> Response {
    let pending = shared.queue.lock().await.recv().await;
    let Some(pending) = pending else {
        return StatusCode::GONE.into_response();
    };
    let deadline = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| d.as_millis() + 30_000)
        .unwrap_or_default();
    let mut headers = HeaderMap::new();
    let values = [
        ("lambda-runtime-aws-request-id", pending.id),
        ("lambda-runtime-deadline-ms", deadline.to_string()),
        (
            "lambda-runtime-invoked-function-arn",
            "arn:aws:lambda:af-south-1:123456789012:function:test".to_owned(),
        ),
        (
            "lambda-runtime-trace-id",
            "Root=1-65f0a3c1-0123456789abcdef01234567;Sampled=0".to_owned(),
        ),
    ];
    for (name, value) in values {
        if let Ok(value) = HeaderValue::from_str(&value) {
            headers.insert(name, value);
        }
    }
    (headers, pending.body).into_response()
}

async fn response(State(shared): State<Shared>, Path(id): Path<String>, body: Bytes) -> StatusCode {
    let value = serde_json::from_slice(&body).unwrap_or(serde_json::Value::Null);
    if let Some(tx) = shared.waiting.lock().await.remove(&id) {
        let _ = tx.send(Outcome::Response(value));
    }
    StatusCode::ACCEPTED
}

async fn error(State(shared): State<Shared>, Path(id): Path<String>, body: Bytes) -> StatusCode {
    if let Some(tx) = shared.waiting.lock().await.remove(&id) {
        let _ = tx.send(Outcome::Error(String::from_utf8_lossy(&body).into_owned()));
    }
    StatusCode::ACCEPTED
}

async fn init_error(State(shared): State<Shared>, body: Bytes) -> StatusCode {
    if let Some(tx) = shared.init_error.lock().await.take() {
        let _ = tx.send(Outcome::InitError(
            String::from_utf8_lossy(&body).into_owned(),
        ));
    }
    StatusCode::ACCEPTED
}
