//! `infra/template.yaml` against the code it deploys. Each comparison is a pure function that
//! returns the differences it found, so a test can feed it a broken template to prove it reports
//! them (`sample` builds a correct one).

pub mod binaries;
pub mod decode;
pub mod gateway;
pub mod routers;
pub mod routes;
pub mod sample;
pub mod table;
