use std::process::ExitCode;

use aws_lambda_events::event::sqs::SqsEvent;
use lambda_runtime::{service_fn, LambdaEvent};

fn main() -> ExitCode {
    shared::lambda::run_event_function("notifications", |config| async move {
        let notifier = notifications::Notifier::build(config).await;
        lambda_runtime::run(service_fn(move |event: LambdaEvent<SqsEvent>| {
            let notifier = notifier.clone();
            async move {
                Ok::<_, lambda_runtime::Error>(
                    notifications::handle(&notifier, event.payload).await,
                )
            }
        }))
        .await
    })
}
