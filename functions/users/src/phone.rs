//! Phone changes, confirmed by SMS. `PATCH /users/me {"phone"}` stores the number with a
//! hashed 6-digit code and sends the code to that number (a notice, through the queue); the
//! answer is the same whether or not another account holds the number, so nobody can probe
//! numbers. `POST /users/me/phone/confirm {"code"}` redeems the code and moves the phone claim
//! in one transaction: a number claimed meanwhile is a 409, told only to whoever has the code.

use axum::extract::State;
use axum::Json as JsonResponse;
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use shared::auth::LimitedUser;
use shared::clock::Now;
use shared::domain::PhoneNumber;
use shared::error::OrConflict;
use shared::http::json::Json;
use shared::http::openapi as doc;
use shared::notices::{queue, Notice};
use shared::store::transact::transact;
use shared::store::users::{self, ProfileChanges, UserRecord};
use shared::store::{outbox, phone_changes};
use shared::{ApiError, ApiResult, AppState};

use crate::view::UserView;

/// The answer to a phone change: the code is on its way.
#[derive(Debug, Serialize, ToSchema)]
pub struct PhonePending {
    phone_pending: bool,
}

impl PhonePending {
    pub fn yes() -> Self {
        Self {
            phone_pending: true,
        }
    }
}

/// Stores the pending number with a fresh code and the notice carrying it (one transaction),
/// then enqueues the notice.
pub async fn send_code(
    state: &AppState,
    user: &UserRecord,
    phone: &PhoneNumber,
    now: Now,
) -> ApiResult<()> {
    let table = &state.config.table_name;
    let code = phone_changes::new_code();
    let notice = Notice::phone_code(&user.user_id, phone.as_str(), &code);
    transact(
        &state.aws.dynamodb,
        vec![
            phone_changes::put(table, &user.user_id, phone, &code, now)?,
            outbox::put(table, &notice, now)?,
        ],
    )
    .await?;
    queue::enqueue(state, &[notice]).await;
    Ok(())
}

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct PhoneConfirmation {
    /// The 6 digits sent by SMS to the new number.
    #[schema(pattern = "^[0-9]{6}$")]
    code: String,
}

fn invalid_code() -> ApiError {
    ApiError::BadRequest("The code is wrong, used or expired; ask for a new one.".into())
}

/// Confirm a new phone number
///
/// Applies the number of the last `PATCH /users/me {"phone"}` with the code sent to it by SMS
/// (10 minutes, 5 tries, once). 409 if another account claimed the number meanwhile.
#[utoipa::path(
    post,
    path = "/api/v1/users/me/phone/confirm",
    operation_id = "confirm_phone",
    tag = "users",
    request_body = PhoneConfirmation,
    security(("bearer" = []), ("access_cookie" = [], "csrf_token" = [])),
    responses(
        (status = 200, description = "The number is the account's now.", body = UserView),
        (status = 400, description = "The code is wrong, used or expired (or the body is \
            unreadable).", body = shared::http::problem::Problem,
            content_type = "application/problem+json"),
        (status = 413, response = doc::PayloadTooLarge),
        (status = 415, response = doc::UnsupportedMediaType),
        (status = 422, response = doc::ValidationFailed),
        doc::AccessDenied,
        (status = 409, response = doc::Conflict),
        (status = 429, response = doc::TooManyRequests),
        (status = 503, response = doc::ServiceUnavailable),
    )
)]
pub async fn confirm(
    State(state): State<AppState>,
    auth: LimitedUser,
    Json(body): Json<PhoneConfirmation>,
) -> ApiResult<JsonResponse<UserView>> {
    let code = body.code.trim();
    if code.len() != 6 || !code.chars().all(|c| c.is_ascii_digit()) {
        return Err(ApiError::validation(
            "code",
            "must be the 6 digits of the SMS",
        ));
    }
    let table = &state.config.table_name;
    let now = state.clock.now();
    let phone = phone_changes::redeem(&state.aws.dynamodb, table, auth.user_id(), code, now)
        .await?
        .ok_or_else(invalid_code)?;
    let changes = ProfileChanges {
        phone: Some(phone),
        ..ProfileChanges::default()
    };
    let updated = users::apply(
        &state.aws.dynamodb,
        table,
        &auth.user,
        &changes,
        &now.rfc3339(),
    )
    .await
    .or_conflict("That phone number belongs to another account.")?;
    Ok(JsonResponse(UserView::from(&updated)))
}
