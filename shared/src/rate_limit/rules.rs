//! The rules of SPEC §3, overridable per deployment (and shortened in tests) with
//! `RATE_LIMITS=login_ip=5/2s,register_ip=100/1h`.

use std::collections::BTreeMap;

use super::caller::Caller;

#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum RuleName {
    RegisterIp,
    VerifyIp,
    LoginIp,
    LoginAccount,
    Session,
    ForgotIp,
    ForgotAccount,
    ResetIp,
    User,
    PublicIp,
    BookingCreate,
    AdminCreate,
    PasswordChange,
    SmtpStepUp,
    RefreshIp,
    ResendIp,
    ResendAccount,
    RegistrationNotice,
}

/// What a check does when the counter store cannot be reached.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum FailMode {
    /// Refuse with 503 (authentication routes: a limit that silently stops working invites
    /// credential stuffing).
    Closed,
    /// Let the request through with a warning and a metric.
    Open,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RateLimitRule {
    pub name: RuleName,
    pub limit: u32,
    pub window_secs: u64,
    pub fail_mode: FailMode,
    /// Admins are not limited by the non-authentication rules.
    pub admin_bypass: bool,
}

impl RateLimitRule {
    /// Whether `caller` is exempt from this rule: only an admin, only where the rule says so.
    pub fn exempts(&self, caller: &Caller<'_>) -> bool {
        self.admin_bypass && caller.role() == Some(crate::domain::Role::Admin)
    }
}

impl RuleName {
    pub const ALL: [RuleName; 18] = [
        Self::RegisterIp,
        Self::VerifyIp,
        Self::LoginIp,
        Self::LoginAccount,
        Self::Session,
        Self::ForgotIp,
        Self::ForgotAccount,
        Self::ResetIp,
        Self::User,
        Self::PublicIp,
        Self::BookingCreate,
        Self::AdminCreate,
        Self::PasswordChange,
        Self::SmtpStepUp,
        Self::RefreshIp,
        Self::ResendIp,
        Self::ResendAccount,
        Self::RegistrationNotice,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            Self::RegisterIp => "register_ip",
            Self::VerifyIp => "verify_ip",
            Self::LoginIp => "login_ip",
            Self::LoginAccount => "login_account",
            Self::Session => "session",
            Self::ForgotIp => "forgot_ip",
            Self::ForgotAccount => "forgot_account",
            Self::ResetIp => "reset_ip",
            Self::User => "user",
            Self::PublicIp => "public_ip",
            Self::BookingCreate => "booking_create",
            Self::AdminCreate => "admin_create",
            Self::PasswordChange => "password_change",
            Self::SmtpStepUp => "smtp_step_up",
            Self::RefreshIp => "refresh_ip",
            Self::ResendIp => "resend_ip",
            Self::ResendAccount => "resend_account",
            Self::RegistrationNotice => "registration_notice",
        }
    }

    fn parse(name: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|r| r.as_str() == name)
    }

    /// SPEC §3 defaults: (limit, window seconds, fail mode, admin bypass).
    fn default_rule(self) -> RateLimitRule {
        const MIN: u64 = 60;
        const HOUR: u64 = 3600;
        const DAY: u64 = 86_400;
        use FailMode::{Closed, Open};
        let (limit, window_secs, fail_mode, admin_bypass) = match self {
            Self::RegisterIp => (3, HOUR, Closed, false),
            Self::VerifyIp => (10, HOUR, Closed, false),
            Self::LoginIp => (5, MIN, Closed, false),
            Self::LoginAccount => (20, HOUR, Closed, false),
            Self::Session => (60, HOUR, Closed, false),
            Self::ForgotIp => (3, HOUR, Closed, false),
            Self::ForgotAccount => (3, HOUR, Closed, false),
            Self::ResetIp => (5, HOUR, Closed, false),
            Self::User => (1000, HOUR, Open, true),
            Self::PublicIp => (100, MIN, Open, false),
            Self::BookingCreate => (20, HOUR, Open, true),
            // Admin creation is itself an admin action; the limit exists to contain a stolen
            // admin session, so admins are not exempt, and it fails closed: an outage of the
            // counters must not lift it.
            Self::AdminCreate => (5, DAY, Closed, false),
            // Each attempt at a current password guesses it, so every attempt counts, admins'
            // too (a stolen admin session must not get unlimited guesses).
            Self::PasswordChange => (5, 15 * MIN, Closed, false),
            Self::SmtpStepUp => (5, 15 * MIN, Closed, false),
            // Refresh and logout before their token is verified: by IP, so a token someone saw
            // cannot be used to spend its session's own allowance (`session`, charged after).
            Self::RefreshIp => (100, MIN, Closed, false),
            // New verification links, as forgotten passwords: per IP, and silently per address.
            Self::ResendIp => (3, HOUR, Closed, false),
            Self::ResendAccount => (3, HOUR, Closed, false),
            // The owner of an address someone tried to register again hears of it once a day.
            Self::RegistrationNotice => (1, DAY, Closed, false),
        };
        RateLimitRule {
            name: self,
            limit,
            window_secs,
            fail_mode,
            admin_bypass,
        }
    }
}

#[derive(Debug, Clone)]
pub struct RateLimits {
    rules: BTreeMap<RuleName, RateLimitRule>,
}

impl Default for RateLimits {
    fn default() -> Self {
        Self {
            rules: RuleName::ALL
                .into_iter()
                .map(|name| (name, name.default_rule()))
                .collect(),
        }
    }
}

impl RateLimits {
    pub fn rule(&self, name: RuleName) -> RateLimitRule {
        self.rules
            .get(&name)
            .cloned()
            .unwrap_or_else(|| name.default_rule())
    }

    /// Applies `name=limit/window` overrides, window as `<n>s`, `<n>m`, `<n>h` or `<n>d`.
    pub fn with_overrides(mut self, spec: &str) -> Result<Self, String> {
        for item in spec.split(',').map(str::trim).filter(|s| !s.is_empty()) {
            let (name, value) = item
                .split_once('=')
                .ok_or_else(|| format!("{item:?} is not name=limit/window"))?;
            let rule_name = RuleName::parse(name.trim())
                .ok_or_else(|| format!("{name:?} is not a rate-limit rule"))?;
            let (limit, window) = value
                .split_once('/')
                .ok_or_else(|| format!("{item:?} is not name=limit/window"))?;
            let limit: u32 = limit
                .trim()
                .parse()
                .ok()
                .filter(|l| *l > 0)
                .ok_or_else(|| format!("{item:?}: the limit must be a positive number"))?;
            let window_secs = parse_window(window.trim())
                .ok_or_else(|| format!("{item:?}: the window must look like 30s, 5m, 1h or 1d"))?;
            let rule = self
                .rules
                .entry(rule_name)
                .or_insert(rule_name.default_rule());
            rule.limit = limit;
            rule.window_secs = window_secs;
        }
        Ok(self)
    }
}

fn parse_window(text: &str) -> Option<u64> {
    let unit = text.chars().last()?;
    let number: u64 = text[..text.len() - unit.len_utf8()].parse().ok()?;
    let factor = match unit {
        's' => 1,
        'm' => 60,
        'h' => 3600,
        'd' => 86_400,
        _ => return None,
    };
    Some(number * factor).filter(|w| *w > 0)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn defaults_follow_the_spec() {
        let limits = RateLimits::default();
        let login = limits.rule(RuleName::LoginIp);
        assert_eq!((login.limit, login.window_secs), (5, 60));
        assert_eq!(login.fail_mode, FailMode::Closed);
        let user = limits.rule(RuleName::User);
        assert_eq!((user.limit, user.window_secs), (1000, 3600));
        assert!(user.admin_bypass);
        assert_eq!(user.fail_mode, FailMode::Open);
        for name in [RuleName::PasswordChange, RuleName::SmtpStepUp] {
            let rule = limits.rule(name);
            assert_eq!((rule.limit, rule.window_secs), (5, 900), "{name:?}");
            assert!(!rule.admin_bypass, "{name:?}");
        }
    }

    #[test]
    fn overrides_change_limit_and_window() {
        let limits = RateLimits::default()
            .with_overrides("login_ip=7/2s, admin_create=1/1d, password_change=3/1m")
            .expect("valid overrides");
        let change = limits.rule(RuleName::PasswordChange);
        assert_eq!((change.limit, change.window_secs), (3, 60));
        let login = limits.rule(RuleName::LoginIp);
        assert_eq!((login.limit, login.window_secs), (7, 2));
        assert_eq!(limits.rule(RuleName::AdminCreate).limit, 1);
    }

    #[test]
    fn malformed_overrides_are_refused() {
        for spec in [
            "login_ip",
            "nope=1/1s",
            "login_ip=0/1s",
            "login_ip=5/1w",
            "login_ip=5/s",
        ] {
            assert!(
                RateLimits::default().with_overrides(spec).is_err(),
                "{spec}"
            );
        }
    }
}
