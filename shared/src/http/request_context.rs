//! Facts about the request that come from the platform, never from client-supplied headers:
//! the request id and the client IP (API Gateway's request context in AWS, the socket locally).

use std::net::{IpAddr, SocketAddr};
use std::sync::{Arc, Mutex};

use axum::extract::ConnectInfo;
use axum::http::Extensions;
use lambda_http::request::RequestContext;

use crate::rate_limit::headers::RateLimitSnapshot;

/// API Gateway's request id, or a fresh UUID when running outside API Gateway.
#[derive(Debug, Clone)]
pub struct RequestId(pub String);

/// The caller's IP as API Gateway (or the local socket) saw it. `None` only when a request was
/// built in-process without either, as some unit tests do.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ClientIp(pub Option<IpAddr>);

impl ClientIp {
    /// The key used by per-IP rate limits.
    pub fn key(&self) -> String {
        match self.0 {
            Some(ip) => ip.to_string(),
            None => "unknown".into(),
        }
    }
}

/// What the handlers learn during a request that the response pipeline needs afterwards: the
/// user (for the access log) and the tightest rate-limit outcome (for the headers).
#[derive(Debug, Clone, Default)]
pub struct RequestScope(Arc<Mutex<ScopeData>>);

#[derive(Debug, Default)]
struct ScopeData {
    user_id: Option<String>,
    rate_limit: Option<RateLimitSnapshot>,
}

impl RequestScope {
    pub fn set_user_id(&self, user_id: &str) {
        if let Ok(mut data) = self.0.lock() {
            data.user_id = Some(user_id.to_owned());
        }
    }

    pub fn user_id(&self) -> Option<String> {
        self.0.lock().ok().and_then(|data| data.user_id.clone())
    }

    pub fn record_rate_limit(&self, snapshot: RateLimitSnapshot) {
        if let Ok(mut data) = self.0.lock() {
            data.rate_limit = Some(match data.rate_limit.take() {
                Some(previous) => previous.more_restrictive(snapshot),
                None => snapshot,
            });
        }
    }

    pub fn rate_limit(&self) -> Option<RateLimitSnapshot> {
        self.0.lock().ok().and_then(|data| data.rate_limit.clone())
    }
}

impl<S: Send + Sync> axum::extract::FromRequestParts<S> for RequestScope {
    type Rejection = std::convert::Infallible;

    async fn from_request_parts(
        parts: &mut axum::http::request::Parts,
        _state: &S,
    ) -> Result<Self, Self::Rejection> {
        Ok(parts.extensions.get::<Self>().cloned().unwrap_or_default())
    }
}

impl<S: Send + Sync> axum::extract::FromRequestParts<S> for ClientIp {
    type Rejection = std::convert::Infallible;

    async fn from_request_parts(
        parts: &mut axum::http::request::Parts,
        _state: &S,
    ) -> Result<Self, Self::Rejection> {
        Ok(match parts.extensions.get::<Self>() {
            Some(ip) => *ip,
            None => client_ip(&parts.extensions),
        })
    }
}

pub fn request_id(extensions: &Extensions) -> RequestId {
    let from_gateway = match extensions.get::<RequestContext>() {
        Some(RequestContext::ApiGatewayV1(ctx)) => ctx.request_id.clone(),
        Some(RequestContext::ApiGatewayV2(ctx)) => ctx.request_id.clone(),
        _ => None,
    };
    RequestId(from_gateway.unwrap_or_else(|| uuid::Uuid::new_v4().to_string()))
}

pub fn client_ip(extensions: &Extensions) -> ClientIp {
    let from_gateway = match extensions.get::<RequestContext>() {
        Some(RequestContext::ApiGatewayV1(ctx)) => ctx.identity.source_ip.as_deref(),
        Some(RequestContext::ApiGatewayV2(ctx)) => ctx.http.source_ip.as_deref(),
        _ => None,
    };
    if let Some(ip) = from_gateway.and_then(|s| s.parse::<IpAddr>().ok()) {
        return ClientIp(Some(ip));
    }
    ClientIp(
        extensions
            .get::<ConnectInfo<SocketAddr>>()
            .map(|ConnectInfo(addr)| addr.ip()),
    )
}
