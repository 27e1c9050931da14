//! Estimated DynamoDB request units of one operation, from the JSON the SDK sent and received.
//!
//! The rules are on-demand billing's, as AWS documents them ("DynamoDB item sizes and formats";
//! "DynamoDB on-demand capacity mode"):
//! - an item's size is the sum of its attribute names' and values' sizes: a string its UTF-8
//!   bytes, a number 1 byte per two significant digits + 1, binary its raw bytes (3/4 of the
//!   base64 text), a boolean or null 1 byte, a list or map 3 bytes + 1 byte per element + the
//!   elements (a map's element also counts its name), a set the sum of its members;
//! - a read costs ceil(bytes / 4 KB) units × 0.5 (eventually consistent), × 1 (strongly
//!   consistent) or × 2 (in a transaction), at least one 4 KB step even when nothing is found;
//!   a `Query` or `Scan` rounds the sum of the items it returns, `BatchGetItem` each item;
//! - a write costs ceil(bytes / 1 KB) units × 1, or × 2 in a transaction, at least one step;
//!   for a replaced or updated item the larger of its sizes before and after;
//! - every global secondary index (all three project ALL) the written item is in costs one more
//!   write of the item's size (ceil(bytes / 1 KB), so 1 for our items under 1 KB), two when the
//!   write moves the item within the index (an update that sets an index key the item already
//!   had: a delete and a put), one when it removes the item from the index. Index writes are not
//!   doubled in a transaction; a transaction's `ConditionCheck` is charged as a transactional read
//!   of one 4 KB step (2 read units; our checked items are small).
//!
//! Approximations, each towards what the request shows rather than what DynamoDB holds:
//! - an update's or delete's item size, and which indexes the item is in, come from what this
//!   estimator has seen of that key before ([`ItemMemory`]: the last read or written image); an
//!   item never seen is sized from the key and the values the request carries (a lower bound);
//! - the index keys an update sets are read from its `SET` / `REMOVE` clauses (top-level names);
//! - a `Query` with a filter is charged for the items it returned, not the ones it evaluated
//!   (DynamoDB charges the latter); this code filters nothing in its queries;
//! - failed conditional writes are charged as the write they attempted (DynamoDB charges them).

mod estimate;
mod item_size;
mod update_expression;

pub use estimate::{estimate, ItemMemory, Units};
pub use item_size::{item_bytes, value_bytes};
