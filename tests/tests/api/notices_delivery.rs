//! Notices leave the request path: routes answer the same with the mail server down, and the
//! queue delivers once it is back; a notice delivered twice is sent once per channel; a message
//! that always fails ends in the dead-letter queue while the rest of its batch goes out once.

use std::time::{Duration, Instant};

use integration_tests::accounts::student_body;
use integration_tests::app::{spawn_app, spawn_app_with, Options};
use integration_tests::mail::{self, wait_for_mail_containing};
use integration_tests::marketplace::{working_day, CAPE_TOWN};
use integration_tests::notices::{self, wait_for_sms_containing};
use serde_json::json;
use shared::notices::{BookingEvent, Notice};

#[tokio::test]
async fn with_smtp_stopped_registration_reset_and_booking_answer_and_the_mail_follows() {
    let mail_dir = std::env::temp_dir().join(format!("drive-alive-mail-{}", uuid::Uuid::new_v4()));
    let mut smtp = local::stack::start_smtp(&mail_dir, None).expect("start an SMTP server");
    let port = smtp.port;
    let mut app = spawn_app_with(Options {
        extra_vars: vec![("SMTP_PORT".into(), port.to_string())],
        ..Options::default()
    })
    .await;
    app.mail_dir = mail_dir.clone();
    let instructor = app.listed_instructor(&CAPE_TOWN, 300.0).await;
    let student = app.signed_in_student().await;

    smtp.stop();
    let newcomer = student_body();
    let started = Instant::now();
    assert_eq!(app.register("student", &newcomer).await.status(), 201);
    let forgot = app
        .post_json(
            "/api/v1/auth/forgot-password",
            &json!({ "email": student.user.email }),
        )
        .await;
    assert_eq!(forgot.status(), 202);
    app.book(&student, &instructor.user_id, &working_day(3), "10:00", 60)
        .await;
    // No SMTP timeout in any answer: the routes never talked to the mail server.
    assert!(
        started.elapsed() < Duration::from_secs(5),
        "{:?}",
        started.elapsed()
    );
    assert!(mail::find_mail(&mail_dir, newcomer["email"].as_str().expect("email")).is_empty());

    let _smtp = local::stack::start_smtp_on(&mail_dir, port).expect("start SMTP again");
    let email = newcomer["email"].as_str().expect("email");
    wait_for_mail_containing(&mail_dir, email, "/verify?token=").await;
    wait_for_mail_containing(&mail_dir, &student.user.email, "/reset-password?token=").await;
    wait_for_mail_containing(&mail_dir, &instructor.email, "New lesson request").await;
}

#[tokio::test]
async fn a_booking_request_sends_the_instructor_one_email_and_one_sms_even_when_delivered_twice() {
    let app = spawn_app().await;
    let instructor = app.listed_instructor(&CAPE_TOWN, 300.0).await;
    let student = app.signed_in_student().await;
    let booked = app
        .book(&student, &instructor.user_id, &working_day(4), "11:00", 60)
        .await;
    let booking_id = booked["id"].as_str().expect("id");
    wait_for_mail_containing(&app.mail_dir, &instructor.email, "New lesson request").await;
    let sms = wait_for_sms_containing(&app, &instructor.phone, "asked for a lesson").await;
    assert!(!sms.contains("token"), "{sms}");

    // SQS delivers at least once: the same message twice more, in one batch and in another.
    let notice = Notice::booking_round(BookingEvent::Requested, booking_id, 0, &instructor.user_id);
    let body = serde_json::to_string(&notice).expect("JSON");
    notices::enqueue_raw(&app, &body).await;
    notices::enqueue_raw(&app, &body).await;
    notices::wait_until_drained(&app, Duration::from_secs(15)).await;
    tokio::time::sleep(Duration::from_millis(300)).await;

    let emails = mail::find_mail(&app.mail_dir, &instructor.email)
        .into_iter()
        .filter(|m| mail::decode_quoted_printable(m).contains("New lesson request"))
        .count();
    assert_eq!(emails, 1, "one email");
    let texts = notices::sms_to(&app, &instructor.phone)
        .await
        .into_iter()
        .filter(|m| m.contains("asked for a lesson"))
        .count();
    assert_eq!(texts, 1, "one SMS");
}

#[tokio::test]
async fn a_message_that_always_fails_lands_in_the_dlq_after_5_receives_and_its_batch_goes_once() {
    let app = spawn_app().await;
    let user = app.verified_student().await;
    let good = Notice::registration_attempt(&user.user_id);
    let entries = [
        ("poison", "this is not a notice".to_owned()),
        ("good", serde_json::to_string(&good).expect("JSON")),
    ];
    let mut batch = app
        .state
        .aws
        .sqs
        .send_message_batch()
        .queue_url(notices::queue_url(&app));
    for (id, body) in entries {
        batch = batch.entries(
            aws_sdk_sqs::types::SendMessageBatchRequestEntry::builder()
                .id(id)
                .message_body(body)
                .build()
                .expect("entry"),
        );
    }
    batch.send().await.expect("enqueue the batch");

    // 5 receives, 2 s apart (the local visibility timeout), then the move.
    let dlq = notices::dead_letter_queue_url(&app);
    let deadline = Instant::now() + Duration::from_secs(30);
    while notices::messages_in(&app, &dlq).await == 0 {
        assert!(
            Instant::now() < deadline,
            "nothing reached the dead-letter queue"
        );
        tokio::time::sleep(Duration::from_millis(200)).await;
    }
    let moved = app
        .state
        .aws
        .sqs
        .receive_message()
        .queue_url(&dlq)
        .message_system_attribute_names(
            aws_sdk_sqs::types::MessageSystemAttributeName::ApproximateReceiveCount,
        )
        .send()
        .await
        .expect("read the dead-letter queue");
    let moved = moved.messages();
    assert_eq!(moved.len(), 1);
    assert_eq!(moved[0].body(), Some("this is not a notice"));
    let receives = moved[0]
        .attributes()
        .and_then(|a| {
            a.get(&aws_sdk_sqs::types::MessageSystemAttributeName::ApproximateReceiveCount)
        })
        .and_then(|n| n.parse::<u32>().ok())
        .expect("a receive count");
    assert!(receives >= 5, "moved after {receives} receives");
    notices::wait_until_drained(&app, Duration::from_secs(5)).await;
    let attempts = mail::find_mail(&app.mail_dir, &user.email)
        .into_iter()
        .filter(|m| mail::decode_quoted_printable(m).contains("Someone tried to create"))
        .count();
    assert_eq!(attempts, 1, "the good message of the batch went once");
}
