//! Facts about the request that come from the platform, never from client-supplied headers:
//! the request id and the client IP (API Gateway's request context in AWS, the socket locally).

use std::net::{IpAddr, SocketAddr};
use std::sync::{Arc, Mutex};

use axum::extract::ConnectInfo;
use axum::http::Extensions;
use lambda_http::request::RequestContext;

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

/// Filled in by the authentication guard so the access log can name the user.
#[derive(Debug, Clone, Default)]
pub struct LogContext(Arc<Mutex<Option<String>>>);

impl LogContext {
    pub fn set_user_id(&self, user_id: &str) {
        if let Ok(mut slot) = self.0.lock() {
            *slot = Some(user_id.to_owned());
        }
    }

    pub fn user_id(&self) -> Option<String> {
        self.0.lock().ok().and_then(|slot| slot.clone())
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
