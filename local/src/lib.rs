//! The local environment: the emulated cloud, its bootstrap, and all functions behind one
//! HTTP endpoint. Used by `make run` and by the integration tests.

pub mod bootstrap;
pub mod demo;
pub mod environment;
pub mod event_sources;
pub mod openapi;
pub mod payments;
pub mod routes;
pub mod stack;
