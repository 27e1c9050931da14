//! Calendar feeds: `GET /users/me/calendar-feed` shows the user's secret feed URL (making one
//! the first time), `POST /users/me/calendar-feed/rotate` replaces it (the old URL then 404s),
//! and `GET /calendar/{token}.ics` is the feed itself, public like any calendar subscription:
//! the token is the credential. Tokens are kept as a hash for the lookup and sealed with KMS
//! for showing the URL again (`shared::store::calendar_feeds`).

use axum::extract::rejection::PathRejection;
use axum::extract::{Path, State};
use axum::http::{header, HeaderValue};
use axum::response::{IntoResponse, Response};
use axum::Json as JsonResponse;
use serde::Serialize;
use utoipa::ToSchema;

use shared::auth::{AccountStatus, AuthUser, LimitedUser, Role, SignedIn};
use shared::domain::lesson::quarter_key;
use shared::envelope::{EncryptionContext, Envelope};
use shared::http::openapi as doc;
use shared::http::request_context::{ClientIp, RequestScope};
use shared::rate_limit::{Caller, RuleName};
use shared::store::bookings::{self, BookingsOf};
use shared::store::calendar_feeds::{self, FeedOwner, StoredFeed};
use shared::store::transact::{transact, TransactError};
use shared::store::users;
use shared::token_secret::{hash_secret, random_token_secret};
use shared::{ApiError, ApiResult, AppState};

use crate::ics::{self, Viewer};

/// The feed covers lessons from this many days ago ...
const DAYS_BEHIND: i64 = 30;
/// ... to this many days ahead (the booking horizon).
const DAYS_AHEAD: i64 = 90;
/// At most this many lessons in one feed (the latest starts): one `Query` page.
const MAX_LESSONS: i32 = 500;

#[derive(Debug, Serialize, ToSchema)]
pub struct CalendarFeed {
    /// Subscribe to this from a calendar app. Anyone with it can read the lessons: keep it
    /// private, and rotate it if it leaks.
    #[schema(example = "https://api.drivealive.co.za/api/v1/calendar/3q2-7wEXAMPLEtoken.ics")]
    url: String,
}

fn context(user_id: &str) -> EncryptionContext {
    EncryptionContext::new("calendar-feed", user_id)
}

fn envelope(state: &AppState) -> Envelope {
    Envelope::new(state.aws.kms.clone(), state.config.kms_key_id.clone())
}

/// The API's own base URL, without which a feed URL cannot be given (checked before any write).
fn api_base(state: &AppState) -> ApiResult<&str> {
    state
        .config
        .api_public_url
        .as_deref()
        .ok_or_else(|| ApiError::unavailable("Calendar feeds are not configured here."))
}

fn feed_url(base: &str, token: &str) -> CalendarFeed {
    CalendarFeed {
        url: format!("{base}/api/v1/calendar/{token}.ics"),
    }
}

fn kms_failed(err: shared::envelope::EnvelopeError) -> ApiError {
    ApiError::Internal(anyhow::Error::new(err).context("Failed to seal or open a feed token"))
}

/// A new token made the user's feed in place of `replacing`: one `GenerateDataKey`, one
/// transaction. Returns the token.
async fn install(
    state: &AppState,
    auth: &AuthUser,
    replacing: Option<&StoredFeed>,
) -> ApiResult<String> {
    let token = random_token_secret();
    let sealed = envelope(state)
        .seal(token.as_bytes(), &context(auth.user_id()))
        .await
        .map_err(kms_failed)?;
    let owner = FeedOwner {
        user_id: auth.user_id().to_owned(),
        role: auth.role(),
    };
    let new = StoredFeed {
        token_hash: hash_secret(&token),
        sealed_token: sealed,
    };
    let writes = calendar_feeds::install_writes(&state.config.table_name, &owner, &new, replacing)?;
    match transact(&state.aws.dynamodb, writes).await {
        Ok(()) => Ok(token),
        Err(TransactError::ConditionFailed(_)) => Err(ApiError::Conflict(
            "The calendar feed was changed at the same time; try again.".into(),
        )),
        Err(TransactError::Other(err)) => Err(ApiError::Internal(err)),
    }
}

/// The signed-in user's calendar feed URL
///
/// A secret URL of the user's lessons (the last 30 and next 90 days) in iCalendar form, for
/// Google, Apple or Outlook calendars; made on the first request, the same URL after that.
#[utoipa::path(
    get,
    path = "/api/v1/users/me/calendar-feed",
    operation_id = "get_my_calendar_feed",
    tag = "users",
    security(("bearer" = []), ("access_cookie" = [])),
    responses(
        (status = 200, description = "The feed URL.", body = CalendarFeed),
        doc::AccessDenied,
        (status = 409, response = doc::Conflict),
        (status = 429, response = doc::TooManyRequests),
        (status = 503, response = doc::ServiceUnavailable),
    )
)]
pub async fn get_feed(
    State(state): State<AppState>,
    signed_in: SignedIn,
) -> ApiResult<JsonResponse<CalendarFeed>> {
    let table = &state.config.table_name;
    // The user's feed item beside the guard's read and the limit: it is keyed by the token's
    // user, and seen only once the guard and the limit allowed the request.
    let user_id = signed_in.user_id().to_owned();
    let (auth, stored) = signed_in
        .beside(
            &state,
            calendar_feeds::of_user(&state.aws.dynamodb, table, &user_id),
        )
        .await?;
    auth.require_role(&[Role::Student, Role::Instructor])?;
    let base = api_base(&state)?;
    let token = match stored {
        Some(stored) => {
            let opened = envelope(&state)
                .open(&stored.sealed_token, &context(auth.user_id()))
                .await
                .map_err(kms_failed)?;
            String::from_utf8(opened.to_vec())
                .map_err(|_| anyhow::anyhow!("a sealed feed token is not text"))?
        }
        None => install(&state, &auth, None).await?,
    };
    Ok(JsonResponse(feed_url(base, &token)))
}

/// Replace the signed-in user's calendar feed URL
///
/// The old URL stops working at once (404); calendars subscribed to it need the new one.
#[utoipa::path(
    post,
    path = "/api/v1/users/me/calendar-feed/rotate",
    operation_id = "rotate_my_calendar_feed",
    tag = "users",
    security(("bearer" = []), ("access_cookie" = [], "csrf_token" = [])),
    responses(
        (status = 200, description = "The new feed URL.", body = CalendarFeed),
        doc::AccessDenied,
        (status = 409, response = doc::Conflict),
        (status = 429, response = doc::TooManyRequests),
        (status = 503, response = doc::ServiceUnavailable),
    )
)]
pub async fn rotate(
    State(state): State<AppState>,
    auth: LimitedUser,
) -> ApiResult<JsonResponse<CalendarFeed>> {
    auth.require_role(&[Role::Student, Role::Instructor])?;
    let base = api_base(&state)?;
    let table = &state.config.table_name;
    let current = calendar_feeds::of_user(&state.aws.dynamodb, table, auth.user_id()).await?;
    let token = install(&state, &auth, current.as_ref()).await?;
    Ok(JsonResponse(feed_url(base, &token)))
}

/// The token of a `<token>.ics` path part, if it has a token's shape.
fn token_of(feed: &str) -> Option<&str> {
    let token = feed.strip_suffix(".ics")?;
    let shaped = token.len() == 43
        && token
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_');
    shaped.then_some(token)
}

/// A calendar feed
///
/// The lessons of the feed's owner from 30 days ago to 90 days ahead as an RFC 5545 calendar
/// (`text/calendar`): one event per lesson, its UID the booking id, times in UTC, `SEQUENCE`
/// counting reschedules, cancelled lessons as `STATUS:CANCELLED`. No sign-in: the secret URL
/// is the credential (a suspended account's feed answers 404). 100 a minute per IP.
#[utoipa::path(
    get,
    path = "/api/v1/calendar/{feed}",
    operation_id = "calendar_feed",
    tag = "users",
    params(("feed" = String, Path, description = "`<token>.ics`, from the feed URL.")),
    responses(
        (status = 200, description = "The calendar.", content_type = "text/calendar", body = String),
        (status = 404, response = doc::NotFound),
        (status = 429, response = doc::TooManyRequests),
        (status = 503, response = doc::ServiceUnavailable),
    )
)]
pub async fn feed(
    State(state): State<AppState>,
    scope: RequestScope,
    ip: ClientIp,
    feed: Result<Path<String>, PathRejection>,
) -> ApiResult<Response> {
    // The per-IP limit beside the feed's reads: a limited request answers 429, nothing read.
    state
        .limiter
        .check_alongside(
            &scope,
            RuleName::PublicIp,
            Caller::key(&ip.key()),
            read_feed(&state, feed),
        )
        .await
}

async fn read_feed(
    state: &AppState,
    feed: Result<Path<String>, PathRejection>,
) -> ApiResult<Response> {
    // `<token>.ics` is not an id (`PathId`): read the segment as it is, then check its shape.
    let Ok(Path(feed)) = feed else {
        return Err(ApiError::NotFound);
    };
    let token = token_of(&feed).ok_or(ApiError::NotFound)?;
    let table = &state.config.table_name;
    let owner = calendar_feeds::owner(&state.aws.dynamodb, table, &hash_secret(token))
        .await?
        .ok_or(ApiError::NotFound)?;
    let (of, viewer) = match owner.role {
        Role::Instructor => (BookingsOf::Instructor(&owner.user_id), Viewer::Instructor),
        Role::Student => (BookingsOf::Student(&owner.user_id), Viewer::Student),
        Role::Admin => return Err(ApiError::NotFound),
    };
    let now = state.clock.now().timestamp();
    let day = jiff::SignedDuration::from_hours(24);
    let (from, to) = (
        quarter_key(now - day * DAYS_BEHIND as i32),
        quarter_key(now + day * DAYS_AHEAD as i32),
    );
    // The owner's account and lessons at once: a suspended account's feed goes dark with it.
    let (account, lessons) = tokio::try_join!(
        users::get(&state.aws.dynamodb, table, &owner.user_id),
        bookings::all_in_window(&state.aws.dynamodb, table, of, &from, &to, MAX_LESSONS),
    )?;
    if !account.is_some_and(|user| user.status == AccountStatus::Active) {
        return Err(ApiError::NotFound);
    }
    Ok((
        [(
            header::CONTENT_TYPE,
            HeaderValue::from_static("text/calendar; charset=utf-8"),
        )],
        ics::calendar(&lessons, viewer, now),
    )
        .into_response())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_a_token_shaped_ics_name_is_looked_up() {
        let token = random_token_secret();
        assert_eq!(token_of(&format!("{token}.ics")), Some(token.as_str()));
        for bad in [
            token.clone(),
            format!("{token}.ical"),
            format!("{}.ics", &token[1..]),
            format!("{}+.ics", &token[1..]),
            ".ics".to_owned(),
        ] {
            assert_eq!(token_of(&bad), None, "{bad}");
        }
    }
}
