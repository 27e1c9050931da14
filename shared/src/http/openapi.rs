//! What every group's OpenAPI description shares: the RFC 9457 problem schema, the reusable
//! error responses, the security schemes, and the headers the pipeline puts on responses.
//!
//! Handlers describe themselves with `#[utoipa::path]`, naming these responses
//! (`(status = 401, response = shared::http::openapi::Unauthorized)`) or the groups that go
//! together ([`AccessDenied`], [`BodyRejected`]), and the security schemes by name (`bearer`,
//! `access_cookie`, `csrf_token`, `refresh_cookie`).
//! `local::openapi::document` merges the groups and calls [`complete`]; the result is
//! `docs/openapi.json`.

use utoipa::openapi::header::{Header, HeaderBuilder};
use utoipa::openapi::path::Operation;
use utoipa::openapi::response::{Response, ResponseBuilder};
use utoipa::openapi::schema::{Components, Object, ObjectBuilder, Schema, Type};
use utoipa::openapi::security::{ApiKey, ApiKeyValue, HttpAuthScheme, HttpBuilder, SecurityScheme};
use utoipa::openapi::{ContentBuilder, OpenApi, Ref, RefOr};
use utoipa::{PartialSchema, ToResponse, ToSchema};

use super::problem::{Problem, PROBLEM_CONTENT_TYPE};
use crate::auth::cookies::{ACCESS_COOKIE, REFRESH_COOKIE};
use crate::auth::csrf::CSRF_HEADER;
use crate::error::FieldError;

fn problem_response(description: &str) -> ResponseBuilder {
    ResponseBuilder::new().description(description).content(
        PROBLEM_CONTENT_TYPE,
        ContentBuilder::new()
            .schema(Some(Ref::from_schema_name(Problem::name())))
            .build(),
    )
}

fn header(schema: impl Into<RefOr<Schema>>, description: &str) -> Header {
    HeaderBuilder::new()
        .schema(schema)
        .description(Some(description))
        .build()
}

fn integer() -> Object {
    ObjectBuilder::new()
        .schema_type(Type::Integer)
        .minimum(Some(0))
        .build()
}

/// The headers a rate-limited route answers with (on success and on 429).
fn rate_limit_headers() -> Vec<(&'static str, Header)> {
    vec![
        (
            "RateLimit-Policy",
            header(
                Object::with_type(Type::String),
                "The limit that applies (IETF draft): `\"<rule>\";q=<quota>;w=<window seconds>`.",
            ),
        ),
        (
            "RateLimit",
            header(
                Object::with_type(Type::String),
                "What is left of it (IETF draft): `\"<rule>\";r=<remaining>;t=<seconds to reset>`.",
            ),
        ),
        (
            "X-RateLimit-Limit",
            header(integer(), "Requests allowed in the window."),
        ),
        (
            "X-RateLimit-Remaining",
            header(integer(), "Requests left in the window."),
        ),
        (
            "X-RateLimit-Reset",
            header(integer(), "When the window ends, in epoch seconds."),
        ),
    ]
}

macro_rules! problem_responses {
    ($($(#[$doc:meta])* $name:ident => $description:literal;)*) => {$(
        $(#[$doc])*
        pub struct $name;

        impl<'r> ToResponse<'r> for $name {
            fn response() -> (&'r str, RefOr<Response>) {
                (stringify!($name), decorate(stringify!($name), problem_response($description)).into())
            }
        }
    )*};
}

/// Headers that only some reusable responses carry.
fn decorate(name: &str, builder: ResponseBuilder) -> ResponseBuilder {
    match name {
        "Unauthorized" => builder.header(
            "WWW-Authenticate",
            header(
                Object::with_type(Type::String),
                "`Bearer realm=\"drive-alive\"`.",
            ),
        ),
        "TooManyRequests" => rate_limit_headers().into_iter().fold(
            builder.header(
                "Retry-After",
                header(integer(), "Seconds until the limit resets."),
            ),
            |builder, (name, header)| builder.header(name, header),
        ),
        _ => builder,
    }
}

problem_responses! {
    /// 400: an unreadable request (malformed JSON or query, a bad cursor or filter).
    BadRequest => "The request cannot be read: malformed JSON or query string, or an invalid \
        cursor or filter.";
    /// 401: no valid credentials.
    Unauthorized => "Not authenticated: no credentials, or an expired or revoked token or \
        session.";
    /// 403: authenticated, not allowed.
    Forbidden => "Authenticated but not allowed: another role, a suspended account, or a \
        cookie request without a valid X-CSRF-Token (or from an origin not allowed).";
    /// 403 of the public auth routes: a browser `Origin` that is not allowed.
    ForeignOrigin => "The request's `Origin` is neither an allowed origin nor the API's own \
        (login CSRF); refused before anything else, with no cookies set.";
    /// 404: absent, or someone else's.
    NotFound => "Not found, or not yours to see.";
    /// 409: conflicts with the current state.
    Conflict => "Conflicts with the current state of the resource.";
    /// 413: body over the limit.
    PayloadTooLarge => "The request body is over 64 KiB.";
    /// 415: not JSON.
    UnsupportedMediaType => "The request body is not `application/json`.";
    /// 422: fields that do not parse.
    ValidationFailed => "One or more fields are invalid; `errors` names each.";
    /// 429: a rate limit is exhausted.
    TooManyRequests => "A rate limit is exhausted; retry after `Retry-After` seconds.";
    /// 503: a dependency did not answer.
    ServiceUnavailable => "A service this route depends on did not answer; retry shortly.";
}

/// 401 and 403, for a route only signed-in callers (of some roles) may use; named in a
/// handler's `responses(...)` as `doc::AccessDenied`, beside its own tuples.
#[derive(utoipa::IntoResponses)]
pub enum AccessDenied {
    #[response(status = 401)]
    Unauthorized(#[ref_response] Unauthorized),
    #[response(status = 403)]
    Forbidden(#[ref_response] Forbidden),
}

/// 400, 413, 415 and 422, for a route that reads a JSON body: what the body extractor and the
/// parse into domain values refuse; named in `responses(...)` as `doc::BodyRejected`.
#[derive(utoipa::IntoResponses)]
pub enum BodyRejected {
    #[response(status = 400)]
    BadRequest(#[ref_response] BadRequest),
    #[response(status = 413)]
    PayloadTooLarge(#[ref_response] PayloadTooLarge),
    #[response(status = 415)]
    UnsupportedMediaType(#[ref_response] UnsupportedMediaType),
    #[response(status = 422)]
    ValidationFailed(#[ref_response] ValidationFailed),
}

/// Security schemes, by the names the handlers' `security(...)` use.
fn security_schemes() -> Vec<(&'static str, SecurityScheme)> {
    vec![
        (
            "bearer",
            SecurityScheme::Http(
                HttpBuilder::new()
                    .scheme(HttpAuthScheme::Bearer)
                    .bearer_format("JWT")
                    .description(Some(
                        "The `access_token` from login or refresh (mobile apps), valid 15 minutes.",
                    ))
                    .build(),
            ),
        ),
        (
            "access_cookie",
            SecurityScheme::ApiKey(ApiKey::Cookie(ApiKeyValue::with_description(
                ACCESS_COOKIE,
                "The access token as an HttpOnly cookie (web apps), set by login and refresh.",
            ))),
        ),
        (
            "csrf_token",
            SecurityScheme::ApiKey(ApiKey::Header(ApiKeyValue::with_description(
                CSRF_HEADER,
                "With cookie authentication on POST, PUT, PATCH and DELETE: the value of the \
                 `__Host-da_csrf` cookie (double submit).",
            ))),
        ),
        (
            "refresh_cookie",
            SecurityScheme::ApiKey(ApiKey::Cookie(ApiKeyValue::with_description(
                REFRESH_COOKIE,
                "The refresh token as an HttpOnly cookie (web apps); mobile apps send it in \
                 the body instead.",
            ))),
        ),
    ]
}

/// The responses the reusable-response names resolve to.
fn problem_components() -> Vec<(&'static str, RefOr<Response>)> {
    vec![
        BadRequest::response(),
        Unauthorized::response(),
        Forbidden::response(),
        ForeignOrigin::response(),
        NotFound::response(),
        Conflict::response(),
        PayloadTooLarge::response(),
        UnsupportedMediaType::response(),
        ValidationFailed::response(),
        TooManyRequests::response(),
        ServiceUnavailable::response(),
    ]
}

fn request_id_header() -> Header {
    header(
        Object::with_type(Type::String),
        "This request's id (also `request_id` in problem bodies); every response has it.",
    )
}

fn operations(doc: &mut OpenApi) -> impl Iterator<Item = &mut Operation> {
    doc.paths.paths.values_mut().flat_map(|item| {
        [
            item.get.as_mut(),
            item.put.as_mut(),
            item.post.as_mut(),
            item.delete.as_mut(),
            item.options.as_mut(),
            item.head.as_mut(),
            item.patch.as_mut(),
            item.trace.as_mut(),
        ]
        .into_iter()
        .flatten()
    })
}

/// Adds what the handlers' annotations leave to the common stack: the shared schemas,
/// responses and security schemes, `X-Request-Id` on every response, and the rate-limit headers
/// on the successful answers of every route that can answer 429.
pub fn complete(doc: &mut OpenApi) {
    let components = doc.components.get_or_insert_with(Components::new);
    components
        .schemas
        .insert(Problem::name().into(), Problem::schema());
    components
        .schemas
        .insert(FieldError::name().into(), FieldError::schema());
    for (name, scheme) in security_schemes() {
        components.security_schemes.insert(name.into(), scheme);
    }
    for (name, response) in problem_components() {
        components.responses.insert(name.into(), response);
    }
    for response in components.responses.values_mut() {
        if let RefOr::T(response) = response {
            response
                .headers
                .insert("X-Request-Id".into(), request_id_header());
        }
    }

    for operation in operations(doc) {
        let limited = operation.responses.responses.contains_key("429");
        for (status, response) in operation.responses.responses.iter_mut() {
            let RefOr::T(response) = response else {
                continue;
            };
            response
                .headers
                .insert("X-Request-Id".into(), request_id_header());
            if limited && status.starts_with('2') {
                for (name, header) in rate_limit_headers() {
                    response.headers.insert(name.into(), header);
                }
            }
        }
    }
}
