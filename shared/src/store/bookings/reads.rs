//! Reading bookings and slots.

use std::collections::HashSet;

use anyhow::Context;

use super::keys::{booking_key, slot_pk, BookingsOf, Party};
use super::record::BookingRecord;
use crate::domain::BookingStatus;
use crate::schema::{PARTITION_KEY, SORT_KEY};
use crate::store::attr::{get_s, s, Item, QueryPage};
use crate::store::shards::{only_where, IndexRead, Order, SortRange};

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

/// The read of `of`'s bookings starting in `[from, to]`, in `order`, at most `limit`: one
/// `Query` per partition (`BookingsOf::partitions`), concurrently.
fn window_read(of: BookingsOf<'_>, from: &str, to: &str, order: Order, limit: i32) -> IndexRead {
    let (index, partitions) = of.partitions();
    IndexRead {
        index,
        partitions,
        range: SortRange {
            from: Some(from.to_owned()),
            // `<start>#<id>`: every id sorts after '#' and before '~'.
            below: Some(format!("{to}~")),
        },
        order,
        limit,
    }
}

/// Bookings in one index partition (every shard of the admin index) whose lesson starts in
/// `[from, to)` (RFC 3339 UTC), in start order, at most `limit`, leaving out cancelled ones.
/// One `Query` per partition.
pub async fn in_window(
    dynamodb: &aws_sdk_dynamodb::Client,
    table: &str,
    of: BookingsOf<'_>,
    from: &str,
    to: &str,
    limit: i32,
) -> anyhow::Result<Vec<BookingRecord>> {
    let merged = window_read(of, from, to, Order::Ascending, limit)
        .run(
            dynamodb,
            table,
            |request| {
                request
                    .filter_expression("#status <> :cancelled")
                    .expression_attribute_names("#status", "status")
                    .expression_attribute_values(":cancelled", s(BookingStatus::Cancelled.as_str()))
            },
            |item: &Item| BookingRecord::try_from(item),
        )
        .await
        .context("Failed to query bookings")?;
    Ok(merged.items)
}

/// The same window with cancelled bookings included (the calendar feed shows them as
/// cancelled), latest start first: when more than `limit` fall in it, the oldest are left out,
/// never the coming ones. One `Query` per partition.
pub async fn all_in_window(
    dynamodb: &aws_sdk_dynamodb::Client,
    table: &str,
    of: BookingsOf<'_>,
    from: &str,
    to: &str,
    limit: i32,
) -> anyhow::Result<Vec<BookingRecord>> {
    let merged = window_read(of, from, to, Order::Descending, limit)
        .run(
            dynamodb,
            table,
            |request| request,
            |item: &Item| BookingRecord::try_from(item),
        )
        .await
        .context("Failed to query bookings")?;
    Ok(merged.items)
}

/// A page of bookings, latest lesson first, optionally only those of one status (a filter,
/// not a key: a page may hold fewer than `limit` items, but it stays one `Query` per
/// partition). `start` is the cursor key of the page before ([`QueryPage::last_key`]): the
/// sort key to go on below.
pub async fn page(
    dynamodb: &aws_sdk_dynamodb::Client,
    table: &str,
    of: BookingsOf<'_>,
    status: Option<BookingStatus>,
    limit: i32,
    start: Option<Item>,
) -> anyhow::Result<QueryPage<BookingRecord>> {
    let (index, partitions) = of.partitions();
    let read = IndexRead::newest_page(
        index,
        partitions,
        SortRange::default(),
        start.as_ref(),
        limit,
    );
    let merged = read
        .run(
            dynamodb,
            table,
            only_where("status", status.map(BookingStatus::as_str)),
            |item: &Item| BookingRecord::try_from(item),
        )
        .await
        .context("Failed to list bookings")?;
    Ok(merged.into_page(index))
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
