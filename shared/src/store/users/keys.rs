//! The keys of a user's items, written once.

use crate::domain::Role;
use crate::schema::{PARTITION_KEY, SORT_KEY};
use crate::store::attr::{s, Item};

pub const PROFILE_SK: &str = "PROFILE";
pub const UNIQUE_SK: &str = "UNIQUE";

pub fn user_pk(user_id: &str) -> String {
    format!("USER#{user_id}")
}

pub fn email_pk(email: &str) -> String {
    format!("EMAIL#{email}")
}

pub fn phone_pk(phone: &str) -> String {
    format!("PHONE#{phone}")
}

pub fn profile_key(user_id: &str) -> Item {
    Item::from([
        (PARTITION_KEY.to_owned(), s(user_pk(user_id))),
        (SORT_KEY.to_owned(), s(PROFILE_SK)),
    ])
}

pub fn unique_key(pk: String) -> Item {
    Item::from([
        (PARTITION_KEY.to_owned(), s(pk)),
        (SORT_KEY.to_owned(), s(UNIQUE_SK)),
    ])
}

/// The `GSI1` partition of every profile of one role (`USERS#<ROLE>`, newest last).
pub fn role_index_pk(role: Role) -> String {
    format!("USERS#{}", role.as_str())
}
