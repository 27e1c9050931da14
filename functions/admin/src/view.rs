//! What an admin sees of an account: identity, role, status and verification, never the
//! password hash or the ID number.

use serde::Serialize;
use utoipa::ToSchema;

use shared::auth::{AccountStatus, Role};
use shared::store::users::UserRecord;

/// An account as admins see it.
#[derive(Debug, Serialize, ToSchema)]
#[schema(as = AdminAccount)]
pub struct AdminUserView {
    user_id: String,
    role: Role,
    status: AccountStatus,
    email: String,
    phone: String,
    first_name: String,
    last_name: String,
    /// Students and instructors.
    #[serde(skip_serializing_if = "String::is_empty")]
    #[schema(required = false)]
    city: String,
    /// `PENDING`, `VERIFIED` or `REJECTED`, for instructors.
    #[serde(skip_serializing_if = "Option::is_none")]
    instructor_verification: Option<String>,
    #[schema(format = DateTime)]
    created_at: String,
    #[schema(format = DateTime)]
    updated_at: String,
}

impl From<&UserRecord> for AdminUserView {
    fn from(user: &UserRecord) -> Self {
        Self {
            user_id: user.user_id.clone(),
            role: user.role,
            status: user.status,
            email: user.email.as_str().to_owned(),
            phone: user.phone.as_str().to_owned(),
            first_name: user.first_name.clone(),
            last_name: user.last_name.clone(),
            city: user.city.clone(),
            instructor_verification: user
                .instructor
                .as_ref()
                .map(|i| i.verification.as_str().to_owned()),
            created_at: user.created_at.clone(),
            updated_at: user.updated_at.clone(),
        }
    }
}
