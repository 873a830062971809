//! What the pages (web/) and the API (api/) share about HTTP: the request id and trace span
//! every request gets.

pub mod trace;

pub use trace::RequestId;
