//! How many requests one signed-in person may make (ASVS V2.4.1): a budget per staff account,
//! whichever way they sign in (browser sessions and API tokens share it), and one per member's
//! personal link, so a stolen token or link or a runaway script cannot read the whole network
//! in a minute, fill it with junk, or crowd everyone else out.
//!
//! Each account has a bucket of `per_minute` requests that refills evenly over a minute: a
//! person may make a minute's requests at once (a page and what it loads, a burst of API calls)
//! and then `per_minute / 60` a second. A request over the budget is answered 429 with
//! `Retry-After`, before anything is read or written. No person clicking reaches it; the
//! default (`--requests-per-minute`, 600) is ten a second sustained.
//!
//! Kept in memory on each instance: behind a load balancer with N instances a person may make
//! up to N times the budget. That still bounds them, and a shared count would cost a database
//! write per request.

use std::collections::HashMap;
use std::sync::Mutex;
use std::time::Instant;

/// Requests left for each account (a staff account by its id, a member's personal link by
/// the member's id made negative), refilled with time.
#[derive(Debug)]
pub struct RequestBudget {
    per_minute: u32,
    buckets: Mutex<HashMap<i64, Bucket>>,
}

#[derive(Debug, Clone, Copy)]
struct Bucket {
    left: f64,
    at: Instant,
}

/// Accounts kept before full buckets are dropped (a full bucket is the same as none).
const KEEP: usize = 10_000;

impl RequestBudget {
    /// A budget of `per_minute` requests per account; 0 means no limit.
    pub fn new(per_minute: u32) -> RequestBudget {
        RequestBudget {
            per_minute,
            buckets: Mutex::new(HashMap::new()),
        }
    }

    /// Takes one request from the account's budget, or says how many whole seconds to wait
    /// until there is one.
    pub fn take(&self, account: i64) -> Result<(), u64> {
        self.take_at(account, Instant::now())
    }

    fn take_at(&self, account: i64, now: Instant) -> Result<(), u64> {
        if self.per_minute == 0 {
            return Ok(());
        }
        let full = f64::from(self.per_minute);
        let per_second = full / 60.0;
        let Ok(mut buckets) = self.buckets.lock() else {
            return Ok(());
        };
        if buckets.len() >= KEEP {
            buckets.retain(|_, b| {
                b.left + now.saturating_duration_since(b.at).as_secs_f64() * per_second < full
            });
        }
        let bucket = buckets.entry(account).or_insert(Bucket {
            left: full,
            at: now,
        });
        let refilled =
            bucket.left + now.saturating_duration_since(bucket.at).as_secs_f64() * per_second;
        bucket.left = refilled.min(full);
        bucket.at = now;
        if bucket.left >= 1.0 {
            bucket.left -= 1.0;
            Ok(())
        } else {
            Err(((1.0 - bucket.left) / per_second).ceil().max(1.0) as u64)
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::time::Duration;

    #[test]
    fn a_minutes_requests_at_once_then_the_rate() {
        let budget = RequestBudget::new(60);
        let start = Instant::now();
        for _ in 0..60 {
            assert_eq!(budget.take_at(1, start), Ok(()));
        }
        assert_eq!(budget.take_at(1, start), Err(1));
        // Someone else has their own budget.
        assert_eq!(budget.take_at(2, start), Ok(()));
        // One a second comes back.
        assert_eq!(
            budget.take_at(1, start + Duration::from_millis(1_000)),
            Ok(())
        );
        assert_eq!(
            budget.take_at(1, start + Duration::from_millis(1_100)),
            Err(1)
        );
        // Never more than a minute's worth saved up.
        let later = start + Duration::from_secs(3_600);
        for _ in 0..60 {
            assert_eq!(budget.take_at(1, later), Ok(()));
        }
        assert!(budget.take_at(1, later).is_err());
    }

    #[test]
    fn the_wait_is_how_long_until_one_request_is_back() {
        let budget = RequestBudget::new(6);
        let start = Instant::now();
        for _ in 0..6 {
            budget.take_at(7, start).expect("within the budget");
        }
        assert_eq!(budget.take_at(7, start), Err(10));
    }

    #[test]
    fn zero_is_no_limit() {
        let budget = RequestBudget::new(0);
        let now = Instant::now();
        for _ in 0..10_000 {
            assert_eq!(budget.take_at(1, now), Ok(()));
        }
    }
}
