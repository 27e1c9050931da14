//! The jobs function's runs, called directly against the app's table with the settable clock:
//! reminders once per lesson, pending bookings cancelled after 48 hours, unverified accounts
//! deleted after 7 days (their email free again), and outbox notices enqueued again.

use std::time::Duration;

use integration_tests::accounts::student_body;
use integration_tests::app::{spawn_app_with, Options, TestApp};
use integration_tests::mail::{self, wait_for_mail_containing};
use integration_tests::marketplace::{working_day, CAPE_TOWN};
use integration_tests::notices::{self, wait_for_sms_containing};
use serde_json::json;
use shared::clock::Clock;
use shared::notices::Notice;
use shared::store::bookings::{self, BookingStatus};
use shared::store::transact::transact;
use shared::store::{outbox, stats, users};

async fn app_with_clock() -> (TestApp, Clock) {
    let clock = Clock::fixed(jiff::Timestamp::now());
    let app = spawn_app_with(Options {
        clock: Some(clock.clone()),
        ..Options::default()
    })
    .await;
    (app, clock)
}

fn count_containing(app: &TestApp, to: &str, needle: &str) -> usize {
    mail::find_mail(&app.mail_dir, to)
        .into_iter()
        .filter(|m| mail::decode_quoted_printable(m).contains(needle))
        .count()
}

#[tokio::test]
async fn a_confirmed_lesson_24_hours_away_gets_exactly_one_reminder_across_runs() {
    let (app, clock) = app_with_clock().await;
    let instructor = app.listed_instructor(&CAPE_TOWN, 300.0).await;
    let teacher = app.login(&instructor).await;
    let student = app.signed_in_student().await;
    let booked = app
        .book(&student, &instructor.user_id, &working_day(3), "10:00", 60)
        .await;
    let id = booked["id"].as_str().expect("id");
    let confirmed = app
        .client
        .post(app.url(&format!("/api/v1/bookings/{id}/confirm")))
        .bearer_auth(&teacher.access_token)
        .send()
        .await
        .expect("send");
    assert_eq!(confirmed.status(), 200);

    let start: jiff::Timestamp = booked["lesson_start"]
        .as_str()
        .expect("lesson_start")
        .parse()
        .expect("RFC 3339");
    assert_eq!(jobs::run(&app.state).await.reminders_sent, 0, "too early");
    clock.set(start - jiff::SignedDuration::from_hours(23));
    let first = jobs::run(&app.state).await;
    let again = jobs::run(&app.state).await;
    assert_eq!((first.reminders_sent, again.reminders_sent), (1, 0));
    assert_eq!(first.jobs_failed, 0);

    wait_for_mail_containing(&app.mail_dir, &student.user.email, "Reminder").await;
    wait_for_mail_containing(&app.mail_dir, &instructor.email, "Reminder").await;
    wait_for_sms_containing(&app, &student.user.phone, "reminder").await;
    notices::wait_until_drained(&app, Duration::from_secs(10)).await;
    assert_eq!(count_containing(&app, &student.user.email, "Reminder"), 1);
    assert_eq!(count_containing(&app, &instructor.email, "Reminder"), 1);
}

#[tokio::test]
async fn a_booking_pending_for_48_hours_is_cancelled_and_both_parties_told() {
    let (app, clock) = app_with_clock().await;
    let instructor = app.listed_instructor(&CAPE_TOWN, 300.0).await;
    let student = app.signed_in_student().await;
    let booked = app
        .book(&student, &instructor.user_id, &working_day(4), "10:00", 60)
        .await;
    let id = booked["id"].as_str().expect("id");
    let (db, table) = (
        &app.state.aws.dynamodb,
        app.state.config.table_name.as_str(),
    );

    clock.set(clock.now().timestamp() + jiff::SignedDuration::from_hours(47));
    assert_eq!(jobs::run(&app.state).await.pending_bookings_cancelled, 0);
    clock.set(clock.now().timestamp() + jiff::SignedDuration::from_hours(2));
    assert_eq!(jobs::run(&app.state).await.pending_bookings_cancelled, 1);
    assert_eq!(jobs::run(&app.state).await.pending_bookings_cancelled, 0);

    let booking = bookings::get(db, table, id)
        .await
        .expect("read")
        .expect("booking");
    assert_eq!(booking.status, BookingStatus::Cancelled);
    assert_eq!(booking.cancelled_by.as_deref(), Some("system"));
    for to in [&student.user.email, &instructor.email] {
        wait_for_mail_containing(&app.mail_dir, to, "was cancelled").await;
    }
    let audit = shared::store::audit_log::page(
        db,
        table,
        shared::store::audit_log::AuditFilter {
            action: Some("booking.cancelled_unconfirmed".into()),
            ..Default::default()
        },
        10,
        None,
    )
    .await
    .expect("read the audit log");
    assert_eq!(audit.items.len(), 1);
    // The time is free again: the student (signed in afresh, two days on) can book it.
    let student = app.login(&student.user).await;
    let rebooked = app
        .post_booking(&student, &instructor.user_id, &working_day(4), "10:00", 60)
        .await;
    assert_eq!(rebooked.status(), 201);
}

#[tokio::test]
async fn an_unverified_account_8_days_old_is_gone_and_its_email_can_register_again() {
    let (app, clock) = app_with_clock().await;
    let (db, table) = (
        &app.state.aws.dynamodb,
        app.state.config.table_name.as_str(),
    );
    let body = student_body();
    let email = body["email"].as_str().expect("email").to_owned();
    let registered = app.register("student", &body).await;
    assert_eq!(registered.status(), 201);
    let user_id = registered.json::<serde_json::Value>().await.expect("JSON")["user_id"]
        .as_str()
        .expect("user_id")
        .to_owned();
    let first = mail::wait_for_mail(&app.mail_dir, &email).await;
    let first_token = mail::token_after(&first, "/verify?token=");
    let verified = app.verified_student().await;
    let before = stats::read(db, table, clock.now().timestamp())
        .await
        .expect("stats");

    clock.set(clock.now().timestamp() + jiff::SignedDuration::from_hours(6 * 24));
    assert_eq!(jobs::run(&app.state).await.unverified_accounts_deleted, 0);
    clock.set(clock.now().timestamp() + jiff::SignedDuration::from_hours(2 * 24));
    assert_eq!(jobs::run(&app.state).await.unverified_accounts_deleted, 1);
    assert_eq!(jobs::run(&app.state).await.unverified_accounts_deleted, 0);

    assert!(users::get(db, table, &user_id)
        .await
        .expect("read")
        .is_none());
    assert!(
        users::get(db, table, &verified.user_id)
            .await
            .expect("read")
            .is_some(),
        "a verified account stays"
    );
    let after = stats::read(db, table, clock.now().timestamp())
        .await
        .expect("stats");
    assert_eq!(after.total_users, before.total_users - 1);

    // The address and number register again: a new link, no "someone tried" notice.
    assert_eq!(app.register("student", &body).await.status(), 201);
    // Mail files sort by the second they arrived, so the new link is the one that differs.
    let deadline = std::time::Instant::now() + Duration::from_secs(10);
    let token = loop {
        let fresh = mail::find_mail(&app.mail_dir, &email)
            .iter()
            .map(|m| mail::token_after(m, "/verify?token="))
            .find(|t| *t != first_token);
        if let Some(token) = fresh {
            break token;
        }
        assert!(std::time::Instant::now() < deadline, "no new link");
        tokio::time::sleep(Duration::from_millis(100)).await;
    };
    let verify = app
        .post_json("/api/v1/auth/verify", &json!({ "token": token }))
        .await;
    assert_eq!(verify.status(), 200);
    assert_eq!(count_containing(&app, &email, "Someone tried"), 0);
}

#[tokio::test]
async fn a_notice_left_in_the_outbox_is_enqueued_again_once_due() {
    let (app, clock) = app_with_clock().await;
    let (db, table) = (
        &app.state.aws.dynamodb,
        app.state.config.table_name.as_str(),
    );
    let user = app.verified_student().await;
    // Stored with a change whose enqueue never happened.
    let notice = Notice::registration_attempt(&user.user_id);
    transact(
        db,
        vec![outbox::put(table, &notice, clock.now()).expect("put")],
    )
    .await
    .expect("store the notice");

    assert_eq!(
        jobs::run(&app.state).await.notices_reenqueued,
        0,
        "not due yet"
    );
    clock.set(clock.now().timestamp() + jiff::SignedDuration::from_mins(6));
    assert_eq!(jobs::run(&app.state).await.notices_reenqueued, 1);
    wait_for_mail_containing(&app.mail_dir, &user.email, "Someone tried").await;
    notices::wait_until_drained(&app, Duration::from_secs(10)).await;
    tokio::time::sleep(Duration::from_millis(200)).await;
    assert_eq!(
        jobs::run(&app.state).await.notices_reenqueued,
        0,
        "sent, so gone from the outbox"
    );
}

#[tokio::test]
async fn a_paid_booking_the_jobs_cancel_is_refunded_in_full_once() {
    let clock = Clock::fixed(jiff::Timestamp::now());
    let app = spawn_app_with(Options {
        clock: Some(clock.clone()),
        payments: true,
        stripe_webhook: true,
        ..Options::default()
    })
    .await;
    let instructor = app.listed_instructor(&CAPE_TOWN, 300.0).await;
    let student = app.signed_in_student().await;
    let (id, intent) = app.paid_booking(&student, &instructor.user_id, 4).await;

    clock.set(clock.now().timestamp() + jiff::SignedDuration::from_hours(49));
    assert_eq!(jobs::run(&app.state).await.pending_bookings_cancelled, 1);
    assert_eq!(jobs::run(&app.state).await.pending_bookings_cancelled, 0);

    let (db, table) = (
        &app.state.aws.dynamodb,
        app.state.config.table_name.as_str(),
    );
    let booking = bookings::get(db, table, &id)
        .await
        .expect("read")
        .expect("booking");
    assert_eq!(booking.status, BookingStatus::Cancelled);
    assert_eq!(
        booking.payment.status,
        shared::domain::PaymentStatus::Refunded
    );
    assert!(!booking.payment.refund_pending);
    let refunds = integration_tests::payments::refunds_at_localstripe(&intent).await;
    assert_eq!(
        refunds.len(),
        1,
        "one refund, whatever the runs: {refunds:?}"
    );
    assert_eq!(
        refunds[0]["amount"], 30_000,
        "the whole price of an hour at R300"
    );
}

async fn confirm(app: &TestApp, teacher: &integration_tests::accounts::LoggedIn, id: &str) {
    let confirmed = app
        .client
        .post(app.url(&format!("/api/v1/bookings/{id}/confirm")))
        .bearer_auth(&teacher.access_token)
        .send()
        .await
        .expect("send");
    assert_eq!(confirmed.status(), 200);
}

async fn move_to_noon(app: &TestApp, who: &integration_tests::accounts::LoggedIn, id: &str) {
    let moved = app
        .post_as(
            who,
            &format!("/api/v1/bookings/{id}/reschedule"),
            json!({"lesson_date": working_day(8), "lesson_time": "12:00"}),
        )
        .await;
    assert_eq!(moved.status(), 200);
}

#[tokio::test]
async fn a_lesson_its_student_moves_waits_48_hours_again_and_a_new_confirmation_is_told() {
    let (app, clock) = app_with_clock().await;
    let instructor = app.listed_instructor(&CAPE_TOWN, 300.0).await;
    let (left, reconfirmed) = (app.signed_in_student().await, app.signed_in_student().await);
    let mut ids = Vec::new();
    for (student, time) in [(&left, "09:00"), (&reconfirmed, "15:00")] {
        let booked = app
            .book(student, &instructor.user_id, &working_day(8), time, 60)
            .await;
        ids.push(booked["id"].as_str().expect("id").to_owned());
    }
    let teacher = app.login(&instructor).await;
    for id in &ids {
        confirm(&app, &teacher, id).await;
    }

    // 30 hours on, each student moves their lesson: pending again, the instructor told.
    clock.set(clock.now().timestamp() + jiff::SignedDuration::from_hours(30));
    let (left, reconfirmed) = (
        app.login(&left.user).await,
        app.login(&reconfirmed.user).await,
    );
    move_to_noon(&app, &left, &ids[0]).await;
    let moved = app
        .post_as(
            &reconfirmed,
            &format!("/api/v1/bookings/{}/reschedule", ids[1]),
            json!({"lesson_date": working_day(8), "lesson_time": "14:00"}),
        )
        .await;
    assert_eq!(moved.status(), 200);
    wait_for_mail_containing(&app.mail_dir, &instructor.email, "was rescheduled").await;

    // 50 hours after booking, 20 after the move: nothing is due yet.
    clock.set(clock.now().timestamp() + jiff::SignedDuration::from_hours(20));
    assert_eq!(jobs::run(&app.state).await.pending_bookings_cancelled, 0);
    let teacher = app.login(&instructor).await;
    confirm(&app, &teacher, &ids[1]).await;
    // The second confirmation of the moved lesson is told too (a notice of its own round).
    let to = &reconfirmed.user.email;
    for _ in 0..50 {
        if count_containing(&app, to, "confirmed your lesson") == 2 {
            break;
        }
        tokio::time::sleep(Duration::from_millis(200)).await;
    }
    assert_eq!(count_containing(&app, to, "confirmed your lesson"), 2);

    // 48 hours after the move, the lesson left pending is cancelled; the reconfirmed one stays.
    clock.set(clock.now().timestamp() + jiff::SignedDuration::from_hours(29));
    assert_eq!(jobs::run(&app.state).await.pending_bookings_cancelled, 1);
    let (db, table) = (
        &app.state.aws.dynamodb,
        app.state.config.table_name.as_str(),
    );
    for (id, status) in [
        (&ids[0], BookingStatus::Cancelled),
        (&ids[1], BookingStatus::Confirmed),
    ] {
        let booking = bookings::get(db, table, id)
            .await
            .expect("read")
            .expect("booking");
        assert_eq!(booking.status, status, "{id}");
    }
}
