//! The request body limit, named once for the stack and for the 413 problem's detail.

/// Request bodies above this size are refused with 413 (SPEC §4).
pub const BODY_LIMIT_BYTES: usize = 64 * 1024;
