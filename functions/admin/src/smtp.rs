//! `GET/PUT /admin/smtp-settings` and `POST /admin/smtp-settings/test`. The password is sealed
//! with KMS envelope encryption *before* anything is written, so when KMS is unreachable the
//! answer is 503 and the stored settings stay as they were. It is never returned or logged:
//! reads answer `password_set`.

use axum::extract::State;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use axum::Json as JsonResponse;
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use shared::audit::Outcome;
use shared::domain::Email;
use shared::envelope::{Envelope, EnvelopeError};
use shared::error::{OrConflict, UpstreamFailure};
use shared::http::json::Json;
use shared::http::openapi as doc;
use shared::http::request_context::{ClientIp, RequestScope};
use shared::mail::{MailError, OutgoingEmail};
use shared::store::smtp_settings::{
    self, password_context, StoredPassword, StoredSmtpSettings, SMTP_SETTINGS_PK,
};
use shared::store::transact::{transact, Write};
use shared::{ApiError, ApiResult, AppState};

use crate::guard::Admin;
use crate::smtp_form::{PasswordChange, SmtpSettingsInput};

/// The outgoing mail server; the password is never returned, only whether one is set.
#[derive(Debug, Default, Serialize, ToSchema)]
#[schema(as = SmtpSettings)]
pub struct SmtpSettingsView {
    /// False until an admin saves settings (the deployment's own settings serve until then).
    configured: bool,
    host: Option<String>,
    port: Option<u16>,
    /// `starttls`, `tls` or `none`.
    tls_mode: Option<&'static str>,
    username: Option<String>,
    password_set: bool,
    from_address: Option<String>,
    #[schema(format = DateTime)]
    updated_at: Option<String>,
    /// The admin who saved them.
    updated_by: Option<String>,
}

impl From<&StoredSmtpSettings> for SmtpSettingsView {
    fn from(stored: &StoredSmtpSettings) -> Self {
        Self {
            configured: true,
            host: Some(stored.host.clone()),
            port: Some(stored.port),
            tls_mode: Some(stored.tls_mode.as_str()),
            username: stored.username.clone(),
            password_set: stored.password.is_set(),
            from_address: Some(stored.from_address.clone()),
            updated_at: stored.updated_at.clone(),
            updated_by: stored.updated_by.clone(),
        }
    }
}

fn envelope(state: &AppState) -> Envelope {
    Envelope::new(state.aws.kms.clone(), state.config.kms_key_id.clone())
}

async fn stored(state: &AppState) -> ApiResult<Option<StoredSmtpSettings>> {
    Ok(smtp_settings::get(&state.aws.dynamodb, &state.config.table_name).await?)
}

/// Read the SMTP settings
#[utoipa::path(
    get,
    path = "/api/v1/admin/smtp-settings",
    operation_id = "get_smtp_settings",
    tag = "admin",
    security(("bearer" = []), ("access_cookie" = [])),
    responses(
        (status = 200, description = "The stored settings (`configured: false` before any).",
            body = SmtpSettingsView),
        doc::AccessDenied,
        (status = 503, response = doc::ServiceUnavailable),
    )
)]
pub async fn get_settings(
    State(state): State<AppState>,
    _admin: Admin,
) -> ApiResult<JsonResponse<SmtpSettingsView>> {
    let view = stored(&state)
        .await?
        .as_ref()
        .map(SmtpSettingsView::from)
        .unwrap_or_default();
    Ok(JsonResponse(view))
}

fn kms_unavailable(err: EnvelopeError) -> ApiError {
    tracing::error!(error = %err, "cannot seal the SMTP password");
    ApiError::unavailable(
        "The key service is unavailable, so the settings were not changed; try again shortly.",
    )
}

/// Save the SMTP settings
///
/// Needs the admin's own `current_password` (a wrong one is a 403, audited; 5 attempts per
/// 15 minutes per admin). The password is sealed with KMS envelope encryption before anything
/// is stored; leave it out to keep the stored one, which is possible only while host, port,
/// username and TLS mode stay the same (otherwise 422 naming `password`). `tls_mode: none` is
/// refused in production.
#[utoipa::path(
    put,
    path = "/api/v1/admin/smtp-settings",
    operation_id = "put_smtp_settings",
    tag = "admin",
    request_body = SmtpSettingsInput,
    security(("bearer" = []), ("access_cookie" = [], "csrf_token" = [])),
    responses(
        (status = 200, description = "The settings as stored.", body = SmtpSettingsView),
        doc::BodyRejected,
        (status = 401, response = doc::Unauthorized),
        (status = 403, description = "Not an admin, a cookie request without a valid \
            X-CSRF-Token, or a wrong `current_password`.",
            body = shared::http::problem::Problem, content_type = "application/problem+json"),
        (status = 409, response = doc::Conflict),
        (status = 429, response = doc::TooManyRequests),
        (status = 503, response = doc::ServiceUnavailable),
    )
)]
pub async fn put_settings(
    State(state): State<AppState>,
    scope: RequestScope,
    ip: ClientIp,
    admin: Admin,
    Json(body): Json<SmtpSettingsInput>,
) -> ApiResult<JsonResponse<SmtpSettingsView>> {
    let mut form = body.parse(state.config.stage)?;
    let now = state.clock.now();
    admin
        .confirm_password(
            &state,
            &scope,
            &ip,
            form.take_current_password(),
            "smtp_settings.step_up_failed",
            now,
        )
        .await?;
    let current = stored(&state).await?;
    if matches!(form.password, PasswordChange::Keep)
        && current.as_ref().is_some_and(|c| !form.keeps_server_of(c))
    {
        return Err(ApiError::validation(
            "password",
            "must be sent again when the host, port, username or TLS mode changes",
        ));
    }
    let context = password_context(SMTP_SETTINGS_PK);
    let envelope = envelope(&state);
    let password_changed = matches!(form.password, PasswordChange::Set(_));
    let password = match form.password {
        PasswordChange::NoAuthentication => StoredPassword::Absent,
        PasswordChange::Set(plain) => StoredPassword::Sealed(
            envelope
                .seal(plain.as_bytes(), &context)
                .await
                .map_err(kms_unavailable)?,
        ),
        PasswordChange::Keep => match current.as_ref().map(|c| &c.password) {
            Some(StoredPassword::Sealed(sealed)) => StoredPassword::Sealed(sealed.clone()),
            // A legacy plaintext password kept by this save is sealed now, not copied.
            Some(StoredPassword::LegacyPlaintext(plain)) => StoredPassword::Sealed(
                envelope
                    .seal(plain.as_bytes(), &context)
                    .await
                    .map_err(kms_unavailable)?,
            ),
            Some(StoredPassword::Absent) | None => {
                return Err(ApiError::validation(
                    "password",
                    "is required: no password is stored for this server yet",
                ))
            }
        },
    };
    let settings = StoredSmtpSettings {
        record: SMTP_SETTINGS_PK.to_owned(),
        host: form.host,
        port: form.port,
        tls_mode: form.tls_mode,
        username: form.username,
        password,
        from_address: form.from_address,
        version: current.as_ref().map_or(0, |c| c.version) + 1,
        updated_at: Some(now.rfc3339()),
        updated_by: Some(admin.user_id().to_owned()),
    };
    let table = &state.config.table_name;
    // What changed, never the secret itself.
    let detail = format!(
        "{}:{} tls={} auth={} password_changed={password_changed}",
        settings.host,
        settings.port,
        settings.tls_mode.as_str(),
        settings.username.is_some(),
    );
    let audit = admin.audit(
        &ip,
        "smtp_settings.changed",
        Some(SMTP_SETTINGS_PK),
        Outcome::Success,
        Some(detail),
        now,
    );
    let items = vec![
        Write::from(settings.put(table, current.as_ref().map(|c| c.version))?),
        Write::from(audit.put(table)?),
    ];
    transact(&state.aws.dynamodb, items).await.or_conflict(
        "The SMTP settings were changed by someone else meanwhile; reload and try again.",
    )?;
    // Mail from this process uses the new settings at once; other processes within the
    // mailer's cache lifetime.
    state.mailer.forget_cached_settings();
    Ok(JsonResponse(SmtpSettingsView::from(&settings)))
}

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
#[schema(as = SmtpTestRequest)]
pub struct TestRequest {
    /// Where the test message goes.
    #[schema(format = "email")]
    to: String,
}

#[derive(Debug, Serialize, ToSchema)]
#[schema(as = SmtpTestDelivered)]
pub struct TestDelivered {
    delivered: bool,
    to: String,
    /// `admin` (the stored settings) or `deployment` (the environment's, none stored yet).
    settings: &'static str,
}

/// The problem an admin sees when the test message did not go out: what the SMTP server (or
/// the lack of one) did, as a stable `smtp_outcome` code and a sentence.
fn test_failure(err: &MailError) -> ApiError {
    let (status, outcome, detail) = match err {
        MailError::AuthenticationFailed => (
            StatusCode::BAD_GATEWAY,
            "authentication_failed",
            "The SMTP server refused the username or password.".to_owned(),
        ),
        MailError::ConnectionFailed => (
            StatusCode::BAD_GATEWAY,
            "connection_failed",
            "The SMTP server could not be reached (connection refused or no route); check the host and port.".to_owned(),
        ),
        MailError::Timeout => (
            StatusCode::GATEWAY_TIMEOUT,
            "timeout",
            "The SMTP server did not answer in time; check the host, port and firewall.".to_owned(),
        ),
        MailError::Tls => (
            StatusCode::BAD_GATEWAY,
            "tls_failed",
            "The TLS handshake with the SMTP server failed; check the TLS mode and port.".to_owned(),
        ),
        MailError::Rejected(code) => (
            StatusCode::BAD_GATEWAY,
            "rejected",
            format!("The SMTP server rejected the message (reply code {code})."),
        ),
        MailError::InvalidMessage(reason) => (
            StatusCode::UNPROCESSABLE_ENTITY,
            "invalid_message",
            format!("The message could not be built: {reason}."),
        ),
        MailError::NotConfigured => (
            StatusCode::CONFLICT,
            "not_configured",
            "No SMTP server is configured; save settings first.".to_owned(),
        ),
        MailError::SettingsUnavailable => (
            StatusCode::SERVICE_UNAVAILABLE,
            "settings_unavailable",
            "The stored SMTP settings cannot be read or decrypted right now; try again shortly."
                .to_owned(),
        ),
    };
    let mut extra = serde_json::Map::new();
    extra.insert("smtp_outcome".into(), serde_json::Value::from(outcome));
    ApiError::Upstream(Box::new(UpstreamFailure {
        status,
        slug: "smtp-test-failed",
        title: "The test message was not sent",
        detail,
        extra,
    }))
}

/// Sends a test message with the settings as stored now (not a cached copy) and reports the
/// SMTP outcome.
/// Send a test message
///
/// With the settings as stored now; a failure says what the SMTP server did in
/// `smtp_outcome` (`authentication_failed`, `connection_failed`, `timeout`, `tls_failed`,
/// `rejected`, `invalid_message`, `not_configured`, `settings_unavailable`).
#[utoipa::path(
    post,
    path = "/api/v1/admin/smtp-settings/test",
    operation_id = "test_smtp_settings",
    tag = "admin",
    request_body = TestRequest,
    security(("bearer" = []), ("access_cookie" = [], "csrf_token" = [])),
    responses(
        (status = 200, description = "The SMTP server accepted the message.",
            body = TestDelivered),
        (status = 400, response = doc::BadRequest),
        doc::AccessDenied,
        (status = 409, description = "No SMTP server is configured.", body = shared::http::problem::Problem, content_type = "application/problem+json"),
        (status = 413, response = doc::PayloadTooLarge),
        (status = 415, response = doc::UnsupportedMediaType),
        (status = 422, description = "Invalid fields, or a message that cannot be built.",
            body = shared::http::problem::Problem, content_type = "application/problem+json"),
        (status = 502, description = "The SMTP server refused the connection, the TLS \
            handshake, the credentials or the message.", body = shared::http::problem::Problem, content_type = "application/problem+json"),
        (status = 503, description = "The stored settings cannot be read or decrypted now.",
            body = shared::http::problem::Problem, content_type = "application/problem+json"),
        (status = 504, description = "The SMTP server did not answer in time.", body = shared::http::problem::Problem, content_type = "application/problem+json"),
    )
)]
pub async fn send_test(
    State(state): State<AppState>,
    ip: ClientIp,
    admin: Admin,
    Json(body): Json<TestRequest>,
) -> ApiResult<Response> {
    let to = Email::parse(&body.to).map_err(|e| ApiError::validation("to", e.message))?;
    let now = state.clock.now();
    let email = OutgoingEmail {
        to: to.as_str().to_owned(),
        subject: "Drive Alive SMTP test".into(),
        text: format!(
            "This is a test message from Drive Alive, sent at {} by an administrator to check \
             the outgoing mail settings. No action is needed.\n",
            now.rfc3339()
        ),
    };
    let result = state.mailer.send_fresh(email).await;
    let (outcome, detail) = match &result {
        Ok(source) => (Outcome::Success, format!("settings={}", source.as_str())),
        Err(err) => (Outcome::Failure, err.to_string()),
    };
    admin
        .audit(
            &ip,
            "smtp_settings.tested",
            Some(SMTP_SETTINGS_PK),
            outcome,
            Some(detail),
            now,
        )
        .record(&state.aws.dynamodb, &state.config.table_name)
        .await;
    match result {
        Ok(source) => Ok(JsonResponse(TestDelivered {
            delivered: true,
            to: to.as_str().to_owned(),
            settings: source.as_str(),
        })
        .into_response()),
        Err(err) => {
            tracing::warn!(error = %err, "SMTP test failed");
            Err(test_failure(&err))
        }
    }
}
