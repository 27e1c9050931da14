//! The bounded load scenario that the `load_scenario` binary runs for `make bench`: the
//! students' journey, the phases, the checks afterwards and the rate-limit bursts.

pub mod checks;
pub mod journey;
pub mod limits;
pub mod mail_index;
pub mod phase;
pub mod record;
