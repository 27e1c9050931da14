//! `infra/template.yaml` against the code it deploys: the table against `shared::schema`, API
//! Gateway's own responses against the security headers, each function's binary against the
//! crates under `functions/`, and the routes against `events/` and the functions' routers.
//!
//! The comparisons live in `integration_tests::template`; the `detects_*` tests feed them a
//! broken template to prove they report it.

use std::collections::{BTreeMap, BTreeSet};

use integration_tests::template::binaries::{
    all_binaries, build_differences, function_crates, lambda_binaries, undeployed_differences,
};
use integration_tests::template::decode::{assert_none, template};
use integration_tests::template::gateway::gateway_header_differences;
use integration_tests::template::routers::{offline_state, unserved_route_differences};
use integration_tests::template::routes::{
    event_route_differences, method_setting_differences, path_matches, preflight_differences,
    sample_events, template_routes, DeployedRoute, Route,
};
use integration_tests::template::sample::{
    all_differences, assert_reported, differences_after, differences_after_all, function,
    good_samples, good_template, key,
};
use integration_tests::template::table::table_differences;
use serde_json::{json, Value};
use shared::schema;

#[test]
fn template_table_matches_shared_schema() {
    assert_none(table_differences(template()), "shared::schema");
}

#[test]
fn template_gateway_responses_carry_the_security_headers() {
    assert_none(
        gateway_header_differences(template()),
        "shared::http::security_headers",
    );
}

#[test]
fn template_functions_are_built_from_binaries_under_functions() {
    let binaries = all_binaries(&function_crates(&local::stack::workspace_root()));
    assert!(!binaries.is_empty(), "no binaries found under functions/");
    assert_none(build_differences(template(), &binaries), "functions/");
}

#[test]
fn template_deploys_every_binary_under_functions() {
    let binaries = lambda_binaries(&function_crates(&local::stack::workspace_root()));
    assert_none(undeployed_differences(template(), &binaries), "functions/");
}

#[test]
fn template_method_settings_name_template_routes() {
    assert_none(method_setting_differences(template()), "its own routes");
}

#[test]
fn template_routes_every_sample_event_to_its_function() {
    assert_none(
        event_route_differences(template(), &sample_events()),
        "events/manifest.json",
    );
}

#[test]
fn template_preflights_every_path_at_its_function() {
    assert_none(
        preflight_differences(template()),
        "the template's own routes",
    );
}

#[tokio::test]
async fn template_routes_are_routes_of_their_functions() {
    let (routes, _) = template_routes(template());
    assert!(!routes.is_empty(), "the template routes nothing");
    let differences = unserved_route_differences(&routes, &offline_state().await).await;
    assert_none(differences, "the functions' routes()");
}

#[test]
fn a_template_built_from_the_code_has_no_differences() {
    assert_eq!(all_differences(&good_template()), Vec::<String>::new());
}

#[test]
fn detects_a_renamed_or_rekeyed_index() {
    let renamed = differences_after(
        "/Resources/Table/Properties/GlobalSecondaryIndexes/1/IndexName",
        json!("GSI9"),
    );
    assert_reported(&renamed, "index GSI2 is missing");
    assert_reported(&renamed, "index GSI9 is not in shared::schema");

    let rekeyed = differences_after(
        "/Resources/Table/Properties/GlobalSecondaryIndexes/0/KeySchema/1/AttributeName",
        json!("GSI1Sort"),
    );
    assert_reported(&rekeyed, "Table.GSI1 is");
}

#[test]
fn detects_a_projection_other_than_all() {
    let differences = differences_after(
        "/Resources/Table/Properties/GlobalSecondaryIndexes/2/Projection/ProjectionType",
        json!("KEYS_ONLY"),
    );
    assert_reported(&differences, "Table.GSI3: projection is \"KEYS_ONLY\"");
}

#[test]
fn detects_changed_table_keys_attributes_and_ttl() {
    let swapped = differences_after(
        "/Resources/Table/Properties/KeySchema",
        json!([
            key(schema::SORT_KEY, "HASH"),
            key(schema::PARTITION_KEY, "RANGE")
        ]),
    );
    assert_reported(&swapped, "Table.KeySchema is");

    let numeric = differences_after(
        "/Resources/Table/Properties/AttributeDefinitions/0/AttributeType",
        json!("N"),
    );
    assert_reported(&numeric, "attribute PK is not a string");

    let ttl = differences_after(
        "/Resources/Table/Properties/TimeToLiveSpecification/AttributeName",
        json!("ttl"),
    );
    assert_reported(&ttl, "TTL must be enabled on expires_at");
}

#[test]
fn detects_a_changed_missing_or_unquoted_security_header() {
    let changed = differences_after(
        "/Resources/Api/Properties/GatewayResponses/DEFAULT_4XX/ResponseParameters/Headers/x-frame-options",
        json!("'SAMEORIGIN'"),
    );
    assert_reported(
        &changed,
        "DEFAULT_4XX: header x-frame-options is 'SAMEORIGIN'",
    );

    let unquoted = differences_after(
        "/Resources/Api/Properties/GatewayResponses/DEFAULT_5XX/ResponseParameters/Headers/cache-control",
        json!("no-store"),
    );
    assert_reported(&unquoted, "DEFAULT_5XX: header cache-control is no-store");

    let mut template = good_template();
    template["Resources"]["Api"]["Properties"]["GatewayResponses"]["THROTTLED"] =
        json!({"ResponseParameters": {"Headers": {"retry-after": "'1'"}}});
    let missing = gateway_header_differences(&template);
    assert_reported(
        &missing,
        "THROTTLED: header strict-transport-security is missing",
    );
}

#[test]
fn detects_an_unknown_binary_and_an_undeployed_function() {
    let differences = differences_after(
        "/Resources/UsersFunction/Metadata/BuildProperties/Binary",
        json!("user"),
    );
    assert_reported(&differences, "binary user is not built by any crate");
    assert_reported(
        &differences,
        "binary users (functions/) is deployed by no function",
    );
}

#[test]
fn only_the_binary_named_like_its_crate_must_be_deployed() {
    let crates: BTreeMap<String, BTreeSet<String>> = [
        (
            "admin",
            vec!["admin", "migrate-smtp-passwords", "admin-accounts"],
        ),
        ("auth", vec!["auth"]),
    ]
    .into_iter()
    .map(|(package, bins)| {
        (
            package.to_owned(),
            bins.into_iter().map(str::to_owned).collect(),
        )
    })
    .collect();

    assert!(all_binaries(&crates).contains("migrate-smtp-passwords"));
    assert_eq!(
        lambda_binaries(&crates),
        BTreeSet::from(["admin".to_owned(), "auth".to_owned()])
    );
}

#[test]
fn detects_an_event_routed_elsewhere_or_not_at_all() {
    let route = "/Resources/AuthFunction/Properties/Events/Route/Properties";
    let moved = differences_after_all(&[
        (&format!("{route}/Path"), json!("/api/v1/users/me")),
        (&format!("{route}/Method"), json!("get")),
    ]);
    assert_reported(
        &moved,
        "users/me.json: GET /api/v1/users/me goes to [\"auth\", \"users\"]",
    );
    assert_reported(
        &moved,
        "auth/login.json: POST /api/v1/auth/login is not routed",
    );

    let wrong_method = differences_after(
        "/Resources/UsersFunction/Properties/Events/Route/Properties/Method",
        json!("patch"),
    );
    assert_reported(&wrong_method, "GET /api/v1/users/me is not routed");
    assert_reported(
        &wrong_method,
        "PATCH /api/v1/users/me (users) has no sample event",
    );
}

#[test]
fn detects_a_path_without_its_preflight_and_a_preflight_of_nothing() {
    let preflight = "/Resources/UsersFunction/Properties/Events/Preflight";
    let missing = differences_after(&format!("{preflight}/Type"), json!("Schedule"));
    assert_reported(
        &missing,
        "GET /api/v1/users/me (users) has no OPTIONS preflight route",
    );

    let elsewhere = differences_after(
        &format!("{preflight}/Properties/Path"),
        json!("/api/v1/auth/login"),
    );
    assert_reported(
        &elsewhere,
        "OPTIONS /api/v1/auth/login (users) preflights no route of its function",
    );
    assert_reported(
        &elsewhere,
        "GET /api/v1/users/me (users) has no OPTIONS preflight route",
    );

    let unsampled = {
        let mut template = good_template();
        template["Resources"]["AdminFunction"] = function("admin", "get", "/api/v1/admin/stats");
        event_route_differences(&template, &good_samples())
    };
    assert_reported(
        &unsampled,
        "OPTIONS /api/v1/admin/stats (admin) has no sample event",
    );
}

#[test]
fn detects_a_route_off_the_template_api() {
    let differences = differences_after(
        "/Resources/AuthFunction/Properties/Events/Route/Properties/RestApiId",
        Value::Null,
    );
    assert_reported(&differences, "AuthFunction.Events.Route: RestApiId null");
}

#[test]
fn detects_a_method_setting_for_a_missing_route() {
    let mut template = good_template();
    template["Resources"]["Api"]["Properties"]["MethodSettings"] = json!([
        {"ResourcePath": "/*", "HttpMethod": "*"},
        {"ResourcePath": "/~1api~1v1~1auth~1login", "HttpMethod": "POST"},
        {"ResourcePath": "/~1api~1v1~1auth~1signin", "HttpMethod": "POST"},
        {"ResourcePath": "/~1api~1v1~1users~1me", "HttpMethod": "DELETE"}
    ]);

    let differences = method_setting_differences(&template);

    assert_eq!(differences.len(), 2, "{differences:#?}");
    assert_reported(&differences, "POST /~1api~1v1~1auth~1signin");
    assert_reported(&differences, "DELETE /~1api~1v1~1users~1me");
}

#[test]
fn paths_match_with_parameters_but_not_across_segments() {
    assert!(path_matches(
        "/api/v1/instructors/{id}",
        "/api/v1/instructors/42"
    ));
    assert!(path_matches(
        "/api/v1/instructors/{id}",
        "/api/v1/instructors/{instructor_id}"
    ));
    assert!(!path_matches(
        "/api/v1/instructors/{id}",
        "/api/v1/instructors/42/reviews"
    ));
    assert!(!path_matches(
        "/api/v1/instructors/{id}",
        "/api/v1/instructors/"
    ));
    assert!(path_matches("/{proxy+}", "/api/v1/anything"));
    assert!(!path_matches(
        "/api/v1/users/me",
        "/api/v1/users/me/password"
    ));
}

#[tokio::test]
async fn detects_a_template_route_its_function_does_not_have() {
    let deployed = |binary: &str, method: &str, path: &str| DeployedRoute {
        binary: binary.to_owned(),
        route: Route::new(method, path),
    };
    let routes = [
        deployed("users", "GET", "/api/v1/users/me"),
        deployed("auth", "POST", "/api/v1/auth/signin"),
        deployed("auth", "PATCH", "/api/v1/auth/login"),
        deployed("users", "POST", "/api/v1/auth/login"),
        deployed("payments", "GET", "/api/v1/payments"),
        deployed("users", "OPTIONS", "/api/v1/users/me"),
        deployed("bookings", "OPTIONS", "/api/v1/bookings/{id}/cancel"),
    ];

    let differences = unserved_route_differences(&routes, &offline_state().await).await;

    assert_eq!(differences.len(), 4, "{differences:#?}");
    assert_reported(
        &differences,
        "POST /api/v1/auth/signin (auth): the function has no such route",
    );
    assert_reported(
        &differences,
        "PATCH /api/v1/auth/login (auth): the function has no such route",
    );
    assert_reported(
        &differences,
        "POST /api/v1/auth/login (users): the function has no such route",
    );
    assert_reported(&differences, "no router known for binary payments");
}
