//! The use cases: what the pages (web/) and the API (api/) both do, each written once. An
//! operation takes who is asking, checks its rules in one place (the domain's tables), has the
//! store write the change and its audit event together, and queues any email; web/ and api/
//! only parse the request, call the operation and render its answer, so the same rule gives
//! the same answer on both.

pub mod meetings;
pub mod polls;
pub mod programme;
pub mod social;
pub mod staff;
