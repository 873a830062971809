//! What the pages (web/) and the API (api/) share about HTTP: the request id and trace span
//! every request gets, and the extractors (who is signed in by cookie or bearer token, checked
//! form bodies, JSON bodies, the client's address).

pub mod budget;
pub mod conn;
pub mod device;
pub mod extract;
pub mod metrics;
pub mod trace;

pub use extract::*;
pub use trace::RequestId;
