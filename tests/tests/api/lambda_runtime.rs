//! The function binaries through the Lambda Runtime API, as Lambda runs them.

use integration_tests::app::spawn_app;
use integration_tests::events;
use integration_tests::runtime_api::{FunctionProcess, Outcome};
use serde_json::Value;

/// Header lookup across the v1 (`headers`/`multiValueHeaders`) and v2 response shapes.
fn header<'a>(response: &'a Value, name: &str) -> Option<&'a str> {
    let find = |map: &'a Value| {
        map.as_object().and_then(|m| {
            m.iter()
                .find(|(k, _)| k.eq_ignore_ascii_case(name))
                .and_then(|(_, v)| v.as_str().or_else(|| v.get(0).and_then(Value::as_str)))
        })
    };
    find(&response["headers"]).or_else(|| find(&response["multiValueHeaders"]))
}

/// The response headers the manifest requires of this event's answer.
fn assert_expected_headers(response: &Value, case: &events::EventCase) {
    for (name, value) in &case.headers {
        assert_eq!(
            header(response, name),
            Some(value.as_str()),
            "{}: {name} in {response}",
            case.file
        );
    }
}

#[tokio::test]
async fn health_binary_answers_v1_and_v2_events_through_the_runtime_api() {
    let app = spawn_app().await;
    let function = FunctionProcess::start("health", &app.vars).await;

    for case in events::manifest()
        .into_iter()
        .filter(|c| c.function == "health")
    {
        let outcome = function.invoke(&events::read_event(&case.file)).await;
        let Outcome::Response(response) = outcome else {
            panic!("{}: {outcome:?}", case.file);
        };
        assert_eq!(
            response["statusCode"], case.status,
            "{}: {response}",
            case.file
        );
        assert_eq!(
            header(&response, "x-frame-options"),
            Some("DENY"),
            "{}",
            case.file
        );
        // The request id is API Gateway's, from the event's request context.
        let event: Value = serde_json::from_str(&events::read_event(&case.file)).expect("json");
        assert_eq!(
            header(&response, "x-request-id"),
            event["requestContext"]["requestId"].as_str(),
            "{}",
            case.file
        );
        assert_expected_headers(&response, &case);
        if event["httpMethod"] == "OPTIONS" {
            // A CORS preflight: answered by its headers, with no body.
            continue;
        }
        let path = event["path"].as_str().or(event["rawPath"].as_str());
        if path.is_some_and(|p| p.ends_with("/docs")) {
            // The docs page: HTML as text (not base64), its scripts inline.
            assert_eq!(response["isBase64Encoded"], false, "{}", case.file);
            let html = response["body"].as_str().unwrap_or_default();
            assert!(html.contains("SwaggerUIBundle({"), "{}", case.file);
            continue;
        }
        let body: Value =
            serde_json::from_str(response["body"].as_str().unwrap_or("null")).expect("JSON body");
        if path.is_some_and(|p| p.ends_with("/openapi.json")) {
            assert_eq!(body["openapi"], "3.1.0", "{}", case.file);
        } else {
            assert_eq!(body["status"], "ok", "{}", case.file);
        }
    }
    function.stop().await;
}

#[tokio::test]
async fn every_function_binary_answers_its_events_through_the_runtime_api() {
    let app = spawn_app().await;
    for function_name in ["auth", "users", "instructors", "bookings", "admin"] {
        let function = FunctionProcess::start(function_name, &app.vars).await;
        for case in events::manifest()
            .into_iter()
            .filter(|c| c.function == function_name)
        {
            let outcome = function.invoke(&events::read_event(&case.file)).await;
            let Outcome::Response(response) = outcome else {
                panic!("{}: {outcome:?}", case.file);
            };
            assert_eq!(
                response["statusCode"], case.status,
                "{}: {response}",
                case.file
            );
            assert_eq!(
                header(&response, "x-content-type-options"),
                Some("nosniff"),
                "{}",
                case.file
            );
            assert_expected_headers(&response, &case);
        }
        function.stop().await;
    }
}

/// The event-driven functions through the real runtime loop: the notifications binary reports
/// the bad message of an SQS batch (and only it) as a batch item failure; the jobs binary
/// answers a scheduled event with its report.
#[tokio::test]
async fn the_event_driven_binaries_answer_their_events_through_the_runtime_api() {
    let app = spawn_app().await;
    let notifications = FunctionProcess::start("notifications", &app.vars).await;
    for case in events::of_kind(events::EventKind::Sqs) {
        let outcome = notifications.invoke(&events::read_event(&case.file)).await;
        let Outcome::Response(response) = outcome else {
            panic!("{}: {outcome:?}", case.file);
        };
        let failed: Vec<&str> = response["batchItemFailures"]
            .as_array()
            .unwrap_or_else(|| panic!("{}: no batchItemFailures in {response}", case.file))
            .iter()
            .filter_map(|f| f["itemIdentifier"].as_str())
            .collect();
        assert_eq!(failed, case.failed_message_ids, "{}", case.file);
    }
    notifications.stop().await;

    let jobs = FunctionProcess::start("jobs", &app.vars).await;
    for case in events::of_kind(events::EventKind::Schedule) {
        let outcome = jobs.invoke(&events::read_event(&case.file)).await;
        let Outcome::Response(report) = outcome else {
            panic!("{}: {outcome:?}", case.file);
        };
        assert_eq!(report["jobs_failed"], 0, "{}: {report}", case.file);
        assert_eq!(report["notices_reenqueued"], 0, "{}: {report}", case.file);
    }
    jobs.stop().await;
}
