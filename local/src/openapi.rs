//! The OpenAPI 3.1 document of the whole API: every group's annotated operations, merged the
//! way `routes::all_routes` merges their routers, plus what the common stack adds. Written to
//! `docs/openapi.json` by `cargo run -p local --bin openapi`; a test fails when they differ.

use utoipa::openapi::server::ServerBuilder;
use utoipa::openapi::tag::TagBuilder;
use utoipa::openapi::{InfoBuilder, OpenApi, OpenApiBuilder};

const DESCRIPTION: &str = "\
The Drive Alive back end: students find verified driving instructors in South Africa and book \
lessons, instructors confirm and complete them, students review them, admins run the service.

- **Errors** are RFC 9457 `application/problem+json` documents (`Problem`); 422s list every \
invalid field in `errors`. Every response carries `X-Request-Id`.
- **Authentication**: `Authorization: Bearer <access_token>` (mobile) or the `__Host-da_access` \
cookie (web), which needs `X-CSRF-Token` on unsafe methods. Access tokens live 15 minutes; \
refresh tokens rotate on every use.
- **Lists** are cursor-paginated: `{\"items\", \"next_cursor\", \"has_more\"}`; pass `cursor` back \
with the same filters; `limit` is 1 to 100 (default 20).
- **Rate limits** answer 429 with `Retry-After`; limited routes report `RateLimit-Policy`, \
`RateLimit` and `X-RateLimit-*` on every answer.
- Lesson dates and times are Africa/Johannesburg local time; stored times are RFC 3339 UTC.";

/// The groups, in the order `routes::all_routes` merges them.
fn groups() -> [OpenApi; 6] {
    [
        health::openapi(),
        auth::openapi(),
        users::openapi(),
        instructors::openapi(),
        bookings::openapi(),
        admin::openapi(),
    ]
}

const TAGS: [(&str, &str); 7] = [
    (
        "health",
        "Liveness, readiness, this document and its interactive page. No authentication, no \
         rate limit.",
    ),
    (
        "auth",
        "Registration, email verification, login, token refresh, logout and password reset. \
         Rate limited per IP (and per account or session); fails closed (503) when the \
         counters cannot be read.",
    ),
    (
        "users",
        "The signed-in user's own account and dashboard. 1000 requests an hour per user.",
    ),
    (
        "instructors",
        "Verified instructors by city or distance, their profiles, reviews and free times \
         (public, 100 a minute per IP), and an instructor's own teaching profile.",
    ),
    (
        "bookings",
        "Booking lessons (students, 20 an hour), their lifecycle (instructors confirm and \
         complete, either party or an admin cancels) and reviews.",
    ),
    (
        "admin",
        "Admins only: admin accounts, suspension, instructor verification, outgoing mail \
         settings, the audit log and dashboard counters.",
    ),
    (
        "payments",
        "Card payments through Stripe: a booking's PaymentIntent for the card form (its \
         student, 1000 requests an hour), and Stripe's signed webhook (public, 100 a minute per \
         IP). Refund policy on cancellation: in full when the instructor or an admin cancels, \
         or the student at least 24 hours before the lesson; otherwise none.",
    ),
];

pub fn document() -> OpenApi {
    let mut doc = OpenApiBuilder::new()
        .info(
            InfoBuilder::new()
                .title("Drive Alive API")
                .version(env!("CARGO_PKG_VERSION"))
                .description(Some(DESCRIPTION))
                .build(),
        )
        .servers(Some([
            ServerBuilder::new()
                .url("/")
                .description(Some("The host that serves this document"))
                .build(),
            ServerBuilder::new()
                .url("http://127.0.0.1:3000")
                .description(Some("`make run` on this machine"))
                .build(),
        ]))
        .tags(Some(TAGS.map(|(name, description)| {
            TagBuilder::new()
                .name(name)
                .description(Some(description))
                .build()
        })))
        .build();
    for group in groups() {
        doc.merge(group);
    }
    shared::http::openapi::complete(&mut doc);
    doc
}

/// The document as committed: pretty JSON with a final newline.
pub fn document_json() -> Result<String, serde_json::Error> {
    document().to_pretty_json().map(|json| json + "\n")
}
