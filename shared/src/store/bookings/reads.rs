//! Reading bookings and slots.

use std::collections::HashSet;

use anyhow::Context;

use super::keys::{booking_key, slot_pk, BookingsOf, Party};
use super::record::BookingRecord;
use crate::domain::BookingStatus;
use crate::schema::{PARTITION_KEY, SORT_KEY};
use crate::store::attr::{get_s, s, Item, QueryPage};

/// One booking (one consistent `GetItem`).
pub async fn get(
    dynamodb: &aws_sdk_dynamodb::Client,
    table: &str,
    id: &str,
) -> anyhow::Result<Option<BookingRecord>> {
    let output = dynamodb
        .get_item()
        .table_name(table)
        .set_key(Some(booking_key(id)))
        .consistent_read(true)
        .send()
        .await
        .context("Failed to read the booking")?;
    output.item().map(BookingRecord::try_from).transpose()
}

/// The `Query` of one index partition's bookings starting in `[from, to]`, in start order.
fn window_query(
    dynamodb: &aws_sdk_dynamodb::Client,
    table: &str,
    of: BookingsOf<'_>,
    from: &str,
    to: &str,
    limit: i32,
) -> aws_sdk_dynamodb::operation::query::builders::QueryFluentBuilder {
    let (index, partition) = of.partition();
    dynamodb
        .query()
        .table_name(table)
        .index_name(index.name)
        .key_condition_expression("#pk = :pk AND #sk BETWEEN :from AND :to")
        .expression_attribute_names("#pk", index.partition_key)
        .expression_attribute_names("#sk", index.sort_key)
        .expression_attribute_values(":pk", s(partition))
        .expression_attribute_values(":from", s(from))
        // `<start>#<id>`: every id sorts after '#' and before '~'.
        .expression_attribute_values(":to", s(format!("{to}~")))
        .limit(limit)
}

/// Bookings in one index partition whose lesson starts in `[from, to)` (RFC 3339 UTC), in
/// start order, at most `limit`, leaving out cancelled ones. One `Query`.
pub async fn in_window(
    dynamodb: &aws_sdk_dynamodb::Client,
    table: &str,
    of: BookingsOf<'_>,
    from: &str,
    to: &str,
    limit: i32,
) -> anyhow::Result<Vec<BookingRecord>> {
    let output = window_query(dynamodb, table, of, from, to, limit)
        .filter_expression("#status <> :cancelled")
        .expression_attribute_names("#status", "status")
        .expression_attribute_values(":cancelled", s(BookingStatus::Cancelled.as_str()))
        .send()
        .await
        .context("Failed to query bookings")?;
    output.items().iter().map(BookingRecord::try_from).collect()
}

/// The same window with cancelled bookings included (the calendar feed shows them as
/// cancelled), latest start first: when more than `limit` fall in it, the oldest are left out,
/// never the coming ones. One `Query`.
pub async fn all_in_window(
    dynamodb: &aws_sdk_dynamodb::Client,
    table: &str,
    of: BookingsOf<'_>,
    from: &str,
    to: &str,
    limit: i32,
) -> anyhow::Result<Vec<BookingRecord>> {
    let output = window_query(dynamodb, table, of, from, to, limit)
        .scan_index_forward(false)
        .send()
        .await
        .context("Failed to query bookings")?;
    output.items().iter().map(BookingRecord::try_from).collect()
}

/// A page of bookings, latest lesson first, optionally only those of one status (a filter,
/// not a key: a page may hold fewer than `limit` items, but it stays one `Query`).
pub async fn page(
    dynamodb: &aws_sdk_dynamodb::Client,
    table: &str,
    of: BookingsOf<'_>,
    status: Option<BookingStatus>,
    limit: i32,
    start: Option<Item>,
) -> anyhow::Result<QueryPage<BookingRecord>> {
    let (index, partition) = of.partition();
    let mut request = dynamodb
        .query()
        .table_name(table)
        .index_name(index.name)
        .key_condition_expression("#pk = :pk")
        .expression_attribute_names("#pk", index.partition_key)
        .expression_attribute_values(":pk", s(partition))
        .scan_index_forward(false)
        .limit(limit)
        .set_exclusive_start_key(start);
    if let Some(status) = status {
        request = request
            .filter_expression("#status = :status")
            .expression_attribute_names("#status", "status")
            .expression_attribute_values(":status", s(status.as_str()));
    }
    let output = request.send().await.context("Failed to list bookings")?;
    QueryPage::of(
        output.items(),
        output.last_evaluated_key(),
        BookingRecord::try_from,
    )
}

/// The instructor's taken quarter-hour slots (their keys, `quarter_key`) from `first` to
/// `last`, both included: one `Query` (a day has at most 96 slots, one page).
pub async fn taken_quarters(
    dynamodb: &aws_sdk_dynamodb::Client,
    table: &str,
    instructor_id: &str,
    first: &str,
    last: &str,
) -> anyhow::Result<HashSet<String>> {
    let output = dynamodb
        .query()
        .table_name(table)
        .key_condition_expression("#pk = :pk AND #sk BETWEEN :from AND :to")
        .expression_attribute_names("#pk", PARTITION_KEY)
        .expression_attribute_names("#sk", SORT_KEY)
        .expression_attribute_values(":pk", s(slot_pk(Party::Instructor, instructor_id)))
        .expression_attribute_values(":from", s(first))
        .expression_attribute_values(":to", s(last))
        .send()
        .await
        .context("Failed to read slots")?;
    Ok(output
        .items()
        .iter()
        .filter_map(|item| get_s(item, SORT_KEY).map(str::to_owned))
        .collect())
}
