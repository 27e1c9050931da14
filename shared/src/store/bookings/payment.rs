//! The payment attributes of a booking item (their writes: `crate::store::payments`).

use aws_sdk_dynamodb::types::AttributeValue;
use serde::Serialize;

use crate::domain::PaymentStatus;
use crate::store::attr::{get_bool, get_n, get_s, n, put_opt, s, Item};

#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct BookingPayment {
    pub status: PaymentStatus,
    pub intent_id: Option<String>,
    /// What the cancellation of a paid booking owes (cents; 0 when the policy refunds nothing).
    pub refund_cents: Option<i64>,
    /// The owed refund is recorded but not yet made at Stripe.
    pub refund_pending: bool,
    /// Stripe's id of the refund made.
    pub refund_id: Option<String>,
}

impl BookingPayment {
    pub fn read(item: &Item) -> Self {
        Self {
            status: get_s(item, "payment_status")
                .and_then(PaymentStatus::parse)
                .unwrap_or_default(),
            intent_id: get_s(item, "payment_intent_id").map(str::to_owned),
            refund_cents: get_n(item, "refund_cents"),
            refund_pending: get_bool(item, "refund_pending").unwrap_or(false),
            refund_id: get_s(item, "refund_id").map(str::to_owned),
        }
    }

    pub fn write(&self, item: &mut Item) {
        item.insert("payment_status".into(), s(self.status.as_str()));
        put_opt(item, "payment_intent_id", self.intent_id.as_ref().map(s));
        put_opt(item, "refund_cents", self.refund_cents.map(n));
        if self.refund_pending {
            item.insert("refund_pending".into(), AttributeValue::Bool(true));
        }
        put_opt(item, "refund_id", self.refund_id.as_ref().map(s));
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_booking_without_payment_attributes_is_unpaid_and_the_mapping_round_trips() {
        assert_eq!(
            BookingPayment::read(&Item::new()),
            BookingPayment::default()
        );
        let payment = BookingPayment {
            status: PaymentStatus::Paid,
            intent_id: Some("pi_1".into()),
            refund_cents: Some(45_000),
            refund_pending: true,
            refund_id: None,
        };
        let mut item = Item::new();
        payment.write(&mut item);
        assert_eq!(BookingPayment::read(&item), payment);
    }
}
