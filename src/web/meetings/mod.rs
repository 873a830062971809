//! Meeting pages: planning (the list, the form, the agenda), the preparation page, the
//! run-sheet with its sign-in screen, the printable sign-in sheet, and the record afterwards
//! (notes and actions, reflection, concerns), each part in a module of its own with its routes;
//! what they share (the answer to a run-sheet fetch, venue errors, the sign-in list) is here.
//!
//! Run-sheet forms work without JavaScript (post, then redirect back); `hearth.js` sends the
//! same forms in the background with `X-Requested-With: fetch` and gets the meeting's new
//! version back as JSON instead of a redirect.

use crate::domain::ids::MeetingId;
use askama::Template;
use axum::Json;
use axum::extract::{Path, Query, State};
use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Redirect, Response};
use serde::Deserialize;

use super::account::staff_page;
use super::{
    CheckedForm, Cookies, CurrentStaff, Form, Page, redirect_with, render, render_status, when,
};
use super::{cache, cached};
use crate::AppState;
use crate::app;
use crate::domain::access::Staff;
use crate::domain::group::Group;
use crate::domain::meeting::{
    Action, ActionInput, AgendaStep, Concern, ConcernInput, Feeling, Meeting, MeetingEvent,
    MeetingInput, NotesInput, Reflection, ReflectionInput, Refusal, RsvpAnswer, StepInput,
    StepKind, WalkIn, parse_cancel_reason, parse_rsvp,
};
use crate::domain::member::{Member, MemberInput};
use crate::domain::run_sheet::RunSheetText;
use crate::domain::venue::Venue;
use crate::domain::{FieldErrors, RawInput};
use crate::error::{AppError, AppResult};
use crate::store::{
    AfterInsert, AttendanceRow, Conflict, MeetingAccess, MeetingSummary, MemberFilter, Rsvp,
    StoreError, now,
};
use axum::Router;
use axum::routing::{get, post};

mod agenda;
mod plan;
mod prepare;
mod record;
mod reflect;
mod run;
mod sign_in;

use prepare::*;
use run::*;

/// Every route of the meeting pages, each part's own merged: planning, getting ready, the
/// run-sheet, signing in, the record, the reflection and concerns, and agendas.
pub fn routes(state: &AppState) -> Router<AppState> {
    Router::new()
        .merge(plan::routes())
        .merge(prepare::routes(state))
        .merge(run::routes(state))
        .merge(sign_in::routes())
        .merge(record::routes())
        .merge(reflect::routes())
        .merge(agenda::routes())
}

fn is_fetch(headers: &HeaderMap) -> bool {
    headers
        .get("x-requested-with")
        .is_some_and(|v| v.as_bytes() == b"fetch")
}

/// After a run-sheet change: JSON with the new version for scripts, a redirect for forms.
async fn saved(
    state: &AppState,
    me: &Staff,
    headers: &HeaderMap,
    id: MeetingId,
    to: &str,
    message: &str,
) -> AppResult<Response> {
    if is_fetch(headers) {
        let version = state.store.meeting(me, id).await?.version;
        return Ok(Json(serde_json::json!({ "version": version })).into_response());
    }
    Ok(if message.is_empty() {
        Redirect::to(to).into_response()
    } else {
        redirect_with(to, message)
    })
}

fn venue_error(e: StoreError) -> Result<FieldErrors, AppError> {
    match e {
        StoreError::Conflict(Conflict::NoSuchVenue) => Ok(FieldErrors::single(
            "venue_id",
            "That venue no longer exists. Choose another.",
        )),
        StoreError::Conflict(Conflict::HeldMovedAhead) => Ok(FieldErrors::single(
            "date",
            crate::domain::meeting::HELD_MOVED_AHEAD,
        )),
        other => Err(other.into()),
    }
}

// --- a group's meetings -----------------------------------------------------------------

/// A confirmation with, when email went out (or could not), a sentence saying so.
fn with_outcome(done: &str, told: Option<crate::mail::Outcome>) -> String {
    match told {
        Some(o) => format!("{done} {}", o.sentence()),
        None => done.to_string(),
    }
}

/// A member with their answer and whether they have signed in.
pub struct Person {
    pub member: Member,
    pub answer: Option<RsvpAnswer>,
    pub signed_in: bool,
    /// The marks of the devices' sign-ins (an undo from this page undoes those it shows).
    pub marks: String,
}

fn people(members: Vec<Member>, rsvps: &[Rsvp], attendance: &[AttendanceRow]) -> Vec<Person> {
    members
        .into_iter()
        .map(|m| Person {
            answer: rsvps.iter().find(|r| r.member_id == m.id).map(|r| r.answer),
            signed_in: attendance.iter().any(|a| a.member_id == Some(m.id)),
            marks: attendance
                .iter()
                .find(|a| a.member_id == Some(m.id))
                .map(|a| a.marks.clone())
                .unwrap_or_default(),
            member: m,
        })
        .collect()
}
