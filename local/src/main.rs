//! `make run`: the emulated cloud, an SMTP server that keeps its mail, and every function
//! behind one HTTP endpoint on 127.0.0.1, in the foreground until Ctrl-C.

use std::net::SocketAddr;
use std::path::PathBuf;
use std::process::ExitCode;
use std::time::Instant;

use anyhow::{bail, Context};

use local::bootstrap::ResourceNames;
use local::environment::{self, LocalEndpoints};
use local::stack;
use shared::AppState;

#[tokio::main]
async fn main() -> ExitCode {
    match run().await {
        Ok(()) => ExitCode::SUCCESS,
        Err(err) => {
            eprintln!("local server: {err:#}");
            ExitCode::FAILURE
        }
    }
}

/// One line as a start-up step begins, so a slow one is never silent.
fn step(what: &str) -> Instant {
    eprintln!("local server: {what}…");
    Instant::now()
}

/// One line as it ends, with how long it took.
fn done(started: Instant, what: &str) {
    eprintln!(
        "local server: {what} ({:.1} s)",
        started.elapsed().as_secs_f64()
    );
}

async fn run() -> anyhow::Result<()> {
    let root = stack::workspace_root();
    let port: u16 = match std::env::var("PORT") {
        Ok(raw) => raw.parse().context("PORT must be a port number")?,
        Err(_) => 3000,
    };
    // Where the function environment and the demo logins go; a second local server (the API
    // fuzzing) points this elsewhere so it leaves `make run`'s files alone.
    let state_dir = std::env::var_os("LOCAL_STATE_DIR")
        .map(PathBuf::from)
        .unwrap_or_else(|| root.join(".local"));
    std::fs::create_dir_all(&state_dir)
        .with_context(|| format!("Failed to create {}", state_dir.display()))?;
    let mail_dir = std::env::var_os("LOCAL_MAIL_DIR")
        .map(PathBuf::from)
        .unwrap_or_else(|| state_dir.join("mail"));
    let listener = match tokio::net::TcpListener::bind(("127.0.0.1", port)).await {
        Ok(listener) => listener,
        Err(err) if err.kind() == std::io::ErrorKind::AddrInUse => bail!(
            "port {port} on 127.0.0.1 is taken (another `make run`?). Stop what holds it \
             (`ss -ltnp 'sport = :{port}'` shows it) or choose another port: `PORT=4000 make run`"
        ),
        Err(err) => {
            return Err(err).with_context(|| format!("Failed to listen on 127.0.0.1:{port}"))
        }
    };
    let url = format!("http://127.0.0.1:{port}");

    let started = step("starting moto (DynamoDB, KMS, Secrets Manager)");
    let moto = stack::start_moto()?;
    let moto_url = moto.url();
    done(started, &format!("moto ready on {moto_url}"));
    let started = step("starting the SMTP server");
    let smtp = stack::start_smtp(&mail_dir, None)?;
    done(
        started,
        &format!("SMTP server ready on 127.0.0.1:{}", smtp.port),
    );
    let started = step("starting localstripe (Stripe)");
    let localstripe = stack::start_localstripe(&state_dir.join("localstripe.pickle"))?;
    let localstripe_url = localstripe.url();
    done(started, &format!("localstripe ready on {localstripe_url}"));
    let endpoints = LocalEndpoints {
        aws_endpoint_url: &moto_url,
        smtp_port: smtp.port,
        public_url: &url,
    };
    let mut vars =
        environment::function_vars(&endpoints, &ResourceNames::with_prefix("drive-alive-local"));
    vars.extend(local::payments::stripe_vars(
        &localstripe_url,
        "drive-alive-local",
    ));
    // Settings a developer (or `make bench`, or the API fuzzing) may change for a local run.
    for key in [
        "RATE_LIMITS",
        "LOG_LEVEL",
        "LOG_FORMAT",
        "DEPENDENCY_TIMEOUT_MS",
    ] {
        if let Ok(value) = std::env::var(key) {
            vars.insert(key.to_owned(), value);
        }
    }
    let started = step("creating the table, the KMS key and the signing-key secrets");
    let config = environment::provision(&vars).await?;
    let env_file = state_dir.join("function.env");
    environment::write_env_file(&env_file, &vars)?;
    done(started, "table, key and secrets created");

    shared::logging::init(&config);
    let mut state = AppState::build(config).await;
    let notifier = local::event_sources::notifier_beside(&mut state).await;
    tokio::spawn(local::event_sources::poll_notices(notifier));
    let jobs_interval = local::event_sources::jobs_interval()?;
    tokio::spawn(local::event_sources::run_jobs_every(
        state.clone(),
        jobs_interval,
    ));
    let started = step("adding demo data");
    let logins = local::demo::seed(&state).await?;
    done(started, &format!("{} demo accounts added", logins.len()));
    local::payments::register_webhook(
        &state,
        &localstripe_url,
        "drive-alive-local",
        &format!("{url}/api/v1/payments/stripe/webhook"),
    )
    .await?;
    let logins_file = state_dir.join("demo-logins.json");
    std::fs::write(&logins_file, serde_json::to_string_pretty(&logins)?)
        .with_context(|| format!("Failed to write {}", logins_file.display()))?;
    let app = shared::http::app(local::routes::all_routes(), state);

    println!();
    println!("  Drive Alive API (local)   {url}/api/v1");
    println!("  interactive docs          {url}/api/v1/docs");
    println!("  health                    {url}/api/v1/health/ready");
    println!(
        "  AWS emulator (moto)       {moto_url}  (pid {})",
        moto.pid()
    );
    println!(
        "  SMTP server               127.0.0.1:{}  -> {}",
        smtp.port,
        mail_dir.display()
    );
    println!(
        "  notices                   queue polled, jobs every {} s (JOBS_INTERVAL_S)",
        jobs_interval.as_secs()
    );
    println!(
        "  Stripe (localstripe)      {localstripe_url}  (pid {}, webhook registered)",
        localstripe.pid()
    );
    println!("  function environment      {}", env_file.display());
    println!();
    print!(
        "{}",
        local::payments::demo_payment_steps(&format!("{url}/api/v1"), &localstripe_url)
    );
    println!();
    println!(
        "  Demo logins (random passwords, also in {}):",
        logins_file.display()
    );
    for login in &logins {
        println!(
            "    {:<11} {:<44} {}",
            login.role, login.username, login.password
        );
    }
    println!();
    println!("  Ctrl-C stops everything.");
    println!();

    axum::serve(
        listener,
        app.into_make_service_with_connect_info::<SocketAddr>(),
    )
    .with_graceful_shutdown(async {
        let _ = tokio::signal::ctrl_c().await;
    })
    .await
    .context("the local server failed")?;
    drop((moto, smtp, localstripe));
    Ok(())
}
