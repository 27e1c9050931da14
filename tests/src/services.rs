//! One moto server and one SMTP server per test process, shared by every test in it (and one
//! localstripe, for the tests that take payments). Tests stay
//! isolated by using their own table, key and secrets (fresh names per test). The processes exit
//! when the test process does (they watch their standard input).

use std::path::PathBuf;
use std::sync::OnceLock;

use local::stack::{self, LocalService};

pub struct SharedServices {
    pub moto: LocalService,
    pub smtp: LocalService,
    pub mail_dir: PathBuf,
}

static SHARED: OnceLock<SharedServices> = OnceLock::new();

pub fn shared() -> &'static SharedServices {
    SHARED.get_or_init(|| {
        let mail_dir =
            std::env::temp_dir().join(format!("drive-alive-mail-{}", std::process::id()));
        let moto = stack::start_moto().expect("start the moto server");
        let smtp = stack::start_smtp(&mail_dir, None).expect("start the SMTP server");
        SharedServices {
            moto,
            smtp,
            mail_dir,
        }
    })
}

static LOCALSTRIPE: OnceLock<LocalService> = OnceLock::new();

/// One localstripe per test process, started by the first app that takes payments
/// (`Options::payments`); its store lives beside the shared mail directory.
pub fn localstripe() -> &'static LocalService {
    LOCALSTRIPE.get_or_init(|| {
        let state = shared().mail_dir.with_extension("localstripe.pickle");
        stack::start_localstripe(&state).expect("start localstripe")
    })
}
