//! What the route-measuring binaries share (`round_trips`, `critical_path`): an app with a
//! listed instructor, a signed-in student and instructor, the student's calendar feed, an
//! admin, and the read routes they measure, each with its path and token.

use serde_json::Value;
use shared::auth::{password_hash, AccountStatus, Role};
use shared::domain::{Email, PhoneNumber};
use shared::store::users::{NewAccount, UserRecord};

use crate::accounts::{unique_email, unique_phone, LoggedIn, TestUser, PASSWORD};
use crate::app::TestApp;
use crate::marketplace::{working_day, CAPE_TOWN};

/// Who a read route is for, which sets its critical-path target.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Audience {
    /// No sign-in; the per-IP limit.
    Public,
    /// Signed in; the guard's read and the per-user limit.
    SignedIn,
}

pub struct ReadRoute {
    pub label: &'static str,
    pub path: String,
    pub token: Option<String>,
    pub audience: Audience,
}

pub struct Fixture {
    pub instructor_user: TestUser,
    pub instructor: LoggedIn,
    pub student: LoggedIn,
    /// The student's `/api/v1/calendar/<token>.ics` path (the feed is made here).
    pub feed_path: String,
}

impl Fixture {
    pub async fn make(app: &TestApp) -> Self {
        let instructor_user = app.listed_instructor(&CAPE_TOWN, 350.0).await;
        let instructor = app.login(&instructor_user).await;
        let student = app.signed_in_student().await;
        // The student's calendar feed, made before measuring (the first request makes it).
        let feed: Value = app
            .get_bearer("/api/v1/users/me/calendar-feed", &student.access_token)
            .await
            .json()
            .await
            .expect("the feed URL");
        let feed_path = feed["url"]
            .as_str()
            .and_then(|url| url.strip_prefix(&app.address))
            .expect("a feed URL on the API")
            .to_owned();
        Self {
            instructor_user,
            instructor,
            student,
            feed_path,
        }
    }

    /// The read routes, in the order the benchmark report lists them.
    pub fn read_routes(&self) -> Vec<ReadRoute> {
        use Audience::{Public, SignedIn};
        let id = &self.instructor_user.user_id;
        let date = working_day(3);
        let student = Some(self.student.access_token.clone());
        let instructor = Some(self.instructor.access_token.clone());
        let route = |label, path: String, token: &Option<String>, audience| ReadRoute {
            label,
            path,
            token: token.clone(),
            audience,
        };
        vec![
            route("GET /health", "/api/v1/health".into(), &None, Public),
            route(
                "GET /users/me (student)",
                "/api/v1/users/me".into(),
                &student,
                SignedIn,
            ),
            route(
                "GET /users/me/dashboard (student)",
                "/api/v1/users/me/dashboard".into(),
                &student,
                SignedIn,
            ),
            route(
                "GET /users/me/dashboard (instructor)",
                "/api/v1/users/me/dashboard".into(),
                &instructor,
                SignedIn,
            ),
            route(
                "GET /bookings (student)",
                "/api/v1/bookings".into(),
                &student,
                SignedIn,
            ),
            route(
                "GET /bookings?status=completed (instructor)",
                "/api/v1/bookings?status=completed".into(),
                &instructor,
                SignedIn,
            ),
            route(
                "GET /instructors?city=",
                "/api/v1/instructors?city=Cape%20Town".into(),
                &None,
                Public,
            ),
            route(
                "GET /instructors/nearby (50 km)",
                "/api/v1/instructors/nearby?lat=-33.92&lng=18.42&radius_km=50".into(),
                &None,
                Public,
            ),
            route(
                "GET /instructors/{id}",
                format!("/api/v1/instructors/{id}"),
                &None,
                Public,
            ),
            route(
                "GET /instructors/{id}/reviews",
                format!("/api/v1/instructors/{id}/reviews"),
                &None,
                Public,
            ),
            route(
                "GET /users/me/calendar-feed (student)",
                "/api/v1/users/me/calendar-feed".into(),
                &student,
                SignedIn,
            ),
            route(
                "GET /calendar/{token}.ics (student)",
                self.feed_path.clone(),
                &None,
                Public,
            ),
            route(
                "GET /instructors/me/time-off",
                "/api/v1/instructors/me/time-off".into(),
                &instructor,
                SignedIn,
            ),
            route(
                "GET /instructors/{id}/availability",
                format!("/api/v1/instructors/{id}/availability?date={date}"),
                &None,
                Public,
            ),
        ]
    }
}

/// The admin's read routes. The user listing queries one index partition per role, and the
/// listings marked "8 shards" every shard of their index (`shared::store::shards`), all at once:
/// constant call counts above the 3-call budget, two calls in sequence.
pub fn admin_read_routes(admin: &LoggedIn) -> Vec<ReadRoute> {
    [
        ("GET /admin/stats", "/api/v1/admin/stats"),
        ("GET /admin/users (3 role indexes)", "/api/v1/admin/users"),
        ("GET /admin/audit-log (8 shards)", "/api/v1/admin/audit-log"),
        ("GET /bookings (admin, 8 shards)", "/api/v1/bookings"),
    ]
    .into_iter()
    .map(|(label, path)| ReadRoute {
        label,
        path: path.to_owned(),
        token: Some(admin.access_token.clone()),
        audience: Audience::SignedIn,
    })
    .collect()
}

impl TestApp {
    /// Writes an active admin the way an operator seeds the first one (admins are only ever
    /// created by admins), and signs in.
    pub async fn seeded_admin(&self) -> LoggedIn {
        let record = UserRecord::new_account(NewAccount {
            role: Role::Admin,
            status: AccountStatus::Active,
            email: Email::parse(&unique_email()).expect("email"),
            phone: PhoneNumber::parse(&format!("+27{}", &unique_phone()[1..])).expect("phone"),
            password_hash: password_hash::hash(PASSWORD.to_owned())
                .await
                .expect("hash"),
            first_name: "Ayanda".into(),
            last_name: "Khumalo".into(),
            now: shared::clock::now_rfc3339(),
        });
        let table = &self.state.config.table_name;
        let items = record.registration_writes(table).expect("writes");
        shared::store::transact::transact(&self.state.aws.dynamodb, items)
            .await
            .expect("seed the admin");
        self.login(&TestUser {
            email: record.email.as_str().to_owned(),
            phone: record.phone.as_str().to_owned(),
            password: PASSWORD.to_owned(),
            user_id: record.user_id.clone(),
        })
        .await
    }
}
