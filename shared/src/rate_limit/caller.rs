//! Who a request counts against: a key (an IP, an account name, a session) or a signed-in user,
//! whose role the rule may exempt.

use crate::domain::Role;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Caller<'a> {
    key: &'a str,
    role: Option<Role>,
}

impl<'a> Caller<'a> {
    /// Counted by `key` alone; no rule exempts it.
    pub fn key(key: &'a str) -> Self {
        Self { key, role: None }
    }

    /// A signed-in user, counted by their id; a rule with `admin_bypass` exempts admins.
    pub fn user(user_id: &'a str, role: Role) -> Self {
        Self {
            key: user_id,
            role: Some(role),
        }
    }

    pub fn counted_key(&self) -> &'a str {
        self.key
    }

    pub fn role(&self) -> Option<Role> {
        self.role
    }
}
