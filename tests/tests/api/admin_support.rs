//! What the admin tests share: a first admin (admins are only ever created by admins, so the
//! first one is written straight to the table, as an operator would), signed-in students and
//! instructors, an SMTP server that demands AUTH, and a full-table scan for plaintext. (The proxy
//! that makes KMS unreachable while DynamoDB stays up is `integration_tests::fault_proxy`.)

use std::path::PathBuf;

use aws_sdk_dynamodb::types::AttributeValue;
use base64::Engine;
use integration_tests::accounts::{instructor_body, LoggedIn, PASSWORD};
use integration_tests::app::TestApp;
use local::stack::{LocalService, SmtpAuth};
use serde_json::{json, Value};

/// Writes an active admin the way an operator seeds the first one, and signs in.
pub async fn seed_admin(app: &TestApp) -> LoggedIn {
    app.seeded_admin().await
}

pub async fn signed_in_student(app: &TestApp) -> LoggedIn {
    let user = app.verified_student().await;
    app.login(&user).await
}

pub async fn signed_in_instructor(app: &TestApp) -> LoggedIn {
    let user = app.verified_user("instructor", instructor_body()).await;
    app.login(&user).await
}

/// A request with the session's bearer token.
pub fn as_user(
    app: &TestApp,
    session: &LoggedIn,
    method: reqwest::Method,
    path: &str,
) -> reqwest::RequestBuilder {
    app.client
        .request(method, app.url(path))
        .bearer_auth(&session.access_token)
}

pub async fn send(request: reqwest::RequestBuilder) -> reqwest::Response {
    request.send().await.expect("send the request")
}

pub async fn json_of(response: reqwest::Response) -> Value {
    response.json().await.expect("a JSON body")
}

/// An SMTP server on loopback that accepts mail only after AUTH with these credentials, and
/// the folder where it keeps what it accepts.
pub struct AuthSmtp {
    pub server: LocalService,
    pub mail_dir: PathBuf,
    pub username: String,
}

impl AuthSmtp {
    pub fn start(username: &str, password: &str) -> Self {
        let mail_dir = std::env::temp_dir().join(format!(
            "drive-alive-auth-mail-{}",
            uuid::Uuid::new_v4().simple()
        ));
        let server = local::stack::start_smtp(&mail_dir, Some(SmtpAuth { username, password }))
            .expect("start the SMTP server that requires AUTH");
        Self {
            server,
            mail_dir,
            username: username.to_owned(),
        }
    }

    /// A `PUT /admin/smtp-settings` body for this server with `password`, confirmed with the
    /// password of the admins `seed_admin` writes.
    pub fn settings(&self, password: &str) -> Value {
        json!({
            "host": "127.0.0.1",
            "port": self.server.port,
            "tls_mode": "none",
            "username": self.username,
            "password": password,
            "from_address": "Drive Alive <no-reply@drivealive.test>",
            "current_password": PASSWORD
        })
    }
}

/// Every item of the app's table (a test may scan; the application never does).
pub async fn scan_table(app: &TestApp) -> Vec<std::collections::HashMap<String, AttributeValue>> {
    let mut items = Vec::new();
    let mut start = None;
    loop {
        let output = app
            .state
            .aws
            .dynamodb
            .scan()
            .table_name(&app.state.config.table_name)
            .set_exclusive_start_key(start)
            .send()
            .await
            .expect("scan the table");
        items.extend(output.items().iter().cloned());
        match output.last_evaluated_key() {
            Some(key) if !key.is_empty() => start = Some(key.clone()),
            _ => return items,
        }
    }
}

fn value_contains(value: &AttributeValue, needles: &[Vec<u8>]) -> bool {
    let bytes_contain = |bytes: &[u8]| {
        needles
            .iter()
            .any(|needle| bytes.windows(needle.len()).any(|w| w == needle.as_slice()))
    };
    match value {
        AttributeValue::S(text) | AttributeValue::N(text) => bytes_contain(text.as_bytes()),
        AttributeValue::B(blob) => bytes_contain(blob.as_ref()),
        AttributeValue::Ss(set) | AttributeValue::Ns(set) => {
            set.iter().any(|t| bytes_contain(t.as_bytes()))
        }
        AttributeValue::Bs(set) => set.iter().any(|b| bytes_contain(b.as_ref())),
        AttributeValue::L(list) => list.iter().any(|v| value_contains(v, needles)),
        AttributeValue::M(map) => map.values().any(|v| value_contains(v, needles)),
        _ => false,
    }
}

/// The keys (PK, SK, attribute) where `secret` appears in plaintext, or base64-encoded, in any
/// attribute of any item of the table.
pub async fn plaintext_occurrences(app: &TestApp, secret: &str) -> Vec<String> {
    let engine = base64::engine::general_purpose::STANDARD;
    let needles = vec![
        secret.as_bytes().to_vec(),
        engine.encode(secret).into_bytes(),
    ];
    let text = |item: &std::collections::HashMap<String, AttributeValue>, name: &str| {
        item.get(name)
            .and_then(|v| v.as_s().ok())
            .cloned()
            .unwrap_or_default()
    };
    scan_table(app)
        .await
        .iter()
        .flat_map(|item| {
            item.iter()
                .filter(|(_, value)| value_contains(value, &needles))
                .map(|(name, _)| format!("{} {} {name}", text(item, "PK"), text(item, "SK")))
                .collect::<Vec<_>>()
        })
        .collect()
}

/// A scripted SMTP peer that offers AUTH and refuses every credential with `535`, the reply
/// real servers give, so the classification of an authentication failure is observable.
pub struct AuthRefusingPeer {
    pub port: u16,
}

impl AuthRefusingPeer {
    pub async fn start() -> Self {
        use tokio::io::{AsyncBufReadExt, AsyncWriteExt, BufReader};
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
            .await
            .expect("bind");
        let port = listener.local_addr().expect("address").port();
        tokio::spawn(async move {
            while let Ok((socket, _)) = listener.accept().await {
                tokio::spawn(async move {
                    let (read, mut write) = socket.into_split();
                    let mut lines = BufReader::new(read).lines();
                    let _ = write.write_all(b"220 peer ESMTP\r\n").await;
                    while let Ok(Some(line)) = lines.next_line().await {
                        let verb = line.split(' ').next().unwrap_or("").to_ascii_uppercase();
                        let reply: &[u8] = match verb.as_str() {
                            "EHLO" => b"250-peer\r\n250 AUTH PLAIN LOGIN\r\n",
                            "AUTH" => b"535 5.7.8 Authentication credentials invalid\r\n",
                            "QUIT" => b"221 bye\r\n",
                            _ => b"250 OK\r\n",
                        };
                        if write.write_all(reply).await.is_err() || verb == "QUIT" {
                            break;
                        }
                    }
                });
            }
        });
        Self { port }
    }
}
