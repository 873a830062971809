//! What the pages (web/) and the API (api/) share about HTTP: the request id and trace span
//! every request gets, the extractors (who is signed in by cookie or bearer token, checked
//! form bodies, JSON bodies, the client's address), the cookies they read, the query strings
//! both take, and the page cache. Nothing here imports web/ or api/.

pub mod budget;
pub mod cache;
pub mod conn;
pub mod cookies;
pub mod device;
pub mod extract;
pub mod metrics;
pub mod query;
pub mod replay;
pub mod trace;

pub use cookies::{CSRF_COOKIE, FLASH_COOKIE, RequestCookies, SESSION_COOKIE, cookie};
pub use extract::*;
pub use query::{RangeQuery, SearchQuery, raw_of_query};
pub use trace::RequestId;
