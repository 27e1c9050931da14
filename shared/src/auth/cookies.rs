//! Web sessions: `__Host-` cookies (HttpOnly access and refresh tokens, a readable CSRF token),
//! Secure and SameSite. `Secure` can be dropped only in local development.

use axum::http::{header, HeaderMap, HeaderValue};

use super::access_token::ACCESS_TOKEN_TTL_SECS;

pub const ACCESS_COOKIE: &str = "__Host-da_access";
pub const REFRESH_COOKIE: &str = "__Host-da_refresh";
pub const CSRF_COOKIE: &str = "__Host-da_csrf";
pub const REFRESH_TTL_SECS: i64 = 30 * 24 * 3600;

/// The value of cookie `name` in the request, if any.
pub fn read(headers: &HeaderMap, name: &str) -> Option<String> {
    headers
        .get_all(header::COOKIE)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(';'))
        .filter_map(|pair| pair.trim().split_once('='))
        .find(|(n, _)| *n == name)
        .map(|(_, v)| v.to_owned())
}

fn cookie(name: &str, value: &str, max_age: i64, http_only: bool, secure: bool) -> String {
    let mut text = format!("{name}={value}; Path=/; Max-Age={max_age}; SameSite=Strict");
    if http_only {
        text.push_str("; HttpOnly");
    }
    if secure {
        text.push_str("; Secure");
    }
    text
}

pub struct SessionCookies<'a> {
    pub access_token: &'a str,
    pub refresh_token: &'a str,
    pub csrf_token: &'a str,
}

/// `Set-Cookie` headers that start (or renew) a web session.
pub fn set_session(headers: &mut HeaderMap, cookies: &SessionCookies<'_>, secure: bool) {
    let values = [
        cookie(
            ACCESS_COOKIE,
            cookies.access_token,
            ACCESS_TOKEN_TTL_SECS,
            true,
            secure,
        ),
        cookie(
            REFRESH_COOKIE,
            cookies.refresh_token,
            REFRESH_TTL_SECS,
            true,
            secure,
        ),
        cookie(
            CSRF_COOKIE,
            cookies.csrf_token,
            REFRESH_TTL_SECS,
            false,
            secure,
        ),
    ];
    for value in values {
        if let Ok(value) = HeaderValue::from_str(&value) {
            headers.append(header::SET_COOKIE, value);
        }
    }
}

/// `Set-Cookie` headers that end a web session.
pub fn clear_session(headers: &mut HeaderMap, secure: bool) {
    for (name, http_only) in [
        (ACCESS_COOKIE, true),
        (REFRESH_COOKIE, true),
        (CSRF_COOKIE, false),
    ] {
        if let Ok(value) = HeaderValue::from_str(&cookie(name, "", 0, http_only, secure)) {
            headers.append(header::SET_COOKIE, value);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn cookies_are_read_from_any_cookie_header() {
        let mut headers = HeaderMap::new();
        headers.append(header::COOKIE, "a=1; __Host-da_access=tok".parse().unwrap());
        headers.append(header::COOKIE, "__Host-da_csrf=c".parse().unwrap());
        assert_eq!(read(&headers, ACCESS_COOKIE).as_deref(), Some("tok"));
        assert_eq!(read(&headers, CSRF_COOKIE).as_deref(), Some("c"));
        assert_eq!(read(&headers, REFRESH_COOKIE), None);
    }

    #[test]
    fn session_cookies_are_host_only_strict_and_http_only_except_csrf() {
        let mut headers = HeaderMap::new();
        let c = SessionCookies {
            access_token: "a",
            refresh_token: "r",
            csrf_token: "c",
        };
        set_session(&mut headers, &c, true);
        let set: Vec<&str> = headers
            .get_all(header::SET_COOKIE)
            .iter()
            .filter_map(|v| v.to_str().ok())
            .collect();
        assert_eq!(set.len(), 3);
        for value in &set {
            assert!(value.starts_with("__Host-"), "{value}");
            assert!(
                value.contains("Path=/; ") && value.contains("SameSite=Strict"),
                "{value}"
            );
            assert!(value.ends_with("; Secure"), "{value}");
            assert_eq!(
                value.contains("HttpOnly"),
                !value.starts_with(CSRF_COOKIE),
                "{value}"
            );
        }
    }
}
