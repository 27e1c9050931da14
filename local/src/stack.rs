//! The local stand-ins for the cloud, each a child process on a free loopback port: the moto
//! server (DynamoDB, KMS, Secrets Manager) and an SMTP server that keeps every message as a file.
//! A service is stopped by its PID when dropped, and also exits by itself when this process dies
//! (it watches its standard input), so nothing outlives a test or a `make run`.

use std::io::{BufRead, BufReader};
use std::path::{Path, PathBuf};
use std::process::{Child, ChildStdin, Command, Stdio};
use std::sync::mpsc;
use std::time::Duration;

use anyhow::{bail, Context};

/// How long a service may take to print its READY line (moto imports a lot of Python).
const START_TIMEOUT: Duration = Duration::from_secs(60);

static SPAWNED: std::sync::atomic::AtomicUsize = std::sync::atomic::AtomicUsize::new(0);

/// The workspace root, found from this crate's location at build time.
pub fn workspace_root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .parent()
        .map(Path::to_path_buf)
        .unwrap_or_else(|| PathBuf::from("."))
}

fn python() -> anyhow::Result<PathBuf> {
    if let Some(explicit) = std::env::var_os("LOCAL_PYTHON") {
        return Ok(PathBuf::from(explicit));
    }
    let venv = workspace_root().join(".venv/bin/python");
    if !venv.exists() {
        bail!(
            "{} is missing: run `scripts/setup-python.sh`, which creates it with the pinned moto \
             and aiosmtpd (`make run` and `make test` run it first); it needs Python 3.10+ with \
             venv (Debian: `apt-get install python3 python3-venv`)",
            venv.display()
        );
    }
    Ok(venv)
}

/// A running service process. Dropping it kills the process.
pub struct LocalService {
    name: &'static str,
    child: Child,
    // Held open: the service exits when this end closes.
    _stdin: Option<ChildStdin>,
    pub port: u16,
}

impl LocalService {
    fn spawn(name: &'static str, args: &[&str], envs: &[(&str, &str)]) -> anyhow::Result<Self> {
        let script = workspace_root().join("scripts/local_services.py");
        // The service's own log, for when something goes wrong inside the emulator.
        let log_path = std::env::temp_dir().join(format!(
            "drive-alive-{name}-{}-{}.log",
            std::process::id(),
            SPAWNED.fetch_add(1, std::sync::atomic::Ordering::Relaxed)
        ));
        let stderr = std::fs::File::create(&log_path)
            .map(Stdio::from)
            .unwrap_or_else(|_| Stdio::null());
        let python = python()?;
        let mut child = Command::new(&python)
            .arg(&script)
            .args(args)
            .envs(envs.iter().copied())
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(stderr)
            .spawn()
            .with_context(|| {
                format!(
                    "Failed to start the local {name} service with {}; rerun \
                     `scripts/setup-python.sh`",
                    python.display()
                )
            })?;
        let stdin = child.stdin.take();
        let stdout = child
            .stdout
            .take()
            .context("service stdout was not captured")?;

        // Read the READY line on a thread so a silent service cannot block us past the timeout.
        let (tx, rx) = mpsc::channel();
        std::thread::spawn(move || {
            let mut lines = BufReader::new(stdout).lines();
            let ready = lines
                .by_ref()
                .map_while(Result::ok)
                .find_map(|line| line.strip_prefix("READY ").map(str::to_owned));
            let _ = tx.send(ready);
            // Keep draining so the service never blocks on a full pipe.
            for _ in lines {}
        });
        let ready = match rx.recv_timeout(START_TIMEOUT) {
            Ok(Some(line)) => line,
            _ => {
                let _ = child.kill();
                let _ = child.wait();
                bail!(
                    "the local {name} service exited or was not ready within {} s; its log is {}",
                    START_TIMEOUT.as_secs(),
                    log_path.display()
                );
            }
        };
        let port = serde_json::from_str::<serde_json::Value>(&ready)
            .ok()
            .and_then(|v| v["port"].as_u64())
            .and_then(|p| u16::try_from(p).ok())
            .with_context(|| format!("the local {name} service announced no port"))?;
        Ok(Self {
            name,
            child,
            _stdin: stdin,
            port,
        })
    }

    pub fn url(&self) -> String {
        format!("http://127.0.0.1:{}", self.port)
    }

    pub fn pid(&self) -> u32 {
        self.child.id()
    }

    /// Stops the process now (fault-injection tests stop moto mid-flow).
    pub fn stop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }

    pub fn name(&self) -> &'static str {
        self.name
    }
}

impl Drop for LocalService {
    fn drop(&mut self) {
        self.stop();
    }
}

/// DynamoDB, KMS and Secrets Manager in one moto server process.
pub fn start_moto() -> anyhow::Result<LocalService> {
    LocalService::spawn("moto", &["moto"], &[])
}

/// A moto server on `port`: fault-injection tests start one again where a running app expects
/// the one they stopped (it starts empty).
pub fn start_moto_on(port: u16) -> anyhow::Result<LocalService> {
    LocalService::spawn("moto", &["moto", "--port", &port.to_string()], &[])
}

/// Credentials the SMTP server demands, when it should demand any.
pub struct SmtpAuth<'a> {
    pub username: &'a str,
    pub password: &'a str,
}

/// An SMTP server that writes each accepted message to `mail_dir` as one `.eml` file.
pub fn start_smtp(mail_dir: &Path, auth: Option<SmtpAuth<'_>>) -> anyhow::Result<LocalService> {
    std::fs::create_dir_all(mail_dir)
        .with_context(|| format!("Failed to create {}", mail_dir.display()))?;
    let dir = mail_dir.to_string_lossy().into_owned();
    match auth {
        None => LocalService::spawn("smtp", &["smtp", "--mail-dir", &dir], &[]),
        Some(auth) => LocalService::spawn(
            "smtp",
            &["smtp", "--mail-dir", &dir, "--auth-user", auth.username],
            &[("SMTP_AUTH_PASSWORD", auth.password)],
        ),
    }
}

/// An SMTP server on `port` (no auth): a test that stopped one starts it again where the app
/// expects it.
pub fn start_smtp_on(mail_dir: &Path, port: u16) -> anyhow::Result<LocalService> {
    std::fs::create_dir_all(mail_dir)
        .with_context(|| format!("Failed to create {}", mail_dir.display()))?;
    let dir = mail_dir.to_string_lossy().into_owned();
    LocalService::spawn(
        "smtp",
        &["smtp", "--mail-dir", &dir, "--port", &port.to_string()],
        &[],
    )
}

/// localstripe (the local Stripe), keeping its store in `state_file`.
pub fn start_localstripe(state_file: &Path) -> anyhow::Result<LocalService> {
    let file = state_file.to_string_lossy().into_owned();
    LocalService::spawn("localstripe", &["stripe", "--state-file", &file], &[])
}
