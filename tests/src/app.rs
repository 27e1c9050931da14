//! `spawn_app()`: the real application (every group's routes behind the common stack) on a free
//! loopback port, against its own table, key and secrets in the local stack.

use std::collections::BTreeMap;
use std::net::SocketAddr;

use local::bootstrap::ResourceNames;
use local::environment::{self, LocalEndpoints};
use local::stack::{self, LocalService};
use shared::{AppState, Config};

use crate::services;

pub struct TestApp {
    pub address: String,
    pub client: reqwest::Client,
    pub state: AppState,
    /// The function environment of this app, for starting function binaries against it.
    pub vars: BTreeMap<String, String>,
    /// Set when the test asked for a moto server of its own (to stop it mid-test).
    pub own_moto: Option<LocalService>,
    /// Where the SMTP server keeps the messages this app sends.
    pub mail_dir: std::path::PathBuf,
    /// The notifications function's state beside this app (its queue poller runs already).
    pub notifier: notifications::Notifier,
}

#[derive(Default)]
pub struct Options {
    pub own_moto: bool,
    pub extra_vars: Vec<(String, String)>,
    /// `RATE_LIMITS` for this app; by default every limit is high enough that tests which are
    /// not about rate limits never meet one (each app has its own table, so its own counters).
    pub rate_limits: Option<String>,
    /// A clock the test moves (`app.state.clock.set`) instead of the system's.
    pub clock: Option<shared::clock::Clock>,
    /// Stripe settings against the shared localstripe (and this app's Stripe secrets).
    pub payments: bool,
    /// With `payments`: this app's webhook registered at localstripe, so its events arrive by
    /// themselves (tests that deliver events by hand leave it off).
    pub stripe_webhook: bool,
}

impl Options {
    /// An app whose AWS calls all go through `proxy`, the fault-injection proxy in front of moto.
    pub fn behind(proxy: &crate::fault_proxy::FaultProxy) -> Self {
        Self {
            extra_vars: vec![("AWS_ENDPOINT_URL".into(), proxy.url.clone())],
            ..Self::default()
        }
    }
}

const GENEROUS_LIMITS: &str = "register_ip=10000/1h,verify_ip=10000/1h,login_ip=10000/1m,\
    login_account=10000/1h,session=10000/1h,forgot_ip=10000/1h,forgot_account=10000/1h,\
    reset_ip=10000/1h,user=10000/1h,public_ip=10000/1m,booking_create=10000/1h,\
    password_change=10000/1h,smtp_step_up=10000/1h,refresh_ip=10000/1m,\
    resend_ip=10000/1h,resend_account=10000/1h";

pub async fn spawn_app() -> TestApp {
    spawn_app_with(Options::default()).await
}

pub async fn spawn_app_with(options: Options) -> TestApp {
    let services = services::shared();
    let own_moto = options
        .own_moto
        .then(|| stack::start_moto().expect("start a moto server for this test"));
    let moto_url = own_moto
        .as_ref()
        .map(LocalService::url)
        .unwrap_or_else(|| services.moto.url());

    let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
        .await
        .expect("bind a free port");
    let port = listener.local_addr().expect("local address").port();
    let address = format!("http://127.0.0.1:{port}");
    let prefix = format!("t{}", &uuid::Uuid::new_v4().simple().to_string()[..12]);
    let endpoints = LocalEndpoints {
        aws_endpoint_url: &moto_url,
        smtp_port: services.smtp.port,
        public_url: &address,
    };
    let mut vars = environment::function_vars(&endpoints, &ResourceNames::with_prefix(&prefix));
    // moto serialises transactions; twenty concurrent booking transactions can queue for
    // seconds there (DynamoDB itself answers in milliseconds).
    vars.insert("DEPENDENCY_TIMEOUT_MS".into(), "8000".into());
    vars.insert(
        "RATE_LIMITS".into(),
        options
            .rate_limits
            .clone()
            .unwrap_or_else(|| GENEROUS_LIMITS.to_owned()),
    );
    vars.insert("COOKIE_SECURE".into(), "false".into());
    if options.payments {
        vars.extend(local::payments::stripe_vars(
            &services::localstripe().url(),
            &prefix,
        ));
    }
    for (key, value) in options.extra_vars {
        vars.insert(key, value);
    }
    let config: Config = environment::provision(&vars)
        .await
        .expect("provision the test's resources");
    let mut state = AppState::build(config).await;
    if let Some(clock) = options.clock {
        state.clock = clock;
    }
    // The notices the routes enqueue are delivered as `make run` delivers them.
    let notifier = local::event_sources::notifier_beside(&mut state).await;
    tokio::spawn(local::event_sources::poll_notices(notifier.clone()));
    if options.payments && options.stripe_webhook {
        local::payments::register_webhook(
            &state,
            &services::localstripe().url(),
            &prefix,
            &format!("{address}/api/v1/payments/stripe/webhook"),
        )
        .await
        .expect("register the app's webhook at localstripe");
    }
    let app = shared::http::app(local::routes::all_routes(), state.clone());
    tokio::spawn(async move {
        let _ = axum::serve(
            listener,
            app.into_make_service_with_connect_info::<SocketAddr>(),
        )
        .await;
    });

    let client = reqwest::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .cookie_store(true)
        .build()
        .expect("build the HTTP client");
    TestApp {
        address,
        client,
        state,
        vars,
        own_moto,
        mail_dir: services.mail_dir.clone(),
        notifier,
    }
}

impl TestApp {
    pub fn url(&self, path: &str) -> String {
        format!("{}{}", self.address, path)
    }

    pub async fn get(&self, path: &str) -> reqwest::Response {
        self.client
            .get(self.url(path))
            .send()
            .await
            .expect("send the request")
    }

    pub async fn post_json(&self, path: &str, body: &serde_json::Value) -> reqwest::Response {
        self.client
            .post(self.url(path))
            .json(body)
            .send()
            .await
            .expect("send the request")
    }

    pub async fn get_bearer(&self, path: &str, token: &str) -> reqwest::Response {
        self.client
            .get(self.url(path))
            .bearer_auth(token)
            .send()
            .await
            .expect("send the request")
    }

    /// DynamoDB operations this app has made so far.
    pub fn dynamodb_calls(&self) -> u64 {
        self.state.aws.dynamodb_calls.count()
    }
}
