//! Erasing a member for good (coordinators only): a page that says what will go and what stays,
//! lists where staff wrote their name (to change first), and asks for their name to confirm.

use crate::domain::ids::MemberId;
use crate::paths;
use askama::Template;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::Response;

use crate::AppState;
use crate::domain::member::check_erasure_confirm;
use crate::error::{AppError, AppResult};
use crate::http::{CheckedForm, Cookies, CurrentStaff};
use crate::store::Mention;

use super::form::Form;
use super::{Page, redirect_with, render_status};

#[derive(Template)]
#[template(path = "members/erase.html")]
struct ErasePage {
    page: Page,
    id: MemberId,
    name: String,
    mentions: Vec<Mention>,
    form: Form,
    confirm_label: String,
}

async fn show(
    state: &AppState,
    me: &crate::domain::access::Staff,
    cookies: &Cookies,
    id: MemberId,
    form: Form,
    status: StatusCode,
) -> AppResult<Response> {
    if !me.is_coordinator() {
        return Err(AppError::Forbidden);
    }
    let member = state.store.member(me, id).await?;
    let mentions = state.store.mentions_of(&member).await?;
    render_status(
        status,
        &ErasePage {
            page: super::account::staff_page(
                &format!("Erase {}", member.preferred_name),
                me,
                cookies,
                "groups",
            ),
            id,
            name: member.preferred_name.clone(),
            mentions,
            form,
            confirm_label: format!("To confirm, type their name: {}", member.preferred_name),
        },
    )
}

/// GET /members/{id}/erase
pub async fn page(
    State(state): State<AppState>,
    CurrentStaff(me): CurrentStaff,
    cookies: Cookies,
    Path(id): Path<MemberId>,
) -> AppResult<Response> {
    show(&state, &me, &cookies, id, Form::blank(), StatusCode::OK).await
}

/// POST /members/{id}/erase
pub async fn erase(
    State(state): State<AppState>,
    CurrentStaff(me): CurrentStaff,
    cookies: Cookies,
    Path(id): Path<MemberId>,
    CheckedForm(raw): CheckedForm,
) -> AppResult<Response> {
    if !me.is_coordinator() {
        return Err(AppError::Forbidden);
    }
    let member = state.store.member(&me, id).await?;
    if let Err(errors) = check_erasure_confirm(&raw, &member.preferred_name) {
        let form = Form::with_errors(raw, errors);
        return show(
            &state,
            &me,
            &cookies,
            id,
            form,
            StatusCode::UNPROCESSABLE_ENTITY,
        )
        .await;
    }
    let (name, group) = (member.preferred_name.clone(), member.group_id);
    state.store.erase_member(&me, member).await?;
    Ok(redirect_with(
        &paths::group_members(group),
        &format!(
            "{name} has been erased. The meetings they came to still count them, as \"Someone\"."
        ),
    ))
}
