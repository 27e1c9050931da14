//! Accounts for tests: valid registration bodies (unique email and phone each time) and the
//! register → verify → login journey as one call.

use rand::Rng;
use serde_json::{json, Value};

use crate::app::TestApp;
use crate::mail;

pub const PASSWORD: &str = "Kettle#Sunrise42";

/// A South African ID number for 1 March 1990 with a valid Luhn check digit.
pub fn valid_id_number() -> String {
    let mut rng = rand::thread_rng();
    let base = format!("900301{:04}08", rng.gen_range(0..10_000));
    format!("{base}{}", luhn_check_digit(&base))
}

pub fn luhn_check_digit(digits: &str) -> u32 {
    let sum: u32 = digits
        .chars()
        .rev()
        .filter_map(|c| c.to_digit(10))
        .enumerate()
        .map(|(i, d)| {
            if i % 2 == 0 {
                let doubled = d * 2;
                if doubled > 9 {
                    doubled - 9
                } else {
                    doubled
                }
            } else {
                d
            }
        })
        .sum();
    (10 - sum % 10) % 10
}

pub fn unique_email() -> String {
    format!(
        "learner-{}@example.co.za",
        &uuid::Uuid::new_v4().simple().to_string()[..12]
    )
}

pub fn unique_phone() -> String {
    format!("082{:07}", rand::thread_rng().gen_range(0..10_000_000))
}

pub fn student_body() -> Value {
    json!({
        "email": unique_email(),
        "phone": unique_phone(),
        "password": PASSWORD,
        "first_name": "Thandiwe",
        "last_name": "Mokoena",
        "id_number": valid_id_number(),
        "city": "Cape Town",
        "suburb": "Observatory",
        "province": "Western Cape",
        "pickup_address": "12 Station Road, Observatory",
        "pickup_latitude": -33.9386,
        "pickup_longitude": 18.4720
    })
}

pub fn instructor_body() -> Value {
    json!({
        "email": unique_email(),
        "phone": unique_phone(),
        "password": PASSWORD,
        "first_name": "Pieter",
        "last_name": "van der Merwe",
        "id_number": valid_id_number(),
        "licence_number": "WC123456789",
        "vehicle": "2021 Toyota Corolla (manual)",
        "city": "Stellenbosch",
        "suburb": "Die Boord",
        "province": "WC",
        "latitude": -33.9321,
        "longitude": 18.8602,
        "hourly_rate": 350.0
    })
}

#[derive(Debug, Clone)]
pub struct TestUser {
    pub email: String,
    pub phone: String,
    pub password: String,
    pub user_id: String,
}

#[derive(Debug, Clone)]
pub struct LoggedIn {
    pub user: TestUser,
    pub access_token: String,
    pub refresh_token: String,
    /// `name=value` of each cookie the login set.
    pub cookies: Vec<(String, String)>,
}

impl LoggedIn {
    pub fn cookie(&self, name: &str) -> String {
        self.cookies
            .iter()
            .find(|(n, _)| n == name)
            .map(|(_, v)| v.clone())
            .unwrap_or_else(|| panic!("no {name} cookie"))
    }

    /// A `Cookie` header carrying the web session.
    pub fn cookie_header(&self) -> String {
        self.cookies
            .iter()
            .map(|(n, v)| format!("{n}={v}"))
            .collect::<Vec<_>>()
            .join("; ")
    }
}

impl TestApp {
    /// `POST /auth/refresh` with a refresh token in the JSON body (as a mobile app sends it).
    /// The value is a string or any JSON value, so a test can send what a login answered.
    pub async fn refresh(&self, refresh_token: impl serde::Serialize) -> reqwest::Response {
        self.post_json(
            "/api/v1/auth/refresh",
            &serde_json::json!({ "refresh_token": refresh_token }),
        )
        .await
    }

    pub async fn register(&self, kind: &str, body: &Value) -> reqwest::Response {
        self.post_json(&format!("/api/v1/auth/register/{kind}"), body)
            .await
    }

    /// Registers `body`, follows the emailed link and returns the verified user.
    pub async fn verified_user(&self, kind: &str, body: Value) -> TestUser {
        let response = self.register(kind, &body).await;
        assert_eq!(
            response.status(),
            201,
            "register: {}",
            response.text().await.unwrap_or_default()
        );
        let created: Value = response.json().await.expect("JSON");
        let email = body["email"].as_str().expect("email").to_owned();
        let message = mail::wait_for_mail(&self.mail_dir, &email).await;
        let token = mail::token_after(&message, "/verify?token=");
        let verified = self
            .post_json("/api/v1/auth/verify", &json!({ "token": token }))
            .await;
        assert_eq!(verified.status(), 200, "verify");
        TestUser {
            email,
            phone: body["phone"].as_str().unwrap_or_default().to_owned(),
            password: body["password"].as_str().unwrap_or_default().to_owned(),
            user_id: created["user_id"].as_str().expect("user_id").to_owned(),
        }
    }

    pub async fn verified_student(&self) -> TestUser {
        self.verified_user("student", student_body()).await
    }

    pub async fn post_login(&self, username: &str, password: &str) -> reqwest::Response {
        self.post_json(
            "/api/v1/auth/login",
            &json!({ "username": username, "password": password }),
        )
        .await
    }

    pub async fn login(&self, user: &TestUser) -> LoggedIn {
        let response = self.post_login(&user.email, &user.password).await;
        if response.status() != 200 {
            panic!(
                "login: {} {}",
                response.status(),
                response.text().await.unwrap_or_default()
            );
        }
        let cookies = response
            .headers()
            .get_all("set-cookie")
            .iter()
            .filter_map(|v| v.to_str().ok())
            .filter_map(|v| v.split(';').next())
            .filter_map(|pair| pair.split_once('='))
            .map(|(n, v)| (n.to_owned(), v.to_owned()))
            .collect();
        let body: Value = response.json().await.expect("JSON");
        LoggedIn {
            user: user.clone(),
            access_token: body["access_token"]
                .as_str()
                .expect("access_token")
                .to_owned(),
            refresh_token: body["refresh_token"]
                .as_str()
                .expect("refresh_token")
                .to_owned(),
            cookies,
        }
    }
}
