//! The writes (and the one read) of a booking's payment.

use anyhow::Context;
use aws_sdk_dynamodb::types::builders::UpdateBuilder;
use aws_sdk_dynamodb::types::{AttributeValue, Put, Update};

use crate::domain::{BookingStatus, PaymentStatus};
use crate::schema::{PARTITION_KEY, SORT_KEY, TTL_ATTRIBUTE};
use crate::store::attr::{get_s, n, s, Item};
use crate::store::bookings::{booking_key, Also, BookingRecord};
use crate::store::transact::Write;
use crate::store::users::EARNINGS_PAID;

/// Money moving for `booking` (a payment: positive; a refund: negative): the revenue in the
/// admin stats and the instructor's earnings, for the same transaction as the change.
pub fn money_moved(
    table: &str,
    booking: &BookingRecord,
    delta_cents: i64,
) -> anyhow::Result<Vec<Write>> {
    let earnings = Update::builder()
        .table_name(table)
        .set_key(Some(crate::store::users::profile_key(
            &booking.instructor_id,
        )))
        .update_expression("ADD #earnings :delta")
        .condition_expression("attribute_exists(PK)")
        .expression_attribute_names("#earnings", EARNINGS_PAID)
        .expression_attribute_values(":delta", n(delta_cents))
        .build()?;
    Ok(vec![
        Write::from(crate::store::stats::revenue_update(
            table,
            delta_cents,
            &booking.id,
        )?),
        Write::from(earnings),
    ])
}

/// An applied event is remembered this long: Stripe retries a delivery for up to three days.
const EVENT_RETENTION_SECS: i64 = 30 * 24 * 3600;
const OPEN: [PaymentStatus; 3] = [
    PaymentStatus::Unpaid,
    PaymentStatus::Processing,
    PaymentStatus::Failed,
];

fn lookup_key(intent_id: &str) -> Item {
    Item::from([
        (
            PARTITION_KEY.to_owned(),
            s(format!("PAYMENT_INTENT#{intent_id}")),
        ),
        (SORT_KEY.to_owned(), s("PAYMENT_INTENT")),
    ])
}

/// Keeps the booking's intent: on the booking, only if it has none and is pending or
/// confirmed, and in the lookup item the webhook resolves the intent with.
pub fn attach_intent_items(
    table: &str,
    booking_id: &str,
    intent_id: &str,
    status: PaymentStatus,
) -> anyhow::Result<Vec<Write>> {
    let update = Update::builder()
        .table_name(table)
        .set_key(Some(booking_key(booking_id)))
        .update_expression("SET payment_intent_id = :pi, payment_status = :ps")
        .condition_expression(
            "attribute_exists(PK) AND attribute_not_exists(payment_intent_id) \
             AND #status IN (:pending, :confirmed)",
        )
        .expression_attribute_names("#status", "status")
        .expression_attribute_values(":pi", s(intent_id))
        .expression_attribute_values(":ps", s(status.as_str()))
        .expression_attribute_values(":pending", s(BookingStatus::Pending.as_str()))
        .expression_attribute_values(":confirmed", s(BookingStatus::Confirmed.as_str()))
        .build()?;
    let mut item = lookup_key(intent_id);
    item.insert("booking_id".into(), s(booking_id));
    let lookup = Put::builder()
        .table_name(table)
        .set_item(Some(item))
        .condition_expression("attribute_not_exists(PK)")
        .build()?;
    Ok(vec![Write::from(update), Write::from(lookup)])
}

/// The booking an intent was made for (one `GetItem`).
pub async fn booking_of_intent(
    dynamodb: &aws_sdk_dynamodb::Client,
    table: &str,
    intent_id: &str,
) -> anyhow::Result<Option<String>> {
    let output = dynamodb
        .get_item()
        .table_name(table)
        .set_key(Some(lookup_key(intent_id)))
        .consistent_read(true)
        .send()
        .await
        .context("Failed to read the payment intent's booking")?;
    Ok(output
        .item()
        .and_then(|item| get_s(item, "booking_id"))
        .map(str::to_owned))
}

/// The claim of a Stripe event: fails if the event was applied before.
pub fn event_claim(table: &str, event_id: &str, now_secs: i64) -> anyhow::Result<Put> {
    let item = Item::from([
        (
            PARTITION_KEY.to_owned(),
            s(format!("STRIPE_EVENT#{event_id}")),
        ),
        (SORT_KEY.to_owned(), s("EVENT")),
        (TTL_ATTRIBUTE.to_owned(), n(now_secs + EVENT_RETENTION_SECS)),
    ]);
    Ok(Put::builder()
        .table_name(table)
        .set_item(Some(item))
        .condition_expression("attribute_not_exists(PK)")
        .build()?)
}

/// An update of the booking's payment, conditional on its intent being `intent_id` and its
/// payment status one of `from` (and on `extra`, when given).
fn payment_update(
    table: &str,
    booking_id: &str,
    intent_id: &str,
    from: &[PaymentStatus],
    extra: Option<&str>,
) -> UpdateBuilder {
    let mut builder = Update::builder()
        .table_name(table)
        .set_key(Some(booking_key(booking_id)))
        .expression_attribute_names("#ps", "payment_status")
        .expression_attribute_values(":pi", s(intent_id));
    let mut allowed = Vec::new();
    for (i, status) in from.iter().enumerate() {
        builder = builder.expression_attribute_values(format!(":from{i}"), s(status.as_str()));
        allowed.push(format!(":from{i}"));
    }
    let mut condition = format!(
        "payment_intent_id = :pi AND #ps IN ({})",
        allowed.join(", ")
    );
    if let Some(extra) = extra {
        condition.push_str(" AND ");
        condition.push_str(extra);
    }
    builder.condition_expression(condition)
}

/// `payment_intent.processing` / `.payment_failed`: the payment status becomes `to` if it is
/// one of `from`.
pub fn status_update(
    table: &str,
    booking_id: &str,
    intent_id: &str,
    to: PaymentStatus,
    from: &[PaymentStatus],
) -> anyhow::Result<Update> {
    Ok(payment_update(table, booking_id, intent_id, from, None)
        .update_expression("SET #ps = :to")
        .expression_attribute_values(":to", s(to.as_str()))
        .build()?)
}

/// `payment_intent.succeeded`: `paid`. A booking cancelled before the money arrived also owes
/// it back in full at once (`refund_pending`), whoever cancelled.
pub fn succeeded_update(
    table: &str,
    booking: &BookingRecord,
    intent_id: &str,
) -> anyhow::Result<Update> {
    let cancelled = booking.status == BookingStatus::Cancelled;
    let extra = if cancelled {
        "#status = :cancelled"
    } else {
        "#status <> :cancelled"
    };
    let builder = payment_update(table, &booking.id, intent_id, &OPEN, Some(extra))
        .expression_attribute_names("#status", "status")
        .expression_attribute_values(":paid", s(PaymentStatus::Paid.as_str()))
        .expression_attribute_values(":cancelled", s(BookingStatus::Cancelled.as_str()));
    let builder = if cancelled {
        builder
            .update_expression("SET #ps = :paid, refund_cents = :full, refund_pending = :yes")
            .expression_attribute_values(":full", n(booking.price.cents()))
            .expression_attribute_values(":yes", AttributeValue::Bool(true))
    } else {
        builder.update_expression("SET #ps = :paid")
    };
    Ok(builder.build()?)
}

/// `charge.refunded` (a refund made outside the API, in Stripe's dashboard): `refunded` with
/// what Stripe says was refunded, if the booking was paid.
pub fn charge_refunded_update(
    table: &str,
    booking_id: &str,
    intent_id: &str,
    amount_cents: i64,
) -> anyhow::Result<Update> {
    Ok(
        payment_update(table, booking_id, intent_id, &[PaymentStatus::Paid], None)
            .update_expression("SET #ps = :to, refund_cents = :amount REMOVE refund_pending")
            .expression_attribute_values(":to", s(PaymentStatus::Refunded.as_str()))
            .expression_attribute_values(":amount", n(amount_cents))
            .build()?,
    )
}

/// The payment side of cancelling `booking`, folded into the cancellation's update: the
/// refund it owes (when paid), and a condition that the payment status is still the one the
/// refund was worked out from (a payment settling meanwhile makes the cancellation a 409,
/// to be retried, rather than a paid booking cancelled without its refund).
pub fn cancel_guard(booking: &BookingRecord, refund_cents: Option<i64>) -> Also {
    let seen = booking.payment.status;
    let condition = if seen == PaymentStatus::Unpaid {
        "#pstatus = :pseen OR attribute_not_exists(#pstatus)"
    } else {
        "#pstatus = :pseen"
    };
    let mut also = Also {
        sets: Vec::new(),
        condition: Some(condition.to_owned()),
        names: vec![("#pstatus".into(), "payment_status".into())],
        values: vec![(":pseen".into(), s(seen.as_str()))],
    };
    if let Some(cents) = refund_cents {
        also.sets.push("refund_cents = :prefund".into());
        also.values.push((":prefund".into(), n(cents)));
        if cents > 0 {
            also.sets.push("refund_pending = :ppending".into());
            also.values
                .push((":ppending".into(), AttributeValue::Bool(true)));
        }
    }
    also
}

/// The refund made at Stripe: `refunded`, its id and amount, no longer pending. Conditional on
/// it being pending, so two recorders cannot both move the counters.
pub fn refund_recorded_update(
    table: &str,
    booking_id: &str,
    refund_id: &str,
    amount_cents: i64,
) -> anyhow::Result<Update> {
    Ok(Update::builder()
        .table_name(table)
        .set_key(Some(booking_key(booking_id)))
        .update_expression(
            "SET payment_status = :refunded, refund_id = :rid, refund_cents = :amount \
             REMOVE refund_pending",
        )
        .condition_expression("refund_pending = :yes")
        .expression_attribute_values(":refunded", s(PaymentStatus::Refunded.as_str()))
        .expression_attribute_values(":rid", s(refund_id))
        .expression_attribute_values(":amount", n(amount_cents))
        .expression_attribute_values(":yes", AttributeValue::Bool(true))
        .build()?)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::Rands;

    fn booking(status: BookingStatus, payment: PaymentStatus) -> BookingRecord {
        let item = Item::from([
            ("booking_id".to_owned(), s("b1")),
            ("instructor_id".to_owned(), s("i1")),
            ("student_id".to_owned(), s("s1")),
            ("instructor_name".to_owned(), s("I")),
            ("student_name".to_owned(), s("S")),
            ("lesson_start".to_owned(), s("2026-03-10T08:00:00Z")),
            ("duration_minutes".to_owned(), n(60)),
            ("status".to_owned(), s(status.as_str())),
            ("price_cents".to_owned(), n(30_000)),
            ("pickup_address".to_owned(), s("1 Main Road")),
            ("created_at".to_owned(), s("2026-03-01T08:00:00Z")),
            ("updated_at".to_owned(), s("2026-03-01T08:00:00Z")),
            ("payment_status".to_owned(), s(payment.as_str())),
            ("payment_intent_id".to_owned(), s("pi_1")),
        ]);
        BookingRecord::try_from(&item).expect("a booking")
    }

    #[test]
    fn a_cancellation_owes_its_refund_only_if_the_payment_status_is_unchanged() {
        let paid = booking(BookingStatus::Confirmed, PaymentStatus::Paid);
        let also = cancel_guard(&paid, Some(30_000));
        assert_eq!(also.condition.as_deref(), Some("#pstatus = :pseen"));
        assert!(also
            .sets
            .iter()
            .any(|set| set.starts_with("refund_pending")));
        let late = cancel_guard(&paid, Some(0));
        assert!(
            !late
                .sets
                .iter()
                .any(|set| set.starts_with("refund_pending")),
            "nothing owed, nothing pending"
        );
        let unpaid = cancel_guard(
            &booking(BookingStatus::Pending, PaymentStatus::Unpaid),
            None,
        );
        assert!(unpaid.sets.is_empty());
        assert!(unpaid
            .condition
            .as_deref()
            .is_some_and(|c| c.contains("attribute_not_exists")));
    }

    #[test]
    fn a_payment_after_the_cancellation_owes_the_full_price_back() {
        let cancelled = booking(BookingStatus::Cancelled, PaymentStatus::Unpaid);
        let update = succeeded_update("t", &cancelled, "pi_1").expect("update");
        assert!(update.update_expression().contains("refund_pending"));
        assert!(update
            .condition_expression()
            .is_some_and(|c| c.contains("#status = :cancelled")));
        let values = update.expression_attribute_values().expect("values");
        assert_eq!(values[":full"], n(Rands::from_cents(30_000).cents()));
        let live = booking(BookingStatus::Confirmed, PaymentStatus::Unpaid);
        let update = succeeded_update("t", &live, "pi_1").expect("update");
        assert_eq!(update.update_expression(), "SET #ps = :paid");
        assert!(update
            .condition_expression()
            .is_some_and(|c| c.contains("payment_intent_id = :pi")));
    }
}
