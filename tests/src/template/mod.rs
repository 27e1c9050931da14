//! `infra/template.yaml` against the code it deploys and the production guarantees it makes.
//! Each comparison is a pure function that returns the differences it found, so a test can feed
//! it a broken template to prove it reports them (`sample` builds a correct one).

pub mod alarms;
pub mod binaries;
pub mod canary;
pub mod cdk;
pub mod decode;
pub mod diff;
pub mod edge;
pub mod gateway;
pub mod iam;
pub mod resolve;
pub mod routers;
pub mod routes;
pub mod sample;
pub mod table;
