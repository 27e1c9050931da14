//! Keys that would take every write of their kind (the stats counters, the admin booking index,
//! the audit index, the jobs' work lists) are spread over [`SHARDS`] fixed partitions, and read
//! back as one: counters by summing every shard (one `BatchGetItem`), index partitions by one
//! `Query` per shard, concurrently, merged in sort-key order. docs/architecture.md ("Hot keys")
//! gives the write rate each key takes and why [`SHARDS`] is what it is.
//!
//! Shard 0 keeps the key as it was before sharding (`STATS`, `BOOKINGS`, `AUDIT`, ...), shards
//! 1..N get a `#<i>` suffix: items written before sharding sit in shard 0 and are read with the
//! rest, so no data moves. An item's shard is a hash of its own id, so every rewrite of the
//! item (a booking whose lesson moves) lands in the same partition, and a counter's reversal
//! (an unverified account deleted) lands on the shard its increment did.

use aws_sdk_dynamodb::operation::query::builders::QueryFluentBuilder;
use futures::future::try_join_all;
use sha2::{Digest, Sha256};

use crate::schema::GlobalIndex;
use crate::store::attr::{get_s, s, Item, QueryPage};

/// How many partitions each sharded key has. A read of a sharded index makes this many
/// concurrent `Query`s; the stats read asks for 2 × this many keys (BatchGetItem's limit: 100).
/// Raising it is safe (every shard is read, old items stay where they are; a counter's later
/// reversal may land on another shard, the sum stays right); lowering it would leave items in
/// shards no longer read, so it needs a migration first.
pub const SHARDS: usize = 8;

/// The shard of the entity `id`: the first 8 bytes of its SHA-256, modulo [`SHARDS`]. Stable
/// across builds and processes (unlike `std`'s hasher), and even for random ids.
pub fn shard_of(id: &str) -> usize {
    let digest = Sha256::digest(id.as_bytes());
    let mut first = [0_u8; 8];
    first.copy_from_slice(&digest[..8]);
    let shards = u64::try_from(SHARDS).unwrap_or(1);
    usize::try_from(u64::from_be_bytes(first) % shards).unwrap_or(0)
}

/// The key of shard `shard` of `base`: `base` itself for shard 0, `base#<shard>` for the rest.
pub fn shard_key(base: &str, shard: usize) -> String {
    if shard == 0 {
        base.to_owned()
    } else {
        format!("{base}#{shard}")
    }
}

/// The key of `base` the entity `id` writes to.
pub fn key_for(base: &str, id: &str) -> String {
    shard_key(base, shard_of(id))
}

/// Every shard's key of `base`, shard 0 first.
pub fn all_keys(base: &str) -> Vec<String> {
    (0..SHARDS).map(|shard| shard_key(base, shard)).collect()
}

/// The direction of a merged read, by sort key.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Order {
    Ascending,
    Descending,
}

/// Sort keys from `from` (included) to `below` (left out).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct SortRange {
    pub from: Option<String>,
    pub below: Option<String>,
}

impl SortRange {
    fn contains(&self, key: &str) -> bool {
        self.from.as_deref().is_none_or(|from| key >= from)
            && self.below.as_deref().is_none_or(|below| key < below)
    }

    /// The key condition's range part, and how many items one `Query` reads for a page of
    /// `limit`: `BETWEEN` includes its upper end, whose item (if any) is then dropped, so such
    /// a query reads one more.
    fn condition(&self, limit: i32) -> (&'static str, i32) {
        match (&self.from, &self.below) {
            (None, None) => ("", limit),
            (Some(_), None) => (" AND #sk >= :from", limit),
            (None, Some(_)) => (" AND #sk < :below", limit),
            (Some(_), Some(_)) => (" AND #sk BETWEEN :from AND :below", limit.saturating_add(1)),
        }
    }
}

/// One partition's answer: its items with their sort keys, in the read's order, and the sort
/// key where it stopped when it has more.
#[derive(Debug)]
pub struct PartitionPage<T> {
    pub items: Vec<(String, T)>,
    pub stopped_at: Option<String>,
}

/// A merged page and, when more may follow, the sort key to go on from (exclusive).
#[derive(Debug, Clone, PartialEq)]
pub struct Merged<T> {
    pub items: Vec<T>,
    pub next: Option<String>,
}

impl<T> Merged<T> {
    /// The page with its position as a cursor key of `index` (see [`cursor_key`]).
    pub fn into_page(self, index: GlobalIndex) -> QueryPage<T> {
        QueryPage {
            items: self.items,
            last_key: cursor_key(index, self.next),
        }
    }
}

/// Merges partition pages into one page of at most `limit` in `order`. An item is safe to
/// return only if it does not lie beyond the point where a partition with more items stopped
/// (that partition may hold unseen items before it); so a page is full unless a filter dropped
/// items, and it goes on from its last item, or from that point when it is not full.
pub fn merge<T>(pages: Vec<PartitionPage<T>>, order: Order, limit: usize) -> Merged<T> {
    let stops = pages.iter().filter_map(|p| p.stopped_at.clone());
    let frontier = match order {
        Order::Descending => stops.max(),
        Order::Ascending => stops.min(),
    };
    let mut eligible: Vec<(String, T)> = pages
        .into_iter()
        .flat_map(|p| p.items)
        .filter(|(key, _)| {
            frontier.as_deref().is_none_or(|f| match order {
                Order::Descending => key.as_str() >= f,
                Order::Ascending => key.as_str() <= f,
            })
        })
        .collect();
    match order {
        Order::Descending => eligible.sort_by(|a, b| b.0.cmp(&a.0)),
        Order::Ascending => eligible.sort_by(|a, b| a.0.cmp(&b.0)),
    }
    // An item rewritten into another partition between two shards' reads shows up twice.
    eligible.dedup_by(|a, b| a.0 == b.0);
    let next = if eligible.len() > limit {
        eligible.truncate(limit);
        eligible.last().map(|(key, _)| key.clone())
    } else {
        frontier
    };
    Merged {
        items: eligible.into_iter().map(|(_, item)| item).collect(),
        next,
    }
}

/// A read of index partitions as one list: which, over what range, in what order, how many.
#[derive(Debug, Clone)]
pub struct IndexRead {
    pub index: GlobalIndex,
    pub partitions: Vec<String>,
    pub range: SortRange,
    pub order: Order,
    pub limit: i32,
}

impl IndexRead {
    /// A newest-first page of `partitions` within `range`, below the cursor key `start` of the
    /// page before (see [`cursor_below`]).
    pub fn newest_page(
        index: GlobalIndex,
        partitions: Vec<String>,
        range: SortRange,
        start: Option<&Item>,
        limit: i32,
    ) -> Self {
        Self {
            index,
            partitions,
            range: SortRange {
                from: range.from,
                below: lower_bound(range.below, cursor_below(start, index)),
            },
            order: Order::Descending,
            limit,
        }
    }

    /// The first `limit` items of all partitions in `order`: one `Query` per partition, all at
    /// once. `filter` adds a filter expression to each query; `map` reads an item.
    pub async fn run<T>(
        &self,
        dynamodb: &aws_sdk_dynamodb::Client,
        table: &str,
        filter: impl Fn(QueryFluentBuilder) -> QueryFluentBuilder,
        map: impl Fn(&Item) -> anyhow::Result<T>,
    ) -> anyhow::Result<Merged<T>> {
        let (filter, map) = (&filter, &map);
        let pages = try_join_all(self.partitions.iter().map(|partition| async move {
            let output = filter(self.query(dynamodb, table, partition))
                .send()
                .await
                .map_err(|err| {
                    anyhow::Error::new(err).context(format!("Failed to read {partition}"))
                })?;
            let mut items = Vec::with_capacity(output.items().len());
            for item in output.items() {
                if let Some(key) =
                    get_s(item, self.index.sort_key).filter(|k| self.range.contains(k))
                {
                    items.push((key.to_owned(), map(item)?));
                }
            }
            let stopped_at = output
                .last_evaluated_key()
                .and_then(|key| get_s(key, self.index.sort_key))
                .map(str::to_owned);
            anyhow::Ok(PartitionPage { items, stopped_at })
        }))
        .await?;
        Ok(merge(
            pages,
            self.order,
            usize::try_from(self.limit).unwrap_or(0),
        ))
    }

    fn query(
        &self,
        dynamodb: &aws_sdk_dynamodb::Client,
        table: &str,
        partition: &str,
    ) -> QueryFluentBuilder {
        let (range, limit) = self.range.condition(self.limit);
        let mut request = dynamodb
            .query()
            .table_name(table)
            .index_name(self.index.name)
            .key_condition_expression(format!("#pk = :pk{range}"))
            .expression_attribute_names("#pk", self.index.partition_key)
            .expression_attribute_values(":pk", s(partition))
            .scan_index_forward(self.order == Order::Ascending)
            .limit(limit);
        if !range.is_empty() {
            request = request.expression_attribute_names("#sk", self.index.sort_key);
        }
        if let Some(from) = &self.range.from {
            request = request.expression_attribute_values(":from", s(from));
        }
        if let Some(below) = &self.range.below {
            request = request.expression_attribute_values(":below", s(below));
        }
        request
    }
}

/// A filter for [`IndexRead::run`]: only items whose `attribute` is `value`, when one is given
/// (a filter, not a key: a page may then hold fewer than its limit).
pub fn only_where<'a>(
    attribute: &'static str,
    value: Option<&'a str>,
) -> impl Fn(QueryFluentBuilder) -> QueryFluentBuilder + 'a {
    move |request| match value {
        None => request,
        Some(value) => request
            .filter_expression("#only = :only")
            .expression_attribute_names("#only", attribute)
            .expression_attribute_values(":only", s(value)),
    }
}

/// Where a cursor key of `index` (from [`cursor_key`], or a `LastEvaluatedKey` from before the
/// merge) says a newest-first list goes on: below this sort key.
pub fn cursor_below(start: Option<&Item>, index: GlobalIndex) -> Option<String> {
    start
        .and_then(|key| get_s(key, index.sort_key))
        .map(str::to_owned)
}

/// A merged page's position as a cursor key (`sort key attribute → key`), for
/// `crate::pagination`.
pub fn cursor_key(index: GlobalIndex, next: Option<String>) -> Option<Item> {
    next.map(|key| Item::from([(index.sort_key.to_owned(), s(key))]))
}

/// The lower of two exclusive upper bounds (a filter's and a cursor's).
pub fn lower_bound(a: Option<String>, b: Option<String>) -> Option<String> {
    match (a, b) {
        (Some(a), Some(b)) => Some(a.min(b)),
        (a, b) => a.or(b),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn page(keys: &[&str], stopped_at: Option<&str>) -> PartitionPage<String> {
        PartitionPage {
            items: keys
                .iter()
                .map(|k| (k.to_string(), k.to_string()))
                .collect(),
            stopped_at: stopped_at.map(str::to_owned),
        }
    }

    #[test]
    fn shard_zero_keeps_the_unsharded_key() {
        assert_eq!(shard_key("STATS", 0), "STATS");
        assert_eq!(shard_key("STATS", 3), "STATS#3");
        let keys = all_keys("AUDIT");
        assert_eq!(keys.len(), SHARDS);
        assert_eq!(keys[0], "AUDIT");
        assert_eq!(keys[SHARDS - 1], format!("AUDIT#{}", SHARDS - 1));
    }

    #[test]
    fn an_entity_always_gets_the_same_shard() {
        let id = "7d1f0c4e-1a2b-4c3d-9e8f-0123456789ab";
        assert_eq!(shard_of(id), shard_of(id));
        assert_eq!(key_for("BOOKINGS", id), key_for("BOOKINGS", id));
        // Pinned (SHA-256's first 8 bytes, big-endian, mod 8): the shard must not change
        // between builds, or rewrites would move items and reversals miss their increments.
        assert_eq!(shard_of(id), 3);
        assert_eq!(shard_of("a"), 2);
    }

    #[test]
    fn random_ids_spread_over_every_shard() {
        let mut counts = [0_usize; SHARDS];
        for _ in 0..8000 {
            counts[shard_of(&uuid::Uuid::new_v4().to_string())] += 1;
        }
        let even = 8000 / SHARDS;
        for (shard, count) in counts.iter().enumerate() {
            // Binomial(8000, 1/8): a standard deviation of about 30.
            assert!(count.abs_diff(even) < even / 4, "shard {shard}: {count}");
        }
    }

    #[test]
    fn exhausted_partitions_merge_newest_first() {
        let merged = merge(
            vec![page(&["5", "2"], None), page(&["4", "1"], None)],
            Order::Descending,
            10,
        );
        assert_eq!(merged.items, ["5", "4", "2", "1"]);
        assert_eq!(merged.next, None);
    }

    #[test]
    fn a_full_page_continues_below_its_last_item() {
        let merged = merge(
            vec![page(&["5", "2"], None), page(&["4", "1"], None)],
            Order::Descending,
            3,
        );
        assert_eq!(merged.items, ["5", "4", "2"]);
        assert_eq!(merged.next.as_deref(), Some("2"));
    }

    #[test]
    fn nothing_beyond_where_a_partition_stopped_is_returned() {
        // The first partition stopped at 4 (it may hold 3 unseen), so 2 and 1 must wait.
        let merged = merge(
            vec![page(&["6", "4"], Some("4")), page(&["5", "2", "1"], None)],
            Order::Descending,
            5,
        );
        assert_eq!(merged.items, ["6", "5", "4"]);
        assert_eq!(merged.next.as_deref(), Some("4"));
        let oldest = merge(
            vec![page(&["1", "4"], Some("4")), page(&["2", "5", "6"], None)],
            Order::Ascending,
            5,
        );
        assert_eq!(oldest.items, ["1", "2", "4"]);
        assert_eq!(oldest.next.as_deref(), Some("4"));
    }

    #[test]
    fn a_filtered_empty_page_still_moves_on() {
        let merged = merge(
            vec![page(&[], Some("7")), page(&[], None)],
            Order::Descending,
            5,
        );
        assert!(merged.items.is_empty());
        assert_eq!(merged.next.as_deref(), Some("7"));
    }

    #[test]
    fn an_item_seen_in_two_partitions_is_returned_once() {
        let merged = merge(
            vec![page(&["3", "1"], None), page(&["3", "2"], None)],
            Order::Descending,
            10,
        );
        assert_eq!(merged.items, ["3", "2", "1"]);
    }

    #[test]
    fn pages_over_many_shards_concatenate_to_the_whole_list() {
        // 8 partitions of interleaved keys, read a page of 3 at a time below the cursor, as
        // the store does: the pages join up to the full list, newest first.
        let all: Vec<String> = (0..50).map(|i| format!("{i:03}")).collect();
        let shards: Vec<Vec<String>> = (0..SHARDS)
            .map(|s| all.iter().filter(|k| shard_of(k) == s).cloned().collect())
            .collect();
        let mut seen = Vec::new();
        let mut below: Option<String> = None;
        for _ in 0..100 {
            let pages = shards
                .iter()
                .map(|keys| {
                    let mut newest: Vec<&String> = keys
                        .iter()
                        .filter(|k| below.as_ref().is_none_or(|b| *k < b))
                        .collect();
                    newest.sort_by(|a, b| b.cmp(a));
                    let more = newest.len() > 3;
                    newest.truncate(3);
                    PartitionPage {
                        stopped_at: more.then(|| newest[2].clone()),
                        items: newest.into_iter().map(|k| (k.clone(), k.clone())).collect(),
                    }
                })
                .collect();
            let merged = merge(pages, Order::Descending, 3);
            seen.extend(merged.items);
            match merged.next {
                Some(next) => below = Some(next),
                None => break,
            }
        }
        let newest_first: Vec<String> = all.iter().rev().cloned().collect();
        assert_eq!(seen, newest_first);
    }

    #[test]
    fn a_between_range_reads_one_more_and_drops_its_upper_end() {
        let range = SortRange {
            from: Some("2026-01-01".into()),
            below: Some("2026-01-02T10:00:00Z#b".into()),
        };
        assert_eq!(
            range.condition(20),
            (" AND #sk BETWEEN :from AND :below", 21)
        );
        assert!(!range.contains("2026-01-02T10:00:00Z#b"));
        assert!(range.contains("2026-01-02T09:00:00Z#a"));
        assert!(!range.contains("2025-12-31T23:59:59Z#a"));
        assert_eq!(SortRange::default().condition(20), ("", 20));
    }

    #[test]
    fn the_lower_of_two_upper_bounds_wins() {
        assert_eq!(
            lower_bound(Some("b".into()), Some("a".into())).as_deref(),
            Some("a")
        );
        assert_eq!(lower_bound(None, Some("a".into())).as_deref(), Some("a"));
        assert_eq!(lower_bound(None, None), None);
    }
}
