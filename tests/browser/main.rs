#![allow(clippy::unwrap_used, clippy::expect_used)]
//! Browser tests: Hearth in headless Chromium, driven through WebDriver (chromedriver).
//!
//! Each test starts the app in-process on a fresh SQLite file, its own chromedriver on a free
//! loopback port and a Chromium with a fresh profile. Every page the journey visits is checked
//! with axe-core (WCAG 2.0/2.1/2.2 A and AA), for requests to any other host and for Content
//! Security Policy violations in the console.
//!
//! Needs `chromium`, `chromedriver` and `npm install` (for node_modules/axe-core). Without them
//! the tests print a line and pass, unless HEARTH_TEST_STRICT is set, when they fail.
//! With HEARTH_SCREENSHOTS set, screenshots at 320 px and 1280 px (and a PDF print of the
//! members list) are saved under screenshots/ at the repository root; the meeting test saves
//! its pages at 390 px (a phone) and PDF prints of the sign-in sheet.

mod harness;
mod insight;
mod journey;
mod meeting;
mod network;
mod nothing_lost;
mod offline;
mod passkeys;
mod poll;
mod seven_tasks;
mod threads;
mod two_step;
