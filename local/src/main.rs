//! `make run`: the emulated cloud, an SMTP server that keeps its mail, and every function
//! behind one HTTP endpoint on 127.0.0.1, in the foreground until Ctrl-C.

use std::net::SocketAddr;
use std::path::PathBuf;
use std::process::ExitCode;

use anyhow::Context;

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
    let listener = tokio::net::TcpListener::bind(("127.0.0.1", port))
        .await
        .with_context(|| format!("127.0.0.1:{port} is taken; set PORT to another port"))?;
    let url = format!("http://127.0.0.1:{port}");

    eprintln!("local server: starting moto and the SMTP server…");
    let moto = stack::start_moto()?;
    let smtp = stack::start_smtp(&mail_dir, None)?;
    let moto_url = moto.url();
    let endpoints = LocalEndpoints {
        aws_endpoint_url: &moto_url,
        smtp_port: smtp.port,
        public_url: &url,
    };
    let mut vars =
        environment::function_vars(&endpoints, &ResourceNames::with_prefix("drive-alive-local"));
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
    let config = environment::provision(&vars).await?;
    let env_file = state_dir.join("function.env");
    environment::write_env_file(&env_file, &vars)?;

    shared::logging::init(&config);
    let state = AppState::build(config).await;
    eprintln!("local server: adding demo data…");
    let logins = local::demo::seed(&state).await?;
    let logins_file = state_dir.join("demo-logins.json");
    std::fs::write(&logins_file, serde_json::to_string_pretty(&logins)?)
        .with_context(|| format!("Failed to write {}", logins_file.display()))?;
    let app = shared::http::app(local::routes::all_routes(), state);

    println!();
    println!("  Drive Alive API (local)   {url}/api/v1");
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
    println!("  function environment      {}", env_file.display());
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
    drop((moto, smtp));
    Ok(())
}
