//! The cost table's source of truth, docs/cost-routes.json, against what each route really sends:
//! every route in the file is driven once (real moto, real SMTP, localstripe) and its DynamoDB
//! operations are counted per name through the SDK, with their request units estimated from the
//! request and response bodies (`shared::request_units`). A route whose calls or units differ
//! from the file fails the test, naming the route, both figures and the entry to paste.

use std::collections::BTreeMap;
use std::future::Future;

use integration_tests::app::TestApp;
use integration_tests::payments::app_with_payments;
use reqwest::Method;
use serde_json::{json, Value};
use shared::aws::CallCounter;

const ROUTE_FILE: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/../docs/cost-routes.json");

/// What one request made: operations by name, and estimated units (rounded to 0.5).
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct Measured {
    dynamodb: BTreeMap<String, u64>,
    rru: f64,
    wru: f64,
}

fn half_units(units: f64) -> f64 {
    (units * 2.0).round() / 2.0
}

/// Drives requests and keeps, per route label, what its DynamoDB ledger window holds.
pub(crate) struct Meter<'a> {
    pub(crate) app: &'a TestApp,
    /// No cookie store: every request carries only the bearer token or body it names (as the
    /// mobile app sends them), so the web session's CSRF rules never apply.
    client: reqwest::Client,
    measured: Vec<(String, Measured)>,
}

impl<'a> Meter<'a> {
    fn new(app: &'a TestApp) -> Self {
        app.state.aws.dynamodb_calls.record_units(true);
        Self {
            app,
            client: reqwest::Client::builder()
                .redirect(reqwest::redirect::Policy::none())
                .build()
                .expect("client"),
            measured: Vec::new(),
        }
    }

    pub(crate) fn request(
        &self,
        method: Method,
        path: &str,
        token: Option<&str>,
    ) -> reqwest::RequestBuilder {
        let request = self.client.request(method, self.app.url(path));
        match token {
            Some(token) => request.bearer_auth(token),
            None => request,
        }
    }

    /// Sends `request` as `route`, asserting `status`, and returns the response body.
    pub(crate) async fn run(
        &mut self,
        route: &str,
        status: u16,
        request: impl Future<Output = reqwest::Response>,
    ) -> Value {
        let ledger = self.app.state.aws.dynamodb_calls.clone();
        let (got, text) = self
            .measure(route, &ledger, async {
                let response = request.await;
                let got = response.status().as_u16();
                (got, response.text().await.unwrap_or_default())
            })
            .await;
        assert_eq!(got, status, "{route}: {text}");
        serde_json::from_str(&text).unwrap_or(Value::Null)
    }

    /// Runs `work` and keeps what `ledger` recorded meanwhile under `label`.
    pub(crate) async fn measure<T>(
        &mut self,
        label: &str,
        ledger: &CallCounter,
        work: impl Future<Output = T>,
    ) -> T {
        let (first, counted) = (ledger.calls().len(), ledger.count());
        let out = work.await;
        let calls = ledger.calls();
        let window = &calls[first..];
        assert_eq!(
            window.len() as u64,
            ledger.count() - counted,
            "{label}: every counted operation is in the ledger"
        );
        let mut measured = Measured {
            dynamodb: BTreeMap::new(),
            rru: 0.0,
            wru: 0.0,
        };
        for call in window {
            *measured.dynamodb.entry(call.operation.clone()).or_default() += 1;
            measured.rru += call.units.read;
            measured.wru += call.units.write;
        }
        measured.rru = half_units(measured.rru);
        measured.wru = half_units(measured.wru);
        self.measured.push((label.to_owned(), measured));
        out
    }

    pub(crate) async fn send(request: reqwest::RequestBuilder) -> reqwest::Response {
        request.send().await.expect("send the request")
    }
}

/// The file's routes: label → (DynamoDB calls by operation, RRU, WRU).
fn routes_in_file() -> BTreeMap<String, Measured> {
    let text = std::fs::read_to_string(ROUTE_FILE).expect("docs/cost-routes.json");
    let file: Value = serde_json::from_str(&text).expect("docs/cost-routes.json is JSON");
    let mut routes = BTreeMap::new();
    for route in file["routes"].as_array().expect("a routes array") {
        let label = route["route"].as_str().expect("route").to_owned();
        let dynamodb = route["dynamodb"]
            .as_object()
            .expect("dynamodb calls")
            .iter()
            .map(|(op, n)| (op.clone(), n.as_u64().expect("a count")))
            .collect();
        let units = |name: &str| {
            route[name]
                .as_f64()
                .unwrap_or_else(|| panic!("{label}: {name}"))
        };
        let measured = Measured {
            dynamodb,
            rru: units("rru"),
            wru: units("wru"),
        };
        assert!(
            routes.insert(label.clone(), measured).is_none(),
            "{label} twice in the file"
        );
    }
    routes
}

fn entry(route: &str, m: &Measured) -> String {
    json!({"route": route, "dynamodb": m.dynamodb, "rru": m.rru, "wru": m.wru}).to_string()
}

/// Each figure that differs, as "<figure> <in the file> in the file, <counted> counted".
fn differences(listed: &Measured, measured: &Measured) -> Vec<String> {
    let mut out = Vec::new();
    let operations: std::collections::BTreeSet<&String> = listed
        .dynamodb
        .keys()
        .chain(measured.dynamodb.keys())
        .collect();
    for op in operations {
        let (file, counted) = (listed.dynamodb.get(op), measured.dynamodb.get(op));
        if file != counted {
            let (file, counted) = (file.copied().unwrap_or(0), counted.copied().unwrap_or(0));
            out.push(format!("{op} calls {file} in the file, {counted} counted"));
        }
    }
    for (name, file, counted) in [
        ("RRU", listed.rru, measured.rru),
        ("WRU", listed.wru, measured.wru),
    ] {
        if file != counted {
            out.push(format!("{name} {file} in the file, {counted} estimated"));
        }
    }
    out
}

#[tokio::test]
async fn every_route_in_the_cost_table_makes_the_calls_and_units_it_lists() {
    let app = app_with_payments(false).await;
    let mut meter = Meter::new(&app);
    let (student, booking) = crate::cost_routes::drive_every_route(&mut meter).await;
    crate::cost_routes::drive_background(&mut meter, &student, &booking).await;

    let file = routes_in_file();
    let mut problems = Vec::new();
    let mut driven = BTreeMap::new();
    for (route, measured) in &meter.measured {
        driven.insert(route.clone(), ());
        match file.get(route) {
            None => problems.push(format!(
                "{route} is not in the file; add {}",
                entry(route, measured)
            )),
            Some(listed) if listed != measured => problems.push(format!(
                "{route}: {}; its entry is now {}",
                differences(listed, measured).join(", "),
                entry(route, measured)
            )),
            Some(_) => {}
        }
    }
    for route in file.keys().filter(|r| !driven.contains_key(*r)) {
        problems.push(format!(
            "{route} is in the file but this test does not drive it"
        ));
    }
    assert!(
        problems.is_empty(),
        "docs/cost-routes.json is out of date (then regenerate docs/cost.md: \
         scripts/bench.py --cost-only):\n{}",
        problems.join("\n")
    );
}

/// docs/cost.md is generated (scripts/bench.py --cost-only) from the route file checked above,
/// docs/prices.json and docs/benchmarks.md: it must be what they make now, and the script's
/// arithmetic must match a route worked out by hand.
#[test]
fn docs_cost_md_is_what_the_route_file_and_prices_make() {
    let root = concat!(env!("CARGO_MANIFEST_DIR"), "/..");
    let out = std::process::Command::new("python3")
        .args(["scripts/bench.py", "--cost-check"])
        .current_dir(root)
        .output()
        .expect("run python3 scripts/bench.py --cost-check");
    assert!(
        out.status.success(),
        "{}{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
}
