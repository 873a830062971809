//! Hearth's integration tests over HTTP: one binary, every test on SQLite and on PostgreSQL.
//!
//! Each test gets a real server on port 0 and a database of its own (a new SQLite file, or a
//! new PostgreSQL schema). PostgreSQL comes from HEARTH_TEST_POSTGRES_URL (default
//! postgres://postgres@127.0.0.1:5432/test); when it is not reachable the PostgreSQL variants
//! pass with a notice, unless HEARTH_TEST_STRICT is set, when they fail.

#![allow(clippy::unwrap_used, clippy::expect_used)]

mod hardening;
mod helpers;

mod accounts;
mod api;
mod api_strict;
mod basics;
mod calendar_parse;
mod cluster;
mod contacts;
mod csrf;
mod forms;
mod insight;
mod links;
mod mail;
mod meeting_status;
mod meetings;
mod meetings_openapi;
mod meetings_private;
mod meetings_run;
mod members;
mod ops;
mod page_cache;
mod page_form;
mod passkeys;
mod passwords;
mod permissions;
mod plans;
mod polls;
mod queries;
mod replay;
mod rights;
mod series;
mod sessions;
mod smtp;
mod social;
mod threads;
mod topics;
mod topics_matrix;
mod topics_openapi;
mod two_step;
