//! Erasing members a chosen number of months after they left (a network setting, off by
//! default). Once a day there is one job for it in the job queue (its key names the day and
//! the period chosen, so choosing one runs it the same day), so
//! with several instances exactly one of them runs it; each erasure is its own transaction,
//! and a member already erased is skipped, so a run cut off half-way is finished by the next.

use std::time::Duration;

use crate::store::{Store, now};

/// Looks every `tick` whether today's run is due, and runs it if no other instance has.
pub async fn run_schedule(store: Store, worker: String, tick: Duration) {
    loop {
        let today = crate::labels::today_in(crate::domain::group::DEFAULT_TIMEZONE);
        // One run a day for each setting: choosing a period runs it that day, not tomorrow.
        match store.retention_months().await {
            Ok(Some(months)) => {
                if let Err(e) = store
                    .enqueue_job(
                        crate::store::JobKind::Retention,
                        &format!("retention:{today}:{months}"),
                        now(),
                    )
                    .await
                {
                    tracing::warn!(error = %e, "could not queue today's retention run");
                }
            }
            Ok(None) => {}
            Err(e) => tracing::warn!(error = %e, "could not read the retention setting"),
        }
        loop {
            match store
                .claim_job_of_kind(crate::store::JobKind::Retention, &worker, 3600)
                .await
            {
                Ok(Some(job)) => {
                    let done = match store.erase_due(today).await {
                        Ok(n) => {
                            if n > 0 {
                                tracing::info!(
                                    members = n,
                                    "erased members kept past the retention period"
                                );
                            }
                            store.job_sent(job.id, &worker).await
                        }
                        Err(e) => {
                            tracing::error!(error = %e, "the retention run failed");
                            store
                                .job_failed(&job, &worker, &e.to_string(), Some(now() + 600))
                                .await
                        }
                    };
                    if let Err(e) = done {
                        tracing::warn!(error = %e, "could not close the retention job");
                    }
                }
                Ok(None) => break,
                Err(e) => {
                    tracing::warn!(error = %e, "could not take the retention job");
                    break;
                }
            }
        }
        tokio::time::sleep(tick).await;
    }
}
