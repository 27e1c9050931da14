use std::process::ExitCode;

use aws_lambda_events::event::eventbridge::EventBridgeEvent;
use lambda_runtime::{service_fn, LambdaEvent};

fn main() -> ExitCode {
    shared::lambda::run_event_function("jobs", |config| async move {
        let state = shared::AppState::build(config).await;
        lambda_runtime::run(service_fn(
            move |_event: LambdaEvent<EventBridgeEvent<serde_json::Value>>| {
                let state = state.clone();
                async move { Ok::<_, lambda_runtime::Error>(jobs::run(&state).await) }
            },
        ))
        .await
    })
}
