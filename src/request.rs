//! What is known of the request being handled, for whatever it leads to: its id and who made
//! it. Set once by the outermost middleware for the request's whole run (a task-local, since
//! axum runs a request's middleware and handler on one task), so the audit trail and the log
//! can name the request without every handler and store method passing it along:
//!
//! - each audit event keeps the id of the request that wrote it (`current_id`), which joins it
//!   to the request's log line and to the proxy's access log (which holds the client address:
//!   Hearth keeps no address with an audit event);
//! - a refused request's log line names who made it (`note_who`: `account:7`, `member:12`),
//!   set by whichever extractor recognised them.
//!
//! Outside a request (jobs, the command line, tests calling the store) there is no context:
//! `current_id` is None and `note_who` does nothing.

use std::future::Future;
use std::sync::{Arc, Mutex};

/// One request's context.
#[derive(Debug)]
pub struct RequestContext {
    id: String,
    who: Mutex<Option<String>>,
}

tokio::task_local! {
    static CONTEXT: Arc<RequestContext>;
}

impl RequestContext {
    pub fn new(id: impl Into<String>) -> Arc<RequestContext> {
        Arc::new(RequestContext {
            id: id.into(),
            who: Mutex::new(None),
        })
    }

    /// Who made the request, as far as it got: `account:N`, `member:N`, or None.
    pub fn who(&self) -> Option<String> {
        self.who.lock().ok().and_then(|w| w.clone())
    }

    /// Runs `work` (the rest of the request) with this context current.
    pub async fn run<F: Future>(self: Arc<Self>, work: F) -> F::Output {
        CONTEXT.scope(self, work).await
    }
}

/// The id of the request being handled, if any.
pub fn current_id() -> Option<String> {
    CONTEXT.try_with(|c| c.id.clone()).ok()
}

/// Notes who the request being handled is from (the first one recognised is kept: a request
/// is one person's).
pub fn note_who(who: impl FnOnce() -> String) {
    let _ = CONTEXT.try_with(|c| {
        if let Ok(mut slot) = c.who.lock()
            && slot.is_none()
        {
            *slot = Some(who());
        }
    });
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn the_context_is_known_only_within_its_request() {
        assert_eq!(current_id(), None);
        note_who(|| "account:1".into());
        let ctx = RequestContext::new("abc-1");
        let seen = ctx
            .clone()
            .run(async {
                note_who(|| "account:7".into());
                note_who(|| "member:3".into());
                tokio::task::yield_now().await;
                current_id()
            })
            .await;
        assert_eq!(seen.as_deref(), Some("abc-1"));
        assert_eq!(ctx.who().as_deref(), Some("account:7"));
        assert_eq!(current_id(), None);
    }
}
