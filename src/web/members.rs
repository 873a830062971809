//! Member pages: a group's members list with search and filters, adding and changing a member,
//! consents, the personal link, and CSV import (checked and previewed first) and export.

use crate::domain::ids::GroupId;
use crate::domain::ids::MemberId;
use crate::paths;
use askama::Template;
use axum::extract::{Multipart, Path, Query, State};
use axum::http::StatusCode;
use axum::response::Response;
use serde::Deserialize;

use super::account::staff_page;
use super::{
    CheckedForm, Cookies, CurrentStaff, Form, Page, RequestCookies, check_origin, constant_time_eq,
    date_label, redirect_with, render, render_status, when,
};
use crate::AppState;
use crate::auth::{hash_token, new_token};
use crate::domain::RawInput;
use crate::domain::access::Staff;
use crate::domain::group::Group;
use crate::domain::member::{
    Consent, ConsentHow, ConsentInput, ConsentKind, ContactPref, Member, MemberInput, Need,
    StoryConsent,
};
use crate::domain::member_csv::{self, ImportCheck};
use crate::error::{AppError, AppResult};
use crate::store::{AuditEvent, MemberFilter};

#[derive(Debug, Deserialize, Default)]
pub struct ListQuery {
    #[serde(default)]
    q: String,
    #[serde(default)]
    need: String,
    #[serde(default)]
    contact: String,
    #[serde(default)]
    status: String,
}

impl ListQuery {
    /// The form offers only values the list knows; an address made by hand with another is
    /// named, not guessed.
    fn filter(&self) -> AppResult<MemberFilter> {
        MemberFilter::checked(&self.q, &self.need, &self.contact, &self.status, "contact")
            .map_err(AppError::Invalid)
    }
}

#[derive(Template)]
#[template(path = "members/find.html")]
struct FindPage {
    page: Page,
    form: Form,
    searched: bool,
    hits: Vec<crate::store::MemberHit>,
    more: bool,
    /// Which page of people found this is (from 1).
    number: usize,
}

impl FindPage {
    /// "Showing 51 to 100" for the people on this page.
    fn showing(&self) -> String {
        let first = (self.number - 1) * crate::store::MEMBER_SEARCH_LIMIT as usize + 1;
        format!("Showing {} to {}", first, first + self.hits.len() - 1)
    }
    fn page_href(&self, number: usize) -> String {
        super::list_href(
            "/members",
            &self.form,
            &["q"],
            &[("page", number.to_string())],
        )
    }
}

/// GET /members?q=: a member of any group the viewer may see, found by name, phone or email.
pub async fn find(
    State(state): State<AppState>,
    CurrentStaff(me): CurrentStaff,
    cookies: Cookies,
    Query(query): Query<FindQuery>,
) -> AppResult<Response> {
    let mut raw = RawInput::default();
    raw.set("q", &query.q);
    let q = query.q.trim();
    let number = match query.page.trim() {
        "" => Some(1),
        t => t.parse::<usize>().ok().filter(|n| (1..=2_000).contains(n)),
    };
    let problem = if q.chars().count() > 200 {
        Some(("q", "Search for fewer words (200 letters at most)."))
    } else if number.is_none() {
        Some(("page", "Give a page number from 1 to 2000."))
    } else {
        None
    };
    if let Some((field, message)) = problem {
        return render_status(
            StatusCode::UNPROCESSABLE_ENTITY,
            &FindPage {
                page: staff_page("Find a member", &me, &cookies, "groups"),
                form: Form::with_errors(raw, crate::domain::FieldErrors::single(field, message)),
                searched: false,
                hits: Vec::new(),
                more: false,
                number: 1,
            },
        );
    }
    let number = number.unwrap_or(1);
    let offset = (number - 1) * crate::store::MEMBER_SEARCH_LIMIT as usize;
    let (hits, more) = state.store.find_members(&me, q, offset).await?;
    render(&FindPage {
        page: staff_page("Find a member", &me, &cookies, "groups"),
        form: Form::from_raw(raw),
        searched: !q.is_empty(),
        hits,
        more,
        number,
    })
}

#[derive(Debug, Deserialize, Default)]
pub struct FindQuery {
    #[serde(default)]
    q: String,
    /// Which page of people found (1 unless given).
    #[serde(default)]
    page: String,
}

#[derive(Template)]
#[template(path = "members/list.html")]
struct ListPage {
    page: Page,
    group: Group,
    members: Vec<Member>,
    query: ListQuery,
    needs: &'static [(&'static str, &'static str)],
    contacts: &'static [(&'static str, &'static str)],
    filtered: bool,
}

pub async fn list(
    State(state): State<AppState>,
    CurrentStaff(me): CurrentStaff,
    cookies: Cookies,
    Path(group_id): Path<GroupId>,
    Query(query): Query<ListQuery>,
) -> AppResult<Response> {
    let group = state.store.group_for(&me, group_id).await?;
    let scope = state.store.group(&me, group_id).await?;
    let filter = query.filter()?;
    let members = state.store.members_of(&scope, &filter).await?;
    let filtered = filter.narrows();
    render(&ListPage {
        page: staff_page(
            &format!("Members of {}", group.name),
            &me,
            &cookies,
            "groups",
        ),
        group,
        members,
        query,
        needs: Need::CHOICES,
        contacts: ContactPref::CHOICES,
        filtered,
    })
}

pub async fn export_csv(
    State(state): State<AppState>,
    CurrentStaff(me): CurrentStaff,
    Path(group_id): Path<GroupId>,
    Query(query): Query<ListQuery>,
) -> AppResult<Response> {
    let group = state.store.group_for(&me, group_id).await?;
    let scope = state.store.group(&me, group_id).await?;
    let members = state.store.members_of(&scope, &query.filter()?).await?;
    let body = member_csv::export(&members);
    state
        .store
        .audit_read(
            &me.actor(),
            "exported members",
            &format!("group:{group_id}"),
            &members.iter().map(|m| m.id).collect::<Vec<_>>(),
        )
        .await?;
    Ok(super::csv_download(body, &group.name, "members"))
}

// --- add and change ---------------------------------------------------------------------

#[derive(Template)]
#[template(path = "members/form.html")]
struct FormPage {
    page: Page,
    form: Form,
    group: Group,
    member_id: Option<MemberId>,
    needs: &'static [(&'static str, &'static str)],
    contacts: &'static [(&'static str, &'static str)],
    story: &'static [(&'static str, &'static str)],
}

fn form_page(
    me: &Staff,
    cookies: &Cookies,
    group: Group,
    form: Form,
    member_id: Option<MemberId>,
    status: StatusCode,
) -> AppResult<Response> {
    let title = if member_id.is_some() {
        "Change a member's details".to_string()
    } else {
        format!("Add a member to {}", group.name)
    };
    render_status(
        status,
        &FormPage {
            page: staff_page(&title, me, cookies, "groups"),
            form,
            group,
            member_id,
            needs: Need::CHOICES,
            contacts: ContactPref::CHOICES,
            story: StoryConsent::CHOICES,
        },
    )
}

pub async fn new_page(
    State(state): State<AppState>,
    CurrentStaff(me): CurrentStaff,
    cookies: Cookies,
    Path(group_id): Path<GroupId>,
) -> AppResult<Response> {
    let group = state.store.group_for(&me, group_id).await?;
    let mut raw = RawInput::default();
    raw.set("preferred_contact", "phone");
    raw.set("happy_to_share_story", "not_asked");
    raw.set("joined_on", jiff::ZonedDateTime::now().date().to_string());
    form_page(
        &me,
        &cookies,
        group,
        Form::from_raw(raw),
        None,
        StatusCode::OK,
    )
}

pub async fn create(
    State(state): State<AppState>,
    CurrentStaff(me): CurrentStaff,
    cookies: Cookies,
    Path(group_id): Path<GroupId>,
    CheckedForm(raw): CheckedForm,
) -> AppResult<Response> {
    let group = state.store.group_for(&me, group_id).await?;
    match MemberInput::try_from(&raw) {
        Ok(input) => {
            let scope = state.store.group(&me, group_id).await?;
            let m = state.store.create_member(&scope, &input).await?;
            Ok(redirect_with(
                &paths::member(m.id),
                &format!("{} has been added to {}.", m.preferred_name, group.name),
            ))
        }
        Err(e) => form_page(
            &me,
            &cookies,
            group,
            Form::with_errors(raw, e),
            None,
            StatusCode::UNPROCESSABLE_ENTITY,
        ),
    }
}

pub async fn edit_page(
    State(state): State<AppState>,
    CurrentStaff(me): CurrentStaff,
    cookies: Cookies,
    Path(id): Path<MemberId>,
) -> AppResult<Response> {
    let member = state.store.member_for(&me, id).await?;
    let group = state.store.group_for(&me, member.group_id).await?;
    form_page(
        &me,
        &cookies,
        group,
        Form::from_raw(member.to_raw()),
        Some(id),
        StatusCode::OK,
    )
}

pub async fn update(
    State(state): State<AppState>,
    CurrentStaff(me): CurrentStaff,
    cookies: Cookies,
    Path(id): Path<MemberId>,
    CheckedForm(raw): CheckedForm,
) -> AppResult<Response> {
    let member = state.store.member(&me, id).await?;
    match MemberInput::try_from(&raw) {
        Ok(input) => {
            let m = state.store.update_member(&member, &input).await?;
            Ok(redirect_with(
                &paths::member(id),
                &format!("{}'s details have been saved.", m.preferred_name),
            ))
        }
        Err(e) => {
            let group = state.store.group_for(&me, member.group_id).await?;
            form_page(
                &me,
                &cookies,
                group,
                Form::with_errors(raw, e),
                Some(id),
                StatusCode::UNPROCESSABLE_ENTITY,
            )
        }
    }
}

// --- one member -------------------------------------------------------------------------

#[derive(Template)]
#[template(path = "members/show.html")]
struct ShowPage {
    page: Page,
    member: Member,
    group: Group,
    consents: Vec<Consent>,
    link_issued: Option<String>,
    /// When the member's own calendar feed was made, while it works.
    feed_issued: Option<String>,
    consent_form: Form,
    consent_kinds: &'static [(&'static str, &'static str)],
    consent_how: &'static [(&'static str, &'static str)],
    /// (when, what, who) for coordinators; empty for facilitators.
    audit: Vec<(String, String, String)>,
    joined: Option<String>,
    left: Option<String>,
    /// The member's action plans; None when the viewer does not facilitate the group.
    plans: Option<Vec<crate::domain::topic::ActionPlan>>,
    plan_form: Form,
    open_plan: bool,
    contacts: Vec<crate::domain::contact::Contact>,
    /// Their "since last time" lines, newest first (private ones only for facilitators).
    checkins: Vec<crate::domain::topic::CheckinEntry>,
    /// Whether the viewer facilitates the group (and so sees private lines).
    facilitates: bool,
    /// Email is set up and the member has an address: their link can be sent to them.
    can_email_link: bool,
    link_uses: &'static str,
}

impl ShowPage {
    fn when(&self, ts: &i64) -> String {
        when(*ts, &self.group.timezone)
    }
}

/// The forms on a member's page, each shown again with its errors when it fails.
#[derive(Default)]
pub struct MemberForms {
    pub consent: Form,
    pub plan: Form,
    /// Open the "Add an action plan" form (asked for from the meeting's goals step).
    pub open_plan: bool,
}

pub(super) async fn show_page(
    state: &AppState,
    me: &Staff,
    cookies: &Cookies,
    id: MemberId,
    forms: MemberForms,
    status: StatusCode,
) -> AppResult<Response> {
    let MemberForms {
        consent: consent_form,
        plan: plan_form,
        open_plan,
    } = forms;
    let access = state.store.member(me, id).await?;
    let member = access.member().clone();
    let group = state.store.group_for(me, member.group_id).await?;
    let contacts = state.store.contacts_of_member(&access).await?;
    let facilitates = state.store.facilitates(me, group.id).await?;
    let checkins = state.store.member_checkins(me, &access).await?;
    let plans = if facilitates {
        let private = state.store.private_records(me, id).await?;
        Some(state.store.plans_for(&private).await?)
    } else {
        None
    };
    let consents = state.store.consents_of(&access).await?;
    let can_email_link = state.config.smtp_url.is_some() && !member.email.is_empty();
    let link_issued = state
        .store
        .member_link_issued(&access)
        .await?
        .map(|t| when(t, &group.timezone));
    let feed_issued = state
        .store
        .member_feed_issued(&access)
        .await?
        .map(|t| when(t, &group.timezone));
    let audit = if me.is_coordinator() {
        let events = state.store.audit_naming(id, 12).await?;
        let accounts = state.store.accounts().await?;
        events
            .into_iter()
            .map(|e: AuditEvent| {
                let who = match e.actor.split_once(':') {
                    Some(("account", n)) => accounts
                        .iter()
                        .find(|a| a.id.to_string() == n)
                        .map(|a| a.name.clone())
                        .unwrap_or_else(|| e.actor.clone()),
                    Some(("member", _)) => format!("{} (personal link)", member.preferred_name),
                    _ => e.actor.clone(),
                };
                (when(e.at, &group.timezone), e.action, who)
            })
            .collect()
    } else {
        Vec::new()
    };
    render_status(
        status,
        &ShowPage {
            page: staff_page(&member.preferred_name, me, cookies, "groups"),
            joined: member.joined_on.as_deref().map(date_label),
            left: member.left_on.as_deref().map(date_label),
            member,
            group,
            consents,
            link_uses: crate::mail::LINK_USES_THEM,
            can_email_link,
            link_issued,
            feed_issued,
            consent_form: consent_form.part("consent"),
            consent_kinds: ConsentKind::CHOICES,
            consent_how: ConsentHow::CHOICES,
            audit,
            plans,
            plan_form: plan_form.part("plan"),
            open_plan,
            contacts,
            checkins,
            facilitates,
        },
    )
}

#[derive(Deserialize, Default)]
pub struct ShowQuery {
    #[serde(default)]
    add: String,
}

pub async fn show(
    State(state): State<AppState>,
    CurrentStaff(me): CurrentStaff,
    cookies: Cookies,
    Path(id): Path<MemberId>,
    Query(q): Query<ShowQuery>,
) -> AppResult<Response> {
    show_page(
        &state,
        &me,
        &cookies,
        id,
        MemberForms {
            open_plan: q.add == "plan",
            ..Default::default()
        },
        StatusCode::OK,
    )
    .await
}

pub async fn add_consent(
    State(state): State<AppState>,
    CurrentStaff(me): CurrentStaff,
    cookies: Cookies,
    Path(id): Path<MemberId>,
    CheckedForm(raw): CheckedForm,
) -> AppResult<Response> {
    let member = state.store.member(&me, id).await?;
    match ConsentInput::try_from(&raw) {
        Ok(input) => {
            state.store.add_consent(&member, &input).await?;
            Ok(redirect_with(
                &(paths::member(id) + "#consents"),
                "The consent has been recorded.",
            ))
        }
        Err(e) => {
            show_page(
                &state,
                &me,
                &cookies,
                id,
                MemberForms {
                    consent: Form::with_errors(raw, e),
                    ..Default::default()
                },
                StatusCode::UNPROCESSABLE_ENTITY,
            )
            .await
        }
    }
}

pub async fn withdraw_consent(
    State(state): State<AppState>,
    CurrentStaff(me): CurrentStaff,
    Path((id, consent_id)): Path<(MemberId, i64)>,
    CheckedForm(_): CheckedForm,
) -> AppResult<Response> {
    let member = state.store.member(&me, id).await?;
    if !state.store.withdraw_consent(&member, consent_id).await? {
        return Err(AppError::NotFound);
    }
    Ok(redirect_with(
        &(paths::member(id) + "#consents"),
        "The agreement is marked as taken back.",
    ))
}

#[derive(Template)]
#[template(path = "members/link_shown.html")]
struct LinkShown {
    page: Page,
    member: Member,
    group_name: String,
    link: String,
    /// A short message ready to paste into a text message.
    text_message: String,
    /// The link as a QR code (SVG, drawn here), for the printable card.
    qr_svg: String,
    can_email_link: bool,
    /// What they can do with it, said to staff, and said to the member (on the card).
    link_uses: &'static str,
    link_uses_you: &'static str,
}

#[derive(Template)]
#[template(path = "members/new_link.html")]
struct NewLinkQuestion {
    page: Page,
    member: Member,
}

/// A new personal link for the member; any earlier link stops working, so when one is active
/// the page asks first.
pub async fn issue_link(
    State(state): State<AppState>,
    CurrentStaff(me): CurrentStaff,
    cookies: Cookies,
    Path(id): Path<MemberId>,
    CheckedForm(raw): CheckedForm,
) -> AppResult<Response> {
    let access = state.store.member(&me, id).await?;
    let member = access.member().clone();
    if raw.text("confirm") != "yes" && state.store.member_link_issued(&access).await?.is_some() {
        return render(&NewLinkQuestion {
            page: staff_page("Make a new link?", &me, &cookies, "groups"),
            member,
        });
    }
    let token = new_token();
    state
        .store
        .replace_member_link(&access, &hash_token(&token))
        .await?;
    let group = state.store.group_for(&me, member.group_id).await?;
    let link = format!("{}/m/{token}", state.config.public_url);
    render(&LinkShown {
        page: staff_page("Personal link", &me, &cookies, "groups"),
        text_message: format!(
            "Hello {}, here is your own page for {}: {link} With it you can {}. Please keep it to yourself.",
            member.preferred_name,
            group.name,
            crate::mail::LINK_USES
        ),
        qr_svg: super::qr_svg_link(&link),
        can_email_link: state.config.smtp_url.is_some() && !member.email.is_empty(),
        link_uses: crate::mail::LINK_USES_THEM,
        link_uses_you: crate::mail::LINK_USES,
        group_name: group.name,
        link,
        member,
    })
}

/// Emails the member their page (a link of its own, made when the message goes).
pub async fn email_link(
    State(state): State<AppState>,
    CurrentStaff(me): CurrentStaff,
    Path(id): Path<MemberId>,
    CheckedForm(_): CheckedForm,
) -> AppResult<Response> {
    let member = state.store.member(&me, id).await?;
    let message = match crate::mail::personal_link(&state, &member).await? {
        None => "They have no email address. Give them the link another way.".to_string(),
        Some(crate::mail::Outcome::NotConfigured) => {
            "Email is not set up, so nothing was sent. Give them the link another way.".to_string()
        }
        Some(_) => format!(
            "An email with their own page is on its way to {}.",
            member.email
        ),
    };
    Ok(redirect_with(&(paths::member(id) + "#link"), &message))
}

pub async fn revoke_link(
    State(state): State<AppState>,
    CurrentStaff(me): CurrentStaff,
    Path(id): Path<MemberId>,
    CheckedForm(_): CheckedForm,
) -> AppResult<Response> {
    let member = state.store.member(&me, id).await?;
    state.store.revoke_member_links(&member).await?;
    Ok(redirect_with(
        &paths::member(id),
        "The personal link has been turned off.",
    ))
}

pub async fn revoke_feed(
    State(state): State<AppState>,
    CurrentStaff(me): CurrentStaff,
    Path(id): Path<MemberId>,
    CheckedForm(_): CheckedForm,
) -> AppResult<Response> {
    let member = state.store.member(&me, id).await?;
    state.store.revoke_member_feed(&member).await?;
    Ok(redirect_with(
        &(paths::member(id) + "#link"),
        "Their calendar feed has stopped. Their personal link still works.",
    ))
}

// --- CSV import -------------------------------------------------------------------------

#[derive(Template)]
#[template(path = "members/import.html")]
struct ImportPage {
    page: Page,
    group: Group,
    columns: [&'static str; 10],
    check: Option<ImportCheck>,
    csv_text: String,
}

pub async fn import_page(
    State(state): State<AppState>,
    CurrentStaff(me): CurrentStaff,
    cookies: Cookies,
    Path(group_id): Path<GroupId>,
) -> AppResult<Response> {
    let group = state.store.group_for(&me, group_id).await?;
    render(&ImportPage {
        page: staff_page(
            &format!("Import members into {}", group.name),
            &me,
            &cookies,
            "groups",
        ),
        group,
        columns: member_csv::COLUMNS,
        check: None,
        csv_text: String::new(),
    })
}

/// Reads the uploaded (or pasted) file, checks every row and shows the result. Nothing is
/// stored until the preview is confirmed.
pub async fn import_preview(
    State(state): State<AppState>,
    CurrentStaff(me): CurrentStaff,
    cookies: Cookies,
    Path(group_id): Path<GroupId>,
    headers: axum::http::HeaderMap,
    mut multipart: Multipart,
) -> AppResult<Response> {
    check_origin(&headers)?;
    let group = state.store.group_for(&me, group_id).await?;
    let RequestCookies { csrf, .. } = cookies.0.clone();
    let mut given_csrf = String::new();
    let mut file_text = String::new();
    let mut pasted = String::new();
    let unreadable = || {
        AppError::BadRequest(
            "The upload could not be read. Files of up to 1 MB can be imported (about 2,000 members): if yours is larger, split it in two. Otherwise please try again.".into(),
        )
    };
    while let Some(field) = multipart.next_field().await.map_err(|_| unreadable())? {
        let name = field.name().unwrap_or("").to_string();
        let kind = (
            field.file_name().unwrap_or("").to_string(),
            field.content_type().unwrap_or("").to_string(),
        );
        let bytes = field.bytes().await.map_err(|_| unreadable())?;
        // A file chosen (a form with none sends an empty part without a name): its name and
        // type must be a CSV file's before its content is read.
        if name == "file" && !(kind.0.is_empty() && bytes.is_empty()) {
            member_csv::check_upload_kind(&kind.0, &kind.1).map_err(AppError::BadRequest)?;
        }
        if bytes.len() > crate::http::MAX_IMPORT_BYTES {
            return Err(AppError::BadRequest(
                "The file is larger than 1 MB, more than one import can take (about 2,000 members). Split it into two files and import each.".into(),
            ));
        }
        let text = match String::from_utf8(bytes.to_vec()) {
            Ok(t) => t,
            Err(_) if name == "file" => {
                return Err(AppError::BadRequest(
                    "The file is not plain text (UTF-8). Save it from your spreadsheet as \"CSV UTF-8\" and try again.".into(),
                ));
            }
            Err(_) => String::new(),
        };
        match name.as_str() {
            "csrf_token" => given_csrf = text,
            "file" => file_text = text,
            "pasted" => pasted = text,
            _ => {}
        }
    }
    if super::cookie(&headers, super::CSRF_COOKIE).is_none()
        || !constant_time_eq(&given_csrf, &csrf)
    {
        return Err(AppError::Csrf);
    }
    let csv_text = if file_text.trim().is_empty() {
        pasted
    } else {
        file_text
    };
    let check = member_csv::check_import(&csv_text);
    let status = if check.all_ok() {
        StatusCode::OK
    } else {
        StatusCode::UNPROCESSABLE_ENTITY
    };
    render_status(
        status,
        &ImportPage {
            page: staff_page(
                &format!("Import members into {}", group.name),
                &me,
                &cookies,
                "groups",
            ),
            group,
            columns: member_csv::COLUMNS,
            check: Some(check),
            csv_text,
        },
    )
}

pub async fn import_confirm(
    State(state): State<AppState>,
    CurrentStaff(me): CurrentStaff,
    cookies: Cookies,
    Path(group_id): Path<GroupId>,
    CheckedForm(raw): CheckedForm,
) -> AppResult<Response> {
    let group = state.store.group_for(&me, group_id).await?;
    let csv_text = raw.get("csv").unwrap_or("").to_string();
    // Checked again: what comes back from the browser is never trusted.
    let check = member_csv::check_import(&csv_text);
    if !check.all_ok() {
        return render_status(
            StatusCode::UNPROCESSABLE_ENTITY,
            &ImportPage {
                page: staff_page(
                    &format!("Import members into {}", group.name),
                    &me,
                    &cookies,
                    "groups",
                ),
                group,
                columns: member_csv::COLUMNS,
                check: Some(check),
                csv_text,
            },
        );
    }
    let scope = state.store.group(&me, group_id).await?;
    let n = state.store.import_members(&scope, &check.valid()).await?;
    Ok(redirect_with(
        &paths::group_members(group_id),
        &format!(
            "{n} {} imported into {}.",
            if n == 1 { "member was" } else { "members were" },
            group.name
        ),
    ))
}

#[cfg(test)]
mod link_card_tests {
    #[test]
    fn the_qr_code_is_inline_svg_the_strict_policy_allows() {
        let svg = crate::web::qr_svg_link(
            "https://hearth.example.org/m/abcdefghijklmnopqrstuvwxyz0123456789",
        );
        assert!(
            svg.starts_with("<svg role=\"img\" aria-label=\"A QR code of the link\""),
            "{svg}"
        );
        assert!(
            !svg.contains("style="),
            "no style attributes: the CSP forbids inline style"
        );
        assert!(!svg.contains("<script"), "{svg}");
        assert!(svg.contains("<path") || svg.contains("<rect"), "{svg}");
    }
}
