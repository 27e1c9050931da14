//! Reviews: `PK = REVIEWS#<instructor>`, `SK = <created>#<booking>`, newest last in the key
//! order (listed newest first). One per completed booking: the booking's own `reviewed` flag,
//! set under a condition in the same transaction, is what makes a second review impossible,
//! and the instructor's rating sum and count move in that transaction too.

use anyhow::Context;
use aws_sdk_dynamodb::types::{AttributeValue, Put, Update};
use serde::Serialize;

use super::attr::{get_n, get_s, n, req_s, s, Item, QueryPage};
use super::bookings::{booking_key, BookingRecord, BookingStatus};
use super::transact::Write;
use super::users;
use crate::schema::{PARTITION_KEY, SORT_KEY};

/// A review of a completed lesson, as stored and as listed.
#[derive(Debug, Clone, PartialEq, Serialize, utoipa::ToSchema)]
#[schema(as = Review)]
pub struct ReviewRecord {
    pub booking_id: String,
    pub instructor_id: String,
    /// The reviewer's first name and last initial.
    pub student_name: String,
    #[schema(minimum = 1, maximum = 5)]
    pub rating: u8,
    pub comment: String,
    #[schema(format = DateTime)]
    pub created_at: String,
}

pub fn reviews_pk(instructor_id: &str) -> String {
    format!("REVIEWS#{instructor_id}")
}

impl TryFrom<&Item> for ReviewRecord {
    type Error = anyhow::Error;

    fn try_from(item: &Item) -> anyhow::Result<Self> {
        Ok(Self {
            booking_id: req_s(item, "booking_id")?,
            instructor_id: req_s(item, "instructor_id")?,
            student_name: req_s(item, "student_name")?,
            rating: get_n(item, "rating").unwrap_or(0),
            comment: get_s(item, "comment").unwrap_or_default().to_owned(),
            created_at: req_s(item, "created_at")?,
        })
    }
}

/// The review, the booking's `reviewed` flag (only on a completed, unreviewed booking) and the
/// instructor's rating totals, as one transaction.
pub fn review_items(
    table: &str,
    booking: &BookingRecord,
    review: &ReviewRecord,
) -> anyhow::Result<Vec<Write>> {
    let mark = Update::builder()
        .table_name(table)
        .set_key(Some(booking_key(&booking.id)))
        .update_expression("SET reviewed = :yes")
        .condition_expression("#status = :completed AND reviewed = :no")
        .expression_attribute_names("#status", "status")
        .expression_attribute_values(":completed", s(BookingStatus::Completed.as_str()))
        .expression_attribute_values(":yes", AttributeValue::Bool(true))
        .expression_attribute_values(":no", AttributeValue::Bool(false))
        .build()?;
    let mut item = Item::from([
        (
            PARTITION_KEY.to_owned(),
            s(reviews_pk(&review.instructor_id)),
        ),
        (
            SORT_KEY.to_owned(),
            s(format!("{}#{}", review.created_at, review.booking_id)),
        ),
        ("booking_id".to_owned(), s(&review.booking_id)),
        ("instructor_id".to_owned(), s(&review.instructor_id)),
        ("student_name".to_owned(), s(&review.student_name)),
        ("rating".to_owned(), n(review.rating)),
        ("created_at".to_owned(), s(&review.created_at)),
    ]);
    if !review.comment.is_empty() {
        item.insert("comment".into(), s(&review.comment));
    }
    let put = Put::builder()
        .table_name(table)
        .set_item(Some(item))
        .condition_expression("attribute_not_exists(PK)")
        .build()?;
    let totals = Update::builder()
        .table_name(table)
        .set_key(Some(users::profile_key(&booking.instructor_id)))
        .update_expression("ADD rating_sum :rating, rating_count :one")
        .condition_expression("attribute_exists(PK)")
        .expression_attribute_values(":rating", n(review.rating))
        .expression_attribute_values(":one", n(1))
        .build()?;
    Ok(vec![
        Write::from(mark),
        Write::from(put),
        Write::from(totals),
    ])
}

/// A page of an instructor's reviews, newest first: one `Query`.
pub async fn for_instructor(
    dynamodb: &aws_sdk_dynamodb::Client,
    table: &str,
    instructor_id: &str,
    limit: i32,
    start: Option<Item>,
) -> anyhow::Result<QueryPage<ReviewRecord>> {
    let output = dynamodb
        .query()
        .table_name(table)
        .key_condition_expression("#pk = :pk")
        .expression_attribute_names("#pk", PARTITION_KEY)
        .expression_attribute_values(":pk", s(reviews_pk(instructor_id)))
        .scan_index_forward(false)
        .limit(limit)
        .set_exclusive_start_key(start)
        .send()
        .await
        .context("Failed to list reviews")?;
    QueryPage::of(
        output.items(),
        output.last_evaluated_key(),
        ReviewRecord::try_from,
    )
}

/// "Thandiwe M." — how a student appears on a public review.
pub fn public_name(first_name: &str, last_name: &str) -> String {
    match last_name.chars().next() {
        Some(initial) => format!("{first_name} {initial}."),
        None => first_name.to_owned(),
    }
}
