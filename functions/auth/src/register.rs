//! Registration of students and instructors. The body becomes domain values first (every field
//! error in one 422); the account, its email and phone claims and its verification token are
//! written in one transaction, so a taken email or phone can never leave half an account.

use axum::extract::State;
use axum::http::StatusCode;
use axum::Json as JsonResponse;
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use shared::audit::{AuditEntry, Outcome};
use shared::auth::{password_hash, AccountStatus, Role};
use shared::clock::Now;
use shared::domain::{
    Coordinates, Email, LicenceNumber, Password, PersonName, PhoneNumber, Place, Province, Rands,
    SaIdNumber, StreetAddress, VehicleDescription, Verification,
};
use shared::http::json::Json;
use shared::http::openapi as doc;
use shared::http::origin::TrustedOrigin;
use shared::http::request_context::{ClientIp, RequestScope};
use shared::http::validation::Validator;
use shared::notices::{queue, Notice};
use shared::rate_limit::{Caller, RuleName};
use shared::store::email_tokens::{self, Purpose};
use shared::store::outbox;
use shared::store::transact::{transact, TransactError, Write};
use shared::store::users::{
    self, InstructorDetails, NewAccount, UserRecord, REGISTRATION_EMAIL_CLAIM as EMAIL_CLAIM,
    REGISTRATION_PHONE_CLAIM as PHONE_CLAIM,
};
use shared::{ApiResult, AppState};

use crate::duplicate;

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct StudentRegistration {
    #[schema(format = "email")]
    email: String,
    /// E.164, or a South African number in local form (`082 555 0101`).
    phone: String,
    /// 8 to 128 characters with upper and lower case, a digit and a special character; not a
    /// common password.
    #[schema(format = Password)]
    password: String,
    first_name: String,
    last_name: String,
    /// South African ID number: 13 digits, a valid birth date and check digit.
    id_number: String,
    city: String,
    suburb: String,
    province: String,
    pickup_address: String,
    /// With `pickup_longitude`, or neither.
    #[schema(minimum = -90, maximum = 90)]
    pickup_latitude: Option<f64>,
    #[schema(minimum = -180, maximum = 180)]
    pickup_longitude: Option<f64>,
}

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct InstructorRegistration {
    #[schema(format = "email")]
    email: String,
    /// E.164, or a South African number in local form (`082 555 0101`).
    phone: String,
    /// 8 to 128 characters with upper and lower case, a digit and a special character; not a
    /// common password.
    #[schema(format = Password)]
    password: String,
    first_name: String,
    last_name: String,
    /// South African ID number: 13 digits, a valid birth date and check digit.
    id_number: String,
    /// The driving-instructor licence (PrDP) number.
    licence_number: String,
    vehicle: String,
    city: String,
    suburb: String,
    province: String,
    #[schema(minimum = -90, maximum = 90)]
    latitude: f64,
    #[schema(minimum = -180, maximum = 180)]
    longitude: f64,
    /// Rand per hour.
    hourly_rate: f64,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct Registered {
    user_id: String,
    role: Role,
    /// `PENDING_VERIFICATION` until the emailed link is used.
    status: AccountStatus,
    message: &'static str,
}

/// The fields both kinds of account share, parsed.
struct Identity {
    email: Email,
    phone: PhoneNumber,
    password: Password,
    first_name: PersonName,
    last_name: PersonName,
    id_number: SaIdNumber,
    city: Place,
    suburb: Place,
    province: Province,
}

/// The identity fields of a registration body, borrowed for [`parse_registration`].
struct IdentityInput<'a> {
    email: &'a str,
    phone: &'a str,
    password: &'a str,
    first_name: &'a str,
    last_name: &'a str,
    id_number: &'a str,
    city: &'a str,
    suburb: &'a str,
    province: &'a str,
}

/// The identity fields of either registration body. A macro because the two bodies are
/// distinct types (each refuses the other's fields) that share only these field names.
macro_rules! identity_input {
    ($body:expr) => {
        IdentityInput {
            email: &$body.email,
            phone: &$body.phone,
            password: &$body.password,
            first_name: &$body.first_name,
            last_name: &$body.last_name,
            id_number: &$body.id_number,
            city: &$body.city,
            suburb: &$body.suburb,
            province: &$body.province,
        }
    };
}

fn parse_identity(v: &mut Validator, input: IdentityInput<'_>) -> Option<Identity> {
    let email = v.field("email", Email::parse(input.email));
    let phone = v.field("phone", PhoneNumber::parse(input.phone));
    let password = v.field("password", Password::parse(input.password));
    let first_name = v.field("first_name", PersonName::parse(input.first_name));
    let last_name = v.field("last_name", PersonName::parse(input.last_name));
    let id_number = v.field("id_number", SaIdNumber::parse(input.id_number));
    let city = v.field("city", Place::parse(input.city));
    let suburb = v.field("suburb", Place::parse(input.suburb));
    let province = v.field("province", Province::parse(input.province));
    Some(Identity {
        email: email?,
        phone: phone?,
        password: password?,
        first_name: first_name?,
        last_name: last_name?,
        id_number: id_number?,
        city: city?,
        suburb: suburb?,
        province: province?,
    })
}

/// A registration body as domain values: the identity, and what `details` parses of the
/// fields of one kind of account. Every field error of both comes back in one 422.
fn parse_registration<T>(
    identity: IdentityInput<'_>,
    details: impl FnOnce(&mut Validator) -> Option<T>,
) -> ApiResult<(Identity, T)> {
    let mut v = Validator::default();
    let identity = parse_identity(&mut v, identity);
    let details = details(&mut v);
    v.finish_with(identity.zip(details))
}

fn optional_coordinates(
    v: &mut Validator,
    lat: Option<f64>,
    lng: Option<f64>,
) -> Option<Option<Coordinates>> {
    v.field(
        "pickup_latitude",
        Coordinates::parse_pair(lat, lng, ("pickup_latitude", "pickup_longitude")),
    )
}

async fn new_record(identity: &Identity, role: Role, now: Now) -> ApiResult<UserRecord> {
    let password_hash = password_hash::hash(identity.password.expose().to_owned()).await?;
    Ok(UserRecord {
        id_number: Some(identity.id_number.clone()),
        city: identity.city.as_str().to_owned(),
        suburb: identity.suburb.as_str().to_owned(),
        province: identity.province.as_str().to_owned(),
        ..UserRecord::new_account(NewAccount {
            role,
            status: AccountStatus::PendingVerification,
            email: identity.email.clone(),
            phone: identity.phone.clone(),
            password_hash,
            first_name: identity.first_name.as_str().to_owned(),
            last_name: identity.last_name.as_str().to_owned(),
            now: now.rfc3339(),
        })
    })
}

/// Register a student
///
/// Creates the account (pending until the email address is verified) and emails the
/// verification link. 3 an hour per IP. Never answers 409: an email address or phone number
/// that belongs to an account gets the same 201 (its `user_id` leads nowhere) and the owner
/// is told by email.
#[utoipa::path(
    post,
    path = "/api/v1/auth/register/student",
    operation_id = "register_student",
    tag = "auth",
    request_body = StudentRegistration,
    responses(
        (status = 201, description = "The account is created; a verification link is emailed.",
            body = Registered),
        doc::BodyRejected,
        (status = 403, response = doc::ForeignOrigin),
        (status = 429, response = doc::TooManyRequests),
        (status = 503, response = doc::ServiceUnavailable),
    )
)]
pub async fn student(
    _origin: TrustedOrigin,
    State(state): State<AppState>,
    scope: RequestScope,
    ip: ClientIp,
    Json(body): Json<StudentRegistration>,
) -> ApiResult<(StatusCode, JsonResponse<Registered>)> {
    state
        .limiter
        .check(&scope, RuleName::RegisterIp, Caller::key(&ip.key()))
        .await?;
    let (identity, (pickup_address, pickup)) = parse_registration(identity_input!(body), |v| {
        let address = v.field("pickup_address", StreetAddress::parse(&body.pickup_address));
        let pickup = optional_coordinates(v, body.pickup_latitude, body.pickup_longitude);
        Some((address?, pickup?))
    })?;

    let now = state.clock.now();
    let mut record = new_record(&identity, Role::Student, now).await?;
    record.pickup_address = Some(pickup_address.as_str().to_owned());
    record.pickup_latitude = pickup.map(|c| c.lat());
    record.pickup_longitude = pickup.map(|c| c.lng());
    create_account(&state, &ip, record, now).await
}

/// Register an instructor
///
/// Creates the account (pending until the email address is verified; listed once an admin
/// verifies the instructor) and emails the verification link. 3 an hour per IP. Never
/// answers 409: an email address or phone number that belongs to an account gets the same
/// 201 (its `user_id` leads nowhere) and the owner is told by email.
#[utoipa::path(
    post,
    path = "/api/v1/auth/register/instructor",
    operation_id = "register_instructor",
    tag = "auth",
    request_body = InstructorRegistration,
    responses(
        (status = 201, description = "The account is created; a verification link is emailed.",
            body = Registered),
        doc::BodyRejected,
        (status = 403, response = doc::ForeignOrigin),
        (status = 429, response = doc::TooManyRequests),
        (status = 503, response = doc::ServiceUnavailable),
    )
)]
pub async fn instructor(
    _origin: TrustedOrigin,
    State(state): State<AppState>,
    scope: RequestScope,
    ip: ClientIp,
    Json(body): Json<InstructorRegistration>,
) -> ApiResult<(StatusCode, JsonResponse<Registered>)> {
    state
        .limiter
        .check(&scope, RuleName::RegisterIp, Caller::key(&ip.key()))
        .await?;
    let (identity, (licence, vehicle, location, rate)) =
        parse_registration(identity_input!(body), |v| {
            let licence = v.field("licence_number", LicenceNumber::parse(&body.licence_number));
            let vehicle = v.field("vehicle", VehicleDescription::parse(&body.vehicle));
            let location = v.field(
                "latitude",
                Coordinates::parse(body.latitude, body.longitude),
            );
            let rate = v.field("hourly_rate", Rands::parse_amount(body.hourly_rate));
            Some((licence?, vehicle?, location?, rate?))
        })?;

    let now = state.clock.now();
    let mut record = new_record(&identity, Role::Instructor, now).await?;
    record.instructor = Some(InstructorDetails {
        licence_number: licence.as_str().to_owned(),
        vehicle: vehicle.as_str().to_owned(),
        latitude: location.lat(),
        longitude: location.lng(),
        hourly_rate: rate,
        verification: Verification::Pending,
        bio: None,
        working_hours: None,
        rating_sum: 0,
        rating_count: 0,
        time_off: Default::default(),
    });
    create_account(&state, &ip, record, now).await
}

/// One transaction: profile, email claim, phone claim, verification token, audit entry, stats,
/// and the verification notice in the outbox (enqueued once it is stored).
async fn create_account(
    state: &AppState,
    ip: &ClientIp,
    record: UserRecord,
    now: Now,
) -> ApiResult<(StatusCode, JsonResponse<Registered>)> {
    let table = &state.config.table_name;
    let (token, token_put) =
        email_tokens::issue(Purpose::VerifyEmail, &record.user_id, table, now)?;
    let audit = AuditEntry {
        actor: Some(record.user_id.clone()),
        action: "account.registered",
        target: Some(record.user_id.clone()),
        ip: ip.key(),
        outcome: Outcome::Success,
        detail: Some(record.role.as_str().to_owned()),
        at: now,
    };
    let mut items = record.registration_writes(table)?;
    items.push(token_put);
    items.push(Write::from(audit.put(table)?));
    let notice = Notice::verify_email(&record.user_id, &token);
    items.push(outbox::put(table, &notice, now)?);
    match transact(&state.aws.dynamodb, items).await {
        Ok(()) => {
            queue::enqueue(state, &[notice]).await;
        }
        // The address or the number is taken: the same answer as a new account (its
        // `user_id` leads nowhere), and the owner is told by email.
        Err(TransactError::ConditionFailed(positions))
            if positions.contains(&EMAIL_CLAIM) || positions.contains(&PHONE_CLAIM) =>
        {
            let claim = if positions.contains(&EMAIL_CLAIM) {
                users::email_pk(record.email.as_str())
            } else {
                users::phone_pk(record.phone.as_str())
            };
            duplicate::tell_the_owner(state, ip, claim, now).await;
        }
        Err(err) => return Err(err.into()),
    }

    Ok((
        StatusCode::CREATED,
        JsonResponse(Registered {
            user_id: record.user_id,
            role: record.role,
            status: record.status,
            message: "Check your email for a link to verify your address.",
        }),
    ))
}
