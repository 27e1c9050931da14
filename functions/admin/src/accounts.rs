//! `POST /admin/admins` (a new admin, active at once; 5 a day per admin, refused while the
//! counter store is down) and suspension: `POST /admin/users/{id}/suspend` revokes every
//! session of the user in the same write, so a still-unexpired access token is refused on its
//! next request; `/reactivate` restores the status from before. Admins cannot suspend or
//! reactivate admins (one stolen admin session must not lock the others out); the operator's
//! `admin-accounts` command can.

use axum::extract::State;
use axum::http::StatusCode;
use axum::Json as JsonResponse;
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use shared::audit::Outcome;
use shared::auth::{password_hash, AccountStatus, Role};
use shared::domain::{Email, Password, PersonName, PhoneNumber};
use shared::error::OrConflict;
use shared::http::json::Json;
use shared::http::openapi as doc;
use shared::http::query::PathId;
use shared::http::request_context::{ClientIp, RequestScope};
use shared::http::validation::Validator;
use shared::rate_limit::RuleName;
use shared::store::transact::{transact, Write};
use shared::store::users::{self, NewAccount, UserRecord};
use shared::{ApiError, ApiResult, AppState};

use crate::account_status::{self, Requester, StatusChange};
use crate::guard::Admin;
use crate::view::AdminUserView;

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct NewAdmin {
    #[schema(format = "email")]
    email: String,
    /// E.164, or a South African number in local form.
    phone: String,
    /// The password rules of registration apply.
    #[schema(format = Password)]
    password: String,
    first_name: String,
    last_name: String,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct CreatedAdmin {
    user_id: String,
    role: Role,
    status: AccountStatus,
}

/// Create an admin
///
/// Active at once (the creating admin vouches for the address). 5 a day per admin.
#[utoipa::path(
    post,
    path = "/api/v1/admin/admins",
    operation_id = "create_admin",
    tag = "admin",
    request_body = NewAdmin,
    security(("bearer" = []), ("access_cookie" = [], "csrf_token" = [])),
    responses(
        (status = 201, description = "The admin account.", body = CreatedAdmin),
        doc::BodyRejected,
        doc::AccessDenied,
        (status = 409, response = doc::Conflict),
        (status = 429, response = doc::TooManyRequests),
        (status = 503, response = doc::ServiceUnavailable),
    )
)]
pub async fn create_admin(
    State(state): State<AppState>,
    scope: RequestScope,
    ip: ClientIp,
    admin: Admin,
    Json(body): Json<NewAdmin>,
) -> ApiResult<(StatusCode, JsonResponse<CreatedAdmin>)> {
    // Counted before validation: the limit contains a stolen admin session, whatever it sends.
    state
        .limiter
        .check(&scope, RuleName::AdminCreate, admin.0.caller())
        .await?;
    let mut v = Validator::default();
    let email = v.field("email", Email::parse(&body.email));
    let phone = v.field("phone", PhoneNumber::parse(&body.phone));
    let password = v.field("password", Password::parse(&body.password));
    let first_name = v.field("first_name", PersonName::parse(&body.first_name));
    let last_name = v.field("last_name", PersonName::parse(&body.last_name));
    let parsed = (|| Some((email?, phone?, password?, first_name?, last_name?)))();
    let (email, phone, password, first_name, last_name) = v.finish_with(parsed)?;

    let password_hash = password_hash::hash(password.expose().to_owned()).await?;
    let now = state.clock.now();
    // An admin creating an admin vouches for the address, so the account is active at once;
    // the fields of students and instructors stay empty.
    let record = UserRecord::new_account(NewAccount {
        role: Role::Admin,
        status: AccountStatus::Active,
        email,
        phone,
        password_hash,
        first_name: first_name.as_str().to_owned(),
        last_name: last_name.as_str().to_owned(),
        now: now.rfc3339(),
    });
    let table = &state.config.table_name;
    let audit = admin.audit(
        &ip,
        "admin.created",
        Some(&record.user_id),
        Outcome::Success,
        None,
        now,
    );
    let mut items = record.registration_writes(table)?;
    items.push(Write::from(audit.put(table)?));
    transact(&state.aws.dynamodb, items)
        .await
        .or_conflict("An account with this email address or phone number already exists.")?;
    Ok((
        StatusCode::CREATED,
        JsonResponse(CreatedAdmin {
            user_id: record.user_id,
            role: record.role,
            status: record.status,
        }),
    ))
}

/// The user behind `id`, or 404.
async fn existing_user(state: &AppState, id: &str) -> ApiResult<UserRecord> {
    users::get(&state.aws.dynamodb, &state.config.table_name, id)
        .await?
        .ok_or(ApiError::NotFound)
}

/// `change` by `admin` on the account `id`: never their own, never another admin's.
async fn change_status(
    state: &AppState,
    ip: &ClientIp,
    admin: &Admin,
    id: &str,
    change: StatusChange,
) -> ApiResult<JsonResponse<AdminUserView>> {
    if id == admin.user_id() {
        return Err(ApiError::Conflict(
            "You cannot change the status of your own account.".into(),
        ));
    }
    let user = existing_user(state, id).await?;
    if user.role == Role::Admin {
        return Err(ApiError::Forbidden(
            "An admin account's status is changed by an operator, not by another admin.".into(),
        ));
    }
    let requester = Requester {
        actor: Some(admin.user_id().to_owned()),
        ip: ip.key(),
    };
    let user = account_status::apply(
        &state.aws.dynamodb,
        &state.config.table_name,
        user,
        change,
        requester,
        state.clock.now(),
    )
    .await?;
    Ok(JsonResponse(AdminUserView::from(&user)))
}

/// Suspend an account
///
/// Every session of the account ends at once; sign-in is refused until it is reactivated.
/// Suspending a suspended account changes nothing. Admin accounts are suspended by an
/// operator (`admin-accounts`), not by other admins (403).
#[utoipa::path(
    post,
    path = "/api/v1/admin/users/{id}/suspend",
    operation_id = "suspend_user",
    tag = "admin",
    params(("id" = String, Path, description = "The user id.")),
    security(("bearer" = []), ("access_cookie" = [], "csrf_token" = [])),
    responses(
        (status = 200, description = "The account, suspended.", body = AdminUserView),
        (status = 401, response = doc::Unauthorized),
        (status = 403, description = "Not an admin, or the account is an admin's.",
            body = shared::http::problem::Problem, content_type = "application/problem+json"),
        (status = 404, response = doc::NotFound),
        (status = 409, response = doc::Conflict),
        (status = 503, response = doc::ServiceUnavailable),
    )
)]
pub async fn suspend(
    State(state): State<AppState>,
    ip: ClientIp,
    admin: Admin,
    PathId(id): PathId,
) -> ApiResult<JsonResponse<AdminUserView>> {
    change_status(&state, &ip, &admin, &id, StatusChange::Suspend).await
}

/// Reactivate a suspended account
///
/// The account gets back the status it had before the suspension: a never-verified account
/// is still waiting for its verification. Admin accounts are reactivated by an operator.
#[utoipa::path(
    post,
    path = "/api/v1/admin/users/{id}/reactivate",
    operation_id = "reactivate_user",
    tag = "admin",
    params(("id" = String, Path, description = "The user id.")),
    security(("bearer" = []), ("access_cookie" = [], "csrf_token" = [])),
    responses(
        (status = 200, description = "The account, with its status from before the \
            suspension.", body = AdminUserView),
        (status = 401, response = doc::Unauthorized),
        (status = 403, description = "Not an admin, or the account is an admin's.",
            body = shared::http::problem::Problem, content_type = "application/problem+json"),
        (status = 404, response = doc::NotFound),
        (status = 409, response = doc::Conflict),
        (status = 503, response = doc::ServiceUnavailable),
    )
)]
pub async fn reactivate(
    State(state): State<AppState>,
    ip: ClientIp,
    admin: Admin,
    PathId(id): PathId,
) -> ApiResult<JsonResponse<AdminUserView>> {
    change_status(&state, &ip, &admin, &id, StatusChange::Reactivate).await
}
