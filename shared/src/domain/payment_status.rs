//! Where a booking's payment is (SPEC §6.1).

use serde::{Deserialize, Serialize};

#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(rename_all = "lowercase")]
pub enum PaymentStatus {
    /// No payment yet (an intent may exist, waiting for the card).
    #[default]
    Unpaid,
    /// Stripe is settling the payment.
    Processing,
    Paid,
    /// Refunded after a cancellation (`refund_amount` says how much).
    Refunded,
    /// The last attempt failed; the student may try again with the same intent.
    Failed,
}

impl PaymentStatus {
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Unpaid => "unpaid",
            Self::Processing => "processing",
            Self::Paid => "paid",
            Self::Refunded => "refunded",
            Self::Failed => "failed",
        }
    }

    pub fn parse(text: &str) -> Option<Self> {
        [
            Self::Unpaid,
            Self::Processing,
            Self::Paid,
            Self::Refunded,
            Self::Failed,
        ]
        .into_iter()
        .find(|s| s.as_str() == text)
    }

    /// Not (yet) money received: what a `payment_intent.succeeded` may turn into `paid`.
    pub fn is_open(self) -> bool {
        matches!(self, Self::Unpaid | Self::Processing | Self::Failed)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_round_trip() {
        for s in [
            PaymentStatus::Unpaid,
            PaymentStatus::Processing,
            PaymentStatus::Paid,
            PaymentStatus::Refunded,
            PaymentStatus::Failed,
        ] {
            assert_eq!(PaymentStatus::parse(s.as_str()), Some(s));
        }
        assert_eq!(PaymentStatus::parse("settled"), None);
    }
}
