//! `GET /api/v1/docs`: Swagger UI over this API's OpenAPI document, as one self-contained page.
//!
//! Swagger UI's script and stylesheet (vendored from the npm package `swagger-ui-dist`, see
//! `assets/swagger-ui/VERSION` and `scripts/vendor-swagger-ui.sh`) and our initialiser are
//! compiled into the binary and inlined into the page, so the page is one route, works offline,
//! and nothing is fetched from anywhere but the API itself (the document, and the requests a
//! reader tries out).
//!
//! Every other response carries `default-src 'none'`. This page has to run scripts and apply a
//! stylesheet, so it gets its own policy: exactly its two inline scripts and its stylesheet (by
//! SHA-256, so nothing injected runs), images from `data:` URLs (Swagger UI's icons), and
//! requests to its own origin only. Framing, `<base>` and form posts stay refused. The browser
//! test (`scripts/docs_browser_test.py`) fails on any violation of it.

use std::sync::OnceLock;

use axum::http::{header, HeaderValue};
use axum::response::IntoResponse;
use base64::Engine;
use sha2::{Digest, Sha256};

const SWAGGER_UI_JS: &str = include_str!("../assets/swagger-ui/swagger-ui-bundle.js");
const SWAGGER_UI_CSS: &str = include_str!("../assets/swagger-ui/swagger-ui.css");
const INIT_JS: &str = include_str!("../assets/docs-init.js");
pub const SWAGGER_UI_VERSION: &str = include_str!("../assets/swagger-ui/VERSION");

/// The page and the policy that lets exactly its scripts and styles in, built on the first
/// request.
pub struct DocsPage {
    pub html: String,
    pub content_security_policy: String,
}

fn csp_hash(script: &str) -> String {
    let digest = Sha256::digest(script.as_bytes());
    format!(
        "'sha256-{}'",
        base64::engine::general_purpose::STANDARD.encode(digest)
    )
}

impl DocsPage {
    fn build() -> Self {
        let version = SWAGGER_UI_VERSION.trim();
        let html = format!(
            "<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n\
             <meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n\
             <meta name=\"generator\" content=\"Swagger UI {version}\">\n\
             <title>Drive Alive API</title>\n\
             <link rel=\"icon\" href=\"data:,\">\n\
             <style>{SWAGGER_UI_CSS}</style>\n</head>\n<body>\n<div id=\"swagger-ui\"></div>\n\
             <script>{SWAGGER_UI_JS}</script>\n<script>{INIT_JS}</script>\n</body>\n</html>\n"
        );
        let content_security_policy = format!(
            "default-src 'none'; script-src {} {}; style-src {}; \
             img-src data:; connect-src 'self'; base-uri 'none'; form-action 'none'; \
             frame-ancestors 'none'",
            csp_hash(SWAGGER_UI_JS),
            csp_hash(INIT_JS),
            csp_hash(SWAGGER_UI_CSS)
        );
        Self {
            html,
            content_security_policy,
        }
    }

    pub fn get() -> &'static Self {
        static PAGE: OnceLock<DocsPage> = OnceLock::new();
        PAGE.get_or_init(Self::build)
    }
}

/// Interactive documentation of this API (Swagger UI).
#[utoipa::path(
    get,
    path = "/api/v1/docs",
    operation_id = "api_docs",
    tag = "health",
    responses((status = 200,
        description = "An HTML page (Swagger UI) over `openapi.json`, with every asset inline; \
            operations can be tried out against this API with a Bearer token.",
        content_type = "text/html", body = String))
)]
pub async fn docs_page() -> impl IntoResponse {
    let page = DocsPage::get();
    let policy = HeaderValue::from_str(&page.content_security_policy)
        .unwrap_or_else(|_| HeaderValue::from_static("default-src 'none'"));
    (
        [
            (
                header::CONTENT_TYPE,
                HeaderValue::from_static("text/html; charset=utf-8"),
            ),
            (header::CONTENT_SECURITY_POLICY, policy),
        ],
        page.html.as_str(),
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Raw text a `<script>` or `<style>` element cannot hold without ending early or, for a
    /// script, switching the HTML parser into a state where `</script>` no longer ends it.
    fn inline_problems(element: &str, text: &str) -> Vec<String> {
        let lower = text.to_ascii_lowercase();
        let mut problems = Vec::new();
        if lower.contains(&format!("</{element}")) {
            problems.push(format!("contains </{element}"));
        }
        let mut rest = lower.as_str();
        while let Some(start) = rest.find("<!--") {
            let after = &rest[start + 4..];
            let end = after.find("-->").unwrap_or(after.len());
            if after[..end].contains("<script") {
                problems.push("a <!-- ... --> holds <script".to_owned());
            }
            rest = &after[end..];
        }
        problems
    }

    #[test]
    fn vendored_assets_can_be_inlined() {
        assert_eq!(
            inline_problems("script", SWAGGER_UI_JS),
            Vec::<String>::new()
        );
        assert_eq!(inline_problems("script", INIT_JS), Vec::<String>::new());
        assert_eq!(
            inline_problems("style", SWAGGER_UI_CSS),
            Vec::<String>::new()
        );
        assert_eq!(
            inline_problems("script", "a<!--<script>-->b"),
            ["a <!-- ... --> holds <script"]
        );
        assert_eq!(inline_problems("style", "x</STYLE>"), ["contains </style"]);
    }

    #[test]
    fn policy_allows_exactly_the_page_scripts_and_styles_and_only_its_own_origin() {
        let page = DocsPage::build();
        // As the HTML parser reads them: from `<script>` to the next `</script>`.
        let mut inline_scripts = Vec::new();
        let mut rest = page.html.as_str();
        while let Some(start) = rest.find("<script>") {
            let body = &rest[start + "<script>".len()..];
            let end = body.find("</script>").expect("every script is closed");
            inline_scripts.push(&body[..end]);
            rest = &body[end..];
        }
        assert_eq!(inline_scripts.len(), 2);
        let style = page
            .html
            .split("<style>")
            .nth(1)
            .and_then(|s| s.split("</style>").next());
        assert_eq!(style, Some(SWAGGER_UI_CSS));
        for script in inline_scripts.into_iter().chain(style) {
            assert!(page.content_security_policy.contains(&csp_hash(script)));
        }
        for directive in [
            "default-src 'none'",
            "connect-src 'self'",
            "frame-ancestors 'none'",
        ] {
            assert!(
                page.content_security_policy.contains(directive),
                "{directive}"
            );
        }
        assert!(!page.content_security_policy.contains("http"));
        assert!(!page.html.contains("src=\"http") && !page.html.contains("href=\"http"));
        assert!(HeaderValue::from_str(&page.content_security_policy).is_ok());
    }

    /// The committed copies are the ones `scripts/vendor-swagger-ui.sh` checked against the
    /// npm registry.
    #[test]
    fn vendored_files_match_their_recorded_sha256() {
        let sums = include_str!("../assets/swagger-ui/SHA256SUMS");
        let files = [
            ("swagger-ui-bundle.js", SWAGGER_UI_JS),
            ("swagger-ui.css", SWAGGER_UI_CSS),
        ];
        for (name, content) in files {
            let hex: String = Sha256::digest(content.as_bytes())
                .iter()
                .map(|b| format!("{b:02x}"))
                .collect();
            assert!(
                sums.lines().any(|line| line == format!("{hex}  {name}")),
                "{name} differs from SHA256SUMS; run scripts/vendor-swagger-ui.sh"
            );
        }
    }
}
