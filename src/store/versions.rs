//! Data versions: a number per group raised (by triggers, migration 0014) in the same
//! transaction as every change to that group's data, and a network-wide one (scope 0) for what
//! every group shows — staff, venues, the topic library. The page cache keeps a page with the
//! versions read *before* it was made, and serves it again only while they still stand.

use super::{Store, StoreError, StoreResult};

/// What a cached page depends on.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub enum VersionScope {
    /// One group's data (pages under /groups/{id}).
    Group(i64),
    /// The group a meeting belongs to (pages under /meetings/{id}).
    Meeting(i64),
    /// The group of a calendar feed, found by the feed's hashed token.
    Feed(String),
    /// Every group (the coordinators' overview, lists of groups).
    Network,
}

impl Store {
    /// The versions a page in this scope depends on, or None when the scope names nothing (an
    /// unknown group, meeting or feed: the page itself answers that).
    pub async fn data_versions(&self, scope: &VersionScope) -> StoreResult<Option<(i64, i64)>> {
        self.count_query();
        let (_, versions) = self.batches.check(&self.db, None, scope).await?;
        Ok(versions)
    }
}

/// The PostgreSQL tables of this schema with a `data_version` trigger (migration 0014).
pub(crate) const PG_VERSION_TRIGGERS: &str =
    "SELECT c.relname::text FROM pg_trigger t JOIN pg_class c ON c.oid = t.tgrelid
     WHERE t.tgname = 'data_version' AND c.relnamespace = current_schema()::regnamespace";

/// Tables whose rows no cached page shows, so a change to them raises no version: sign-in
/// state, second steps (apps, passkeys) set up, being set up or passed, recovery codes,
/// throttling, the audit trail (written by reads), the search index (kept from tables that do
/// raise it), answers kept for repeated requests and the version table itself.
pub const UNVERSIONED_TABLES: &[&str] = &[
    "sessions",
    "api_tokens",
    "password_resets",
    "signin_failures",
    "audit_events",
    "audit_members",
    "data_versions",
    "totp_setups",
    "recovery_codes",
    "sign_in_challenges",
    "passkeys",
    "passkey_setups",
    "replays",
    "_sqlx_migrations",
];

impl Store {
    /// Tables that are neither versioned (no trigger raising a data version) nor listed in
    /// `UNVERSIONED_TABLES`: a table added without deciding is a page cache serving stale data,
    /// so a test asserts this is empty on both backends.
    pub async fn tables_without_versions(&self) -> StoreResult<Vec<String>> {
        let (tables, versioned): (Vec<String>, Vec<String>) = match &self.db {
            super::Db::Sqlite(pool) => {
                let tables = sqlx::query_scalar(
                    "SELECT name FROM sqlite_master WHERE type = 'table'
                     AND name NOT LIKE 'sqlite_%' AND name NOT LIKE 'search_docs%'",
                )
                .fetch_all(pool)
                .await;
                let versioned = sqlx::query_scalar(
                    "SELECT tbl_name FROM sqlite_master WHERE type = 'trigger'
                     AND sql LIKE '%data_versions%' GROUP BY tbl_name HAVING COUNT(*) >= 2",
                )
                .fetch_all(pool)
                .await;
                (
                    tables.map_err(StoreError::from_sqlx)?,
                    versioned.map_err(StoreError::from_sqlx)?,
                )
            }
            super::Db::Postgres(pool) => {
                let tables = sqlx::query_scalar(
                    "SELECT table_name::text FROM information_schema.tables
                     WHERE table_schema = current_schema() AND table_type = 'BASE TABLE'",
                )
                .fetch_all(pool)
                .await;
                let versioned =
                    sqlx::query_scalar(&format!("{PG_VERSION_TRIGGERS} AND t.tgenabled <> 'D'"))
                        .fetch_all(pool)
                        .await;
                (
                    tables.map_err(StoreError::from_sqlx)?,
                    versioned.map_err(StoreError::from_sqlx)?,
                )
            }
        };
        let mut missing: Vec<String> = tables
            .into_iter()
            .filter(|t| !versioned.contains(t) && !UNVERSIONED_TABLES.contains(&t.as_str()))
            .collect();
        missing.sort();
        Ok(missing)
    }
}
