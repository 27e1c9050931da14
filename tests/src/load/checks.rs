//! The checks after a phase: calendars without overlaps, slot items matching the live bookings, rate-limit counters.

use std::collections::{BTreeMap, HashMap};

use crate::accounts::TestUser;
use crate::app::TestApp;
use aws_sdk_dynamodb::types::AttributeValue;
use shared::schema::GSI1;
use shared::store::bookings::{instructor_index_pk, slot_pk, Party};

use super::record::{fail, Shared};

/// Every item of a partition (or of an index partition), all pages.
pub async fn query_all(
    app: &TestApp,
    index: Option<&str>,
    key_name: &str,
    key: String,
) -> anyhow::Result<Vec<HashMap<String, AttributeValue>>> {
    let mut items = Vec::new();
    let mut start = None;
    loop {
        let page = app
            .state
            .aws
            .dynamodb
            .query()
            .table_name(&app.state.config.table_name)
            .set_index_name(index.map(str::to_owned))
            .key_condition_expression("#k = :k")
            .expression_attribute_names("#k", key_name)
            .expression_attribute_values(":k", AttributeValue::S(key.clone()))
            .set_exclusive_start_key(start)
            .send()
            .await?;
        items.extend(page.items().iter().cloned());
        start = page.last_evaluated_key().cloned();
        if start.is_none() {
            return Ok(items);
        }
    }
}

pub fn text(item: &HashMap<String, AttributeValue>, name: &str) -> String {
    item.get(name)
        .and_then(|v| v.as_s().ok())
        .cloned()
        .unwrap_or_default()
}

/// No two live bookings of an instructor overlap, and the instructor's slot items are exactly
/// the quarters of the live bookings. Returns the number of live bookings.
pub async fn check_calendars(app: &TestApp, instructors: &[TestUser], record: &Shared) -> u64 {
    let mut live_total = 0;
    for instructor in instructors {
        let id = &instructor.user_id;
        let bookings = match query_all(
            app,
            Some(GSI1.name),
            GSI1.partition_key,
            instructor_index_pk(id),
        )
        .await
        {
            Ok(items) => items,
            Err(err) => {
                fail(record, format!("query bookings of {id}: {err:#}"));
                continue;
            }
        };
        let mut live: Vec<(jiff::Timestamp, jiff::Timestamp, String)> = Vec::new();
        for item in &bookings {
            if text(item, "status") == "cancelled" {
                continue;
            }
            let start: Option<jiff::Timestamp> = text(item, "lesson_start").parse().ok();
            let minutes: Option<i64> = item
                .get("duration_minutes")
                .and_then(|v| v.as_n().ok())
                .and_then(|n| n.parse().ok());
            let (Some(start), Some(minutes)) = (start, minutes) else {
                fail(record, format!("unreadable booking {item:?}"));
                continue;
            };
            let end = start + jiff::SignedDuration::from_mins(minutes);
            live.push((start, end, text(item, "booking_id")));
        }
        live.sort();
        for pair in live.windows(2) {
            if pair[0].1 > pair[1].0 {
                fail(
                    record,
                    format!(
                        "double booking of {id}: {} and {} overlap",
                        pair[0].2, pair[1].2
                    ),
                );
            }
        }
        let expected: BTreeMap<String, String> = live
            .iter()
            .flat_map(|(start, end, booking)| {
                let mut quarters = Vec::new();
                let mut at = *start;
                while at < *end {
                    quarters.push((shared::domain::lesson::quarter_key(at), booking.clone()));
                    at += jiff::SignedDuration::from_mins(15);
                }
                quarters
            })
            .collect();
        let slots = match query_all(app, None, "PK", slot_pk(Party::Instructor, id)).await {
            Ok(items) => items,
            Err(err) => {
                fail(record, format!("query slots of {id}: {err:#}"));
                continue;
            }
        };
        let held: BTreeMap<String, String> = slots
            .iter()
            .map(|item| (text(item, "SK"), text(item, "booking_id")))
            .collect();
        if held != expected {
            fail(
                record,
                format!(
                    "slots of {id} do not match its live bookings: {} slot items, {} quarters booked",
                    held.len(),
                    expected.len()
                ),
            );
        }
        live_total += live.len() as u64;
    }
    live_total
}

/// The sum of each rate-limit rule's counters over all keys and windows (a test may scan).
pub async fn counter_sums(app: &TestApp) -> anyhow::Result<BTreeMap<String, u64>> {
    let mut sums = BTreeMap::new();
    let mut start = None;
    loop {
        let page = app
            .state
            .aws
            .dynamodb
            .scan()
            .table_name(&app.state.config.table_name)
            .filter_expression("begins_with(PK, :rate)")
            .expression_attribute_values(":rate", AttributeValue::S("RATE#".into()))
            .set_exclusive_start_key(start)
            .send()
            .await?;
        for item in page.items() {
            let pk = text(item, "PK");
            let rule = pk.split('#').nth(1).unwrap_or_default().to_owned();
            let count: u64 = item
                .get("request_count")
                .and_then(|v| v.as_n().ok())
                .and_then(|n| n.parse().ok())
                .unwrap_or_default();
            *sums.entry(rule).or_default() += count;
        }
        start = page.last_evaluated_key().cloned();
        if start.is_none() {
            return Ok(sums);
        }
    }
}
