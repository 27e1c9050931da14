//! Test support for the black-box tests in `tests/tests`: the shared local stack, an app per test
//! on a free port, the Lambda Runtime API emulator and the `events/` fixtures.

pub mod accounts;
pub mod app;
pub mod events;
pub mod fault_proxy;
pub mod load;
pub mod mail;
pub mod marketplace;
pub mod notices;
pub mod payments;
pub mod route_fixture;
pub mod runtime_api;
pub mod services;
pub mod template;
