//! What an admin sees of an account: identity, role, status and verification, never the
//! password hash or the ID number.

use serde::Serialize;

use shared::auth::{AccountStatus, Role};
use shared::store::users::UserRecord;

#[derive(Debug, Serialize)]
pub struct AdminUserView {
    user_id: String,
    role: Role,
    status: AccountStatus,
    email: String,
    phone: String,
    first_name: String,
    last_name: String,
    #[serde(skip_serializing_if = "String::is_empty")]
    city: String,
    /// `PENDING`, `VERIFIED` or `REJECTED`, for instructors.
    #[serde(skip_serializing_if = "Option::is_none")]
    instructor_verification: Option<String>,
    created_at: String,
    updated_at: String,
}

impl From<&UserRecord> for AdminUserView {
    fn from(user: &UserRecord) -> Self {
        Self {
            user_id: user.user_id.clone(),
            role: user.role,
            status: user.status,
            email: user.email.clone(),
            phone: user.phone.clone(),
            first_name: user.first_name.clone(),
            last_name: user.last_name.clone(),
            city: user.city.clone(),
            instructor_verification: user.instructor.as_ref().map(|i| i.verification.clone()),
            created_at: user.created_at.clone(),
            updated_at: user.updated_at.clone(),
        }
    }
}
