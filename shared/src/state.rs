//! What a function builds once per cold start and lends to every request.

use std::sync::Arc;

use crate::aws::AwsClients;
use crate::config::Config;

#[derive(Clone)]
pub struct AppState {
    pub config: Arc<Config>,
    pub aws: AwsClients,
}

impl AppState {
    pub async fn build(config: Config) -> Self {
        let aws = AwsClients::connect(&config).await;
        Self {
            config: Arc::new(config),
            aws,
        }
    }
}
