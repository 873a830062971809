//! The JSON API under /api/v1: the same domain parsing and the same store reads as the pages,
//! so permissions and validation are identical. Callers authenticate with
//! `Authorization: Bearer <token>` (made with `hearth token create`). Errors have one shape,
//! written by the error middleware: `{"error": {"code", "message", "fields": [{field, message}]}}`.

use crate::domain::ids::{GroupId, MemberId, VenueId};
use axum::Json;
use axum::Router;
use axum::extract::{Path, Query, RawQuery, State};
use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use axum::routing::{delete, get, post, put};
use serde::{Deserialize, Serialize};

use crate::AppState;
use crate::domain::FieldErrors;
use crate::domain::access::Staff;
use crate::domain::group::{Group, GroupInput};
use crate::domain::member::{Consent, ConsentInput, MemberInput};
use crate::domain::venue::VenueInput;
use crate::error::{AppError, AppResult};
use crate::http::{ApiStaff, JsonInput};
use crate::paths;
use crate::store::{Conflict, Facilitator, MemberFilter, StoreError};

mod insight;
mod meetings;
mod models;
use models::{GroupJson, MemberJson, VenueJson};
mod polls;
pub mod schema;
mod series;
mod social;
mod topics;

pub const OPENAPI: &str = include_str!("openapi.json");

pub fn router(state: &AppState) -> Router<AppState> {
    Router::new()
        .route("/openapi.json", get(openapi))
        .route("/me", get(me))
        .route(
            "/groups",
            get(list_groups)
                .post(create_group)
                .route_layer(crate::http::cache::cached(
                    state,
                    crate::http::cache::network_page,
                )),
        )
        .route(
            paths::API_GROUP,
            get(get_group).put(update_group).patch(update_group),
        )
        .route("/groups/{id}/facilitators", put(set_facilitators))
        .route(
            "/groups/{id}/members",
            get(list_members)
                .post(create_member)
                .route_layer(crate::http::cache::cached(
                    state,
                    crate::http::cache::group_page,
                )),
        )
        .route(
            paths::API_MEMBER,
            get(get_member).put(update_member).patch(update_member),
        )
        .route("/members/{id}/consents", post(add_consent))
        .route("/members/{id}/link", post(issue_link).delete(revoke_link))
        .route("/members/{id}/calendar-feed", delete(revoke_member_feed))
        .route("/members", get(find_members))
        .route("/members/{id}/export", get(export_member))
        .route("/members/{id}/erase", post(erase_member))
        .route("/audit", get(audit))
        .route("/staff", get(list_staff))
        .route("/tokens", get(list_tokens))
        .route("/tokens/{id}", delete(revoke_token))
        .route("/staff/{id}/disable", post(disable_staff))
        .route("/staff/{id}/enable", post(enable_staff))
        .route("/staff/{id}/two-step/reset", post(reset_staff_two_step))
        .route(
            "/members/{id}/consents/{cid}/withdraw",
            post(withdraw_consent),
        )
        .route(
            "/groups/{id}/meetings",
            get(meetings::list).post(meetings::create),
        )
        .route(
            "/groups/{id}/concerns",
            get(meetings::concerns).post(meetings::add_concern),
        )
        .route("/groups/{id}/series", post(series::create))
        .route("/groups/{id}/polls", get(polls::list).post(polls::create))
        .route(paths::API_POLL, get(polls::get))
        .route("/polls/{id}/answers", post(polls::answer))
        .route("/polls/{id}/close", post(polls::close))
        .route("/polls/{id}/remind", post(polls::remind))
        .route("/meetings/{id}/invite", post(polls::invite))
        .route("/groups/{id}/mail", get(polls::mail))
        .route("/groups/{id}/stats", get(insight::stats))
        .route("/groups/{id}/search", get(insight::search))
        .route("/groups/{id}/feedback", get(insight::feedback))
        .route("/overview", get(insight::overview))
        .route(
            "/groups/{id}/social-events",
            get(social::list).post(social::create),
        )
        .route(
            paths::API_SOCIAL_EVENT,
            get(social::get).put(social::update).patch(social::update),
        )
        .route("/social-events/{id}/rsvps", post(social::rsvp))
        .route("/groups/{id}/rota", get(social::rota))
        .route("/members/{id}/rota", put(social::set_rota))
        .route("/meetings/{id}/host", put(social::set_host))
        .route(
            paths::API_MEETING,
            get(meetings::get)
                .put(meetings::update)
                .patch(meetings::update),
        )
        .route("/meetings/{id}/steps/{position}", put(meetings::save_step))
        .route(
            "/meetings/{id}/attendance",
            get(meetings::attendance).post(meetings::sign_in),
        )
        .route(
            "/meetings/{id}/attendance/{member_id}",
            axum::routing::delete(meetings::sign_out),
        )
        .route(
            "/meetings/{id}/rsvps",
            get(meetings::rsvps).put(meetings::set_rsvp),
        )
        .route(
            "/meetings/{id}/notes",
            get(meetings::notes).put(meetings::save_notes),
        )
        .route("/meetings/{id}/actions", post(meetings::add_action))
        .route(
            "/meetings/{id}/reflections",
            get(meetings::reflections).put(meetings::save_reflection),
        )
        .route(
            "/groups/{id}/topics",
            get(topics::list).post(topics::propose),
        )
        .route(paths::API_GROUP_TOPIC, put(topics::set_status))
        .route("/topics/{id}/votes", post(topics::vote))
        .route(
            "/topics/{id}/votes/{member_id}",
            axum::routing::delete(topics::unvote),
        )
        .route(
            "/members/{id}/plans",
            get(topics::plans).post(topics::add_plan),
        )
        .route(paths::API_PLAN, get(topics::plan))
        .route("/plans/{id}/reviews", post(topics::review))
        .route(
            "/meetings/{id}/checkins",
            get(topics::checkins).put(topics::save_checkin),
        )
        .route("/venues", get(list_venues).post(create_venue))
        .route(
            paths::API_VENUE,
            get(get_venue).put(update_venue).patch(update_venue),
        )
        .fallback(not_found)
}

async fn not_found() -> AppError {
    AppError::NotFound
}

async fn openapi() -> Response {
    let mut res = OPENAPI.into_response();
    res.headers_mut().insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static("application/json"),
    );
    res
}

pub(crate) fn created<T: Serialize>(location: String, body: T) -> Response {
    let mut res = (StatusCode::CREATED, Json(body)).into_response();
    if let Ok(v) = HeaderValue::from_str(&location) {
        res.headers_mut().insert(header::LOCATION, v);
    }
    res
}

/// A list answered under its name (`{"attendance": [...]}`): one type per answer, so the
/// shape the API promises is written down in Rust, not patched together as JSON.
macro_rules! named_list {
    ($(#[$doc:meta])* $name:ident { $field:ident: $item:ty }) => {
        $(#[$doc])*
        #[derive(serde::Serialize)]
        pub struct $name {
            $field: Vec<$item>,
        }
    };
}
pub(crate) use named_list;

named_list!(MembersOut {
    members: MemberJson
});
named_list!(ConsentsOut { consents: Consent });
named_list!(TokensOut {
    tokens: crate::store::ApiToken
});
named_list!(AuditEventsOut {
    events: crate::store::AuditEvent
});

/// A personal link's address, made once.
#[derive(Serialize)]
pub struct UrlOut {
    url: String,
}

/// A new record's id.
#[derive(Serialize)]
pub struct IdOut {
    id: i64,
}

/// What a change told members by email, alone.
#[derive(Serialize)]
pub struct EmailSent {
    email: EmailOut,
}

/// What a change told members by email: whether email is set up, and how many messages went
/// into the queue.
#[derive(Serialize, Debug, Clone, Copy)]
pub struct EmailOut {
    configured: bool,
    queued: u64,
}

impl From<crate::mail::Outcome> for EmailOut {
    fn from(o: crate::mail::Outcome) -> EmailOut {
        match o {
            crate::mail::Outcome::NotConfigured => EmailOut {
                configured: false,
                queued: 0,
            },
            crate::mail::Outcome::Queued(n) => EmailOut {
                configured: true,
                queued: n,
            },
        }
    }
}

/// A member named in an answer (a host, a suggestion).
#[derive(Serialize, Debug, Clone)]
pub struct NamedMember {
    member_id: MemberId,
    name: String,
}

impl From<(MemberId, String)> for NamedMember {
    fn from((member_id, name): (MemberId, String)) -> NamedMember {
        NamedMember { member_id, name }
    }
}

/// Turns a parse result into the input or a 422 naming each field.
pub(crate) fn parsed<T>(r: Result<T, FieldErrors>) -> AppResult<T> {
    r.map_err(AppError::Invalid)
}

async fn me(ApiStaff(me): ApiStaff) -> Json<Staff> {
    Json(me)
}

// --- groups -----------------------------------------------------------------------------

#[derive(Serialize)]
struct GroupOut {
    #[serde(flatten)]
    group: GroupJson,
    facilitators: Vec<Facilitator>,
}

async fn group_out(state: &AppState, me: &Staff, group: Group) -> AppResult<GroupOut> {
    let access = state.store.group(me, group.id).await?;
    let facilitators = state.store.facilitators_of(&access).await?;
    Ok(GroupOut {
        group: group.into(),
        facilitators,
    })
}

/// `?limit=&offset=` for the paged group list, as typed (checked in `Paging::try_from`).
#[derive(Debug, Default, Deserialize)]
struct PageQuery {
    limit: Option<String>,
    offset: Option<String>,
}

/// A checked page request: at most `MAX_PAGE` rows from `offset`.
struct Paging {
    limit: i64,
    offset: i64,
}

const DEFAULT_PAGE: i64 = 100;
const MAX_PAGE: i64 = 500;
/// The largest offset asked for: far past any network's size, and far from overflowing.
const MAX_OFFSET: i64 = 1_000_000_000;

/// A whole number typed in a query string: `default` when absent or blank, an error naming
/// the field when it is not a whole number in `range`.
fn whole_number(
    value: Option<&str>,
    default: i64,
    range: std::ops::RangeInclusive<i64>,
    field: &str,
    message: &str,
    errors: &mut FieldErrors,
) -> i64 {
    match value.map(str::trim) {
        None | Some("") => default,
        Some(v) => match v.parse::<i64>() {
            Ok(n) if range.contains(&n) => n,
            _ => {
                errors.add(field, message);
                default
            }
        },
    }
}

impl TryFrom<&PageQuery> for Paging {
    type Error = FieldErrors;
    fn try_from(q: &PageQuery) -> Result<Self, FieldErrors> {
        let mut errors = FieldErrors::default();
        let limit = whole_number(
            q.limit.as_deref(),
            DEFAULT_PAGE,
            1..=MAX_PAGE,
            "limit",
            &format!("Give a whole number from 1 to {MAX_PAGE}."),
            &mut errors,
        );
        let offset = whole_number(
            q.offset.as_deref(),
            0,
            0..=MAX_OFFSET,
            "offset",
            "Give a whole number from 0 to 1000000000.",
            &mut errors,
        );
        if errors.is_empty() {
            Ok(Paging { limit, offset })
        } else {
            Err(errors)
        }
    }
}

#[derive(Serialize)]
struct GroupsPage {
    groups: Vec<crate::store::GroupSummary>,
    total: i64,
    limit: i64,
    offset: i64,
    /// The next page's address, or null on the last page.
    next: Option<String>,
}

async fn list_groups(
    State(state): State<AppState>,
    ApiStaff(me): ApiStaff,
    Query(q): Query<PageQuery>,
) -> AppResult<Json<GroupsPage>> {
    let paging = Paging::try_from(&q).map_err(AppError::Invalid)?;
    let (groups, total) = state
        .store
        .groups_page(&me, paging.limit, paging.offset)
        .await?;
    let after = paging.offset.saturating_add(paging.limit);
    let next =
        (after < total).then(|| format!("/api/v1/groups?limit={}&offset={after}", paging.limit));
    Ok(Json(GroupsPage {
        groups,
        total,
        limit: paging.limit,
        offset: paging.offset,
        next,
    }))
}

fn venue_conflict(e: StoreError) -> AppError {
    match e {
        StoreError::Conflict(Conflict::NoSuchVenue) => AppError::Invalid(FieldErrors::single(
            "usual_venue_id",
            "There is no venue with this id.",
        )),
        other => other.into(),
    }
}

async fn create_group(
    State(state): State<AppState>,
    ApiStaff(me): ApiStaff,
    JsonInput(raw): JsonInput,
) -> AppResult<Response> {
    if !me.is_coordinator() {
        return Err(AppError::Forbidden);
    }
    let input = parsed(GroupInput::try_from(&raw))?;
    let group = state
        .store
        .create_group(&me, &input)
        .await
        .map_err(venue_conflict)?;
    let id = group.id;
    let out = group_out(&state, &me, group).await?;
    Ok(created(paths::api_group(id), out))
}

async fn get_group(
    State(state): State<AppState>,
    ApiStaff(me): ApiStaff,
    Path(id): Path<GroupId>,
) -> AppResult<Json<GroupOut>> {
    let group = state.store.group_for(&me, id).await?;
    Ok(Json(group_out(&state, &me, group).await?))
}

/// PUT and PATCH both take any subset of the fields; those left out keep their values.
async fn update_group(
    State(state): State<AppState>,
    ApiStaff(me): ApiStaff,
    Path(id): Path<GroupId>,
    JsonInput(raw): JsonInput,
) -> AppResult<Json<GroupOut>> {
    let access = state.store.group(&me, id).await?;
    let current = state.store.group_for(&me, id).await?;
    let input = parsed(GroupInput::try_from(&current.to_raw().merged_with(raw)))?;
    let group = state
        .store
        .update_group(&access, &input)
        .await
        .map_err(venue_conflict)?;
    Ok(Json(group_out(&state, &me, group).await?))
}

async fn set_facilitators(
    State(state): State<AppState>,
    ApiStaff(me): ApiStaff,
    Path(id): Path<GroupId>,
    JsonInput(raw): JsonInput,
) -> AppResult<Json<GroupOut>> {
    // The whole list is required: `{}` must not read as "nobody" (an empty list `[]` is).
    if raw.get("facilitator_ids").is_none() && raw.get("facilitator_ids[]").is_none() {
        return Err(AppError::Invalid(FieldErrors::single(
            "facilitator_ids",
            "Give facilitator_ids, the list of account ids, like [3, 7] ([] for none).",
        )));
    }
    let mut ids = Vec::new();
    for v in raw.all("facilitator_ids") {
        ids.push(v.parse::<i64>().map_err(|_| {
            AppError::Invalid(FieldErrors::single(
                "facilitator_ids",
                "Give a list of account ids, like [3, 7].",
            ))
        })?);
    }
    let access = state.store.group_to_staff(&me, id).await?;
    state
        .store
        .set_facilitators(&me, &access, &ids)
        .await
        .map_err(|e| match e {
            StoreError::Conflict(Conflict::NoSuchAccount) => {
                AppError::Invalid(FieldErrors::single(
                    "facilitator_ids",
                    "One of these ids is not a staff account. The staff list gives each one's id.",
                ))
            }
            other => other.into(),
        })?;
    let group = state.store.group_for(&me, id).await?;
    Ok(Json(group_out(&state, &me, group).await?))
}

// --- members ----------------------------------------------------------------------------

#[derive(Deserialize, Default)]
struct MemberQuery {
    #[serde(default)]
    q: String,
    #[serde(default)]
    need: String,
    #[serde(default)]
    preferred_contact: String,
    #[serde(default)]
    status: String,
}

async fn list_members(
    State(state): State<AppState>,
    ApiStaff(me): ApiStaff,
    Path(id): Path<GroupId>,
    Query(q): Query<MemberQuery>,
) -> AppResult<Json<MembersOut>> {
    // A value the list does not know is named, not ignored (which would list everyone).
    let filter = MemberFilter::checked(
        &q.q,
        &q.need,
        &q.preferred_contact,
        &q.status,
        "preferred_contact",
    )
    .map_err(AppError::Invalid)?;
    let group = state.store.group(&me, id).await?;
    let members = state.store.members_of(&group, &filter).await?;
    Ok(Json(MembersOut {
        members: members.into_iter().map(MemberJson::from).collect(),
    }))
}

async fn create_member(
    State(state): State<AppState>,
    ApiStaff(me): ApiStaff,
    Path(id): Path<GroupId>,
    JsonInput(raw): JsonInput,
) -> AppResult<Response> {
    let group = state.store.group(&me, id).await?;
    let input = parsed(MemberInput::try_from(&raw))?;
    let member = state
        .store
        .create_member(&group, &input)
        .await?
        .into_member();
    Ok(created(
        paths::api_member(member.id),
        MemberOut {
            member: member.into(),
            consents: Vec::new(),
        },
    ))
}

#[derive(Serialize)]
struct MemberOut {
    #[serde(flatten)]
    member: MemberJson,
    consents: Vec<Consent>,
}

async fn get_member(
    State(state): State<AppState>,
    ApiStaff(me): ApiStaff,
    Path(id): Path<MemberId>,
) -> AppResult<Json<MemberOut>> {
    let member = state.store.member(&me, id).await?;
    let consents = state.store.consents_of(&member).await?;
    Ok(Json(MemberOut {
        member: member.into_member().into(),
        consents,
    }))
}

async fn update_member(
    State(state): State<AppState>,
    ApiStaff(me): ApiStaff,
    Path(id): Path<MemberId>,
    JsonInput(raw): JsonInput,
) -> AppResult<Json<MemberOut>> {
    let current = state.store.member(&me, id).await?;
    let input = parsed(MemberInput::try_from(&current.to_raw().merged_with(raw)))?;
    let member = state.store.update_member(&current, &input).await?;
    let consents = state.store.consents_of(&current).await?;
    Ok(Json(MemberOut {
        member: member.into(),
        consents,
    }))
}

async fn add_consent(
    State(state): State<AppState>,
    ApiStaff(me): ApiStaff,
    Path(id): Path<MemberId>,
    JsonInput(raw): JsonInput,
) -> AppResult<Response> {
    let member = state.store.member(&me, id).await?;
    let input = parsed(ConsentInput::try_from(&raw))?;
    state.store.add_consent(&member, &input).await?;
    let consents = state.store.consents_of(&member).await?;
    Ok((StatusCode::CREATED, Json(ConsentsOut { consents })).into_response())
}

async fn withdraw_consent(
    State(state): State<AppState>,
    ApiStaff(me): ApiStaff,
    Path((id, cid)): Path<(MemberId, i64)>,
) -> AppResult<Json<ConsentsOut>> {
    let member = state.store.member(&me, id).await?;
    if !state.store.withdraw_consent(&member, cid).await? {
        return Err(AppError::NotFound);
    }
    let consents = state.store.consents_of(&member).await?;
    Ok(Json(ConsentsOut { consents }))
}

/// Issues a new personal link for the member (any older link stops working). The link is in
/// the answer once; only its hash is kept.
async fn issue_link(
    State(state): State<AppState>,
    ApiStaff(me): ApiStaff,
    Path(id): Path<MemberId>,
) -> AppResult<Response> {
    let member = state.store.member(&me, id).await?;
    let token = crate::auth::new_token();
    state
        .store
        .replace_member_link(&member, &crate::auth::hash_token(&token))
        .await?;
    let url = format!("{}/m/{token}", state.config.public_url);
    Ok((StatusCode::CREATED, Json(UrlOut { url })).into_response())
}

async fn revoke_link(
    State(state): State<AppState>,
    ApiStaff(me): ApiStaff,
    Path(id): Path<MemberId>,
) -> AppResult<StatusCode> {
    let member = state.store.member(&me, id).await?;
    state.store.revoke_member_links(&member).await?;
    Ok(StatusCode::NO_CONTENT)
}

#[derive(Serialize)]
struct MemberSearchOut {
    query: String,
    /// How many matches were passed over before these (`?offset=`).
    offset: usize,
    members: Vec<crate::store::MemberHit>,
    /// More members matched than are returned: the next page starts at `offset` plus these.
    more: bool,
}

/// The furthest a member search can page (a search narrower than this is what helps).
const MAX_SEARCH_OFFSET: usize = 100_000;

/// `GET /members?q=`: members of every group the caller may see whose name, phone or email
/// holds every word (audited as a read of the records returned).
async fn find_members(
    State(state): State<AppState>,
    ApiStaff(me): ApiStaff,
    axum::extract::RawQuery(query): axum::extract::RawQuery,
) -> AppResult<Json<MemberSearchOut>> {
    let raw = crate::http::raw_of_query(query.as_deref())?;
    let q = raw.text("q");
    if q.is_empty() || q.chars().count() > 200 {
        return Err(AppError::Invalid(crate::domain::FieldErrors::single(
            "q",
            "Give a name, phone number or email to search for (200 letters at most).",
        )));
    }
    let offset = match raw.text("offset").trim() {
        "" => 0,
        t => t
            .parse::<usize>()
            .ok()
            .filter(|n| *n <= MAX_SEARCH_OFFSET)
            .ok_or_else(|| {
                AppError::Invalid(crate::domain::FieldErrors::single(
                    "offset",
                    format!("Give a whole number from 0 to {MAX_SEARCH_OFFSET}."),
                ))
            })?,
    };
    let (members, more) = state.store.find_members(&me, &q, offset).await?;
    Ok(Json(MemberSearchOut {
        query: q,
        offset,
        members,
        more,
    }))
}

/// Everything Hearth holds about a member (their right of access), audited.
async fn export_member(
    State(state): State<AppState>,
    ApiStaff(me): ApiStaff,
    Path(id): Path<MemberId>,
) -> AppResult<Response> {
    let member = state.store.member(&me, id).await?;
    let export = state.store.member_export(&member).await?;
    let mut res = Json(export).into_response();
    res.headers_mut().insert(
        axum::http::header::CACHE_CONTROL,
        axum::http::HeaderValue::from_static("no-store"),
    );
    Ok(res)
}

/// The audit trail, filtered by member, staff member and dates (coordinators only).
async fn audit(
    State(state): State<AppState>,
    ApiStaff(me): ApiStaff,
    axum::extract::RawQuery(query): axum::extract::RawQuery,
) -> AppResult<Json<AuditEventsOut>> {
    if !me.is_coordinator() {
        return Err(AppError::Forbidden);
    }
    let raw = crate::http::raw_of_query(query.as_deref())?;
    let filter = crate::store::AuditFilter::try_from(&raw).map_err(AppError::Invalid)?;
    let events = state.store.audit_search(&me, &filter, 1000).await?;
    Ok(Json(AuditEventsOut { events }))
}

/// The caller's own live API tokens (never the tokens themselves).
async fn list_tokens(
    State(state): State<AppState>,
    ApiStaff(me): ApiStaff,
) -> AppResult<Json<TokensOut>> {
    let tokens = state.store.api_tokens_of(me.id).await?;
    Ok(Json(TokensOut { tokens }))
}

/// Revokes one API token: the caller's own, or anyone's for a coordinator.
async fn revoke_token(
    State(state): State<AppState>,
    ApiStaff(me): ApiStaff,
    Path(id): Path<i64>,
) -> AppResult<StatusCode> {
    state.store.revoke_api_token(&me, id).await?;
    Ok(StatusCode::NO_CONTENT)
}

/// A staff account as the API shows it, with whether its sign-in is turned off.
#[derive(Serialize)]
struct StaffItem {
    id: i64,
    name: String,
    email: String,
    /// The phone number they can be reached on ("" when not given).
    phone: String,
    role: &'static str,
    groups: Vec<GroupId>,
    sign_in_allowed: bool,
    /// Whether the account signs in with a second step (an authenticator app).
    two_step: bool,
    /// When they last signed in (RFC 3339), or null: never.
    last_signed_in_at: Option<String>,
}

impl StaffItem {
    fn of(a: crate::store::StaffEntry, two_step: &std::collections::HashSet<i64>) -> StaffItem {
        StaffItem {
            sign_in_allowed: !a.disabled,
            two_step: two_step.contains(&a.id),
            role: a.role().as_str(),
            groups: a.group_ids(),
            last_signed_in_at: a
                .last_signed_in_at
                .and_then(|t| jiff::Timestamp::from_second(t).ok())
                .map(|t| t.to_string()),
            id: a.id,
            name: a.name,
            email: a.email,
            phone: a.phone,
        }
    }
}

/// Turns a staff account's sign-in on or off, answering with the account (coordinators).
async fn set_sign_in(
    state: &AppState,
    me: &crate::domain::access::Staff,
    id: i64,
    allowed: bool,
) -> AppResult<Json<StaffItem>> {
    state.store.set_sign_in_allowed(me, id, allowed).await?;
    staff_item(state, id).await
}

async fn staff_item(state: &AppState, id: i64) -> AppResult<Json<StaffItem>> {
    let two_step = state.store.accounts_with_two_step().await?;
    Ok(Json(StaffItem::of(
        state.store.staff_entry(id).await?,
        &two_step,
    )))
}

/// The staff accounts, searched by name, email or phone, sorted and a page at a time
/// (coordinators only).
#[derive(Serialize)]
struct StaffOut {
    staff: Vec<StaffItem>,
    total: usize,
    offset: usize,
    limit: usize,
}

async fn list_staff(
    State(state): State<AppState>,
    ApiStaff(me): ApiStaff,
    RawQuery(query): RawQuery,
) -> AppResult<Json<StaffOut>> {
    if !me.is_coordinator() {
        return Err(AppError::Forbidden);
    }
    let raw = crate::http::raw_of_query(query.as_deref())?;
    let q = crate::domain::programme::ListQuery::<crate::app::staff::StaffSort>::try_from(&raw)
        .map_err(AppError::Invalid)?;
    let two_step = state.store.accounts_with_two_step().await?;
    let p = crate::app::staff::staff_page(state.store.staff_directory().await?, &q);
    Ok(Json(StaffOut {
        total: p.total,
        offset: p.offset,
        limit: p.limit,
        staff: p
            .rows
            .into_iter()
            .map(|a| StaffItem::of(a, &two_step))
            .collect(),
    }))
}

/// Turns a staff account's sign-in off: its sessions and tokens end at once (coordinators).
async fn disable_staff(
    State(state): State<AppState>,
    ApiStaff(me): ApiStaff,
    Path(id): Path<i64>,
) -> AppResult<Json<StaffItem>> {
    set_sign_in(&state, &me, id, false).await
}

/// Turns a staff account's sign-in back on (coordinators).
async fn enable_staff(
    State(state): State<AppState>,
    ApiStaff(me): ApiStaff,
    Path(id): Path<i64>,
) -> AppResult<Json<StaffItem>> {
    set_sign_in(&state, &me, id, true).await
}

/// Resets a staff member's second step (a lost phone): their app and recovery codes stop
/// working and they are signed out (coordinators; never their own).
async fn reset_staff_two_step(
    State(state): State<AppState>,
    ApiStaff(me): ApiStaff,
    Path(id): Path<i64>,
) -> AppResult<Json<StaffItem>> {
    state.store.reset_two_step(&me, id).await?;
    staff_item(&state, id).await
}

/// Erases a member for good (coordinators only), confirmed by their preferred name.
async fn erase_member(
    State(state): State<AppState>,
    ApiStaff(me): ApiStaff,
    Path(id): Path<MemberId>,
    JsonInput(raw): JsonInput,
) -> AppResult<StatusCode> {
    if !me.is_coordinator() {
        return Err(AppError::Forbidden);
    }
    let member = state.store.member(&me, id).await?;
    crate::domain::member::check_erasure_confirm(&raw, &member.preferred_name)
        .map_err(AppError::Invalid)?;
    state.store.erase_member(&me, member).await?;
    Ok(StatusCode::NO_CONTENT)
}

/// Stops a member's calendar feed, keeping their link.
async fn revoke_member_feed(
    State(state): State<AppState>,
    ApiStaff(me): ApiStaff,
    Path(id): Path<MemberId>,
) -> AppResult<StatusCode> {
    let member = state.store.member(&me, id).await?;
    state.store.revoke_member_feed(&member).await?;
    Ok(StatusCode::NO_CONTENT)
}

// --- venues -----------------------------------------------------------------------------

/// The venues, searched by name, address or booking contact, sorted and a page at a time.
#[derive(Serialize)]
struct VenuesOut {
    venues: Vec<VenueJson>,
    total: usize,
    offset: usize,
    limit: usize,
}

async fn list_venues(
    State(state): State<AppState>,
    ApiStaff(_): ApiStaff,
    RawQuery(query): RawQuery,
) -> AppResult<Json<VenuesOut>> {
    let raw = crate::http::raw_of_query(query.as_deref())?;
    let q = crate::domain::programme::ListQuery::<crate::app::staff::VenueSort>::try_from(&raw)
        .map_err(AppError::Invalid)?;
    let p = crate::app::staff::venue_page(state.store.venues().await?, &q);
    Ok(Json(VenuesOut {
        total: p.total,
        offset: p.offset,
        limit: p.limit,
        venues: p.rows.into_iter().map(VenueJson::from).collect(),
    }))
}

async fn create_venue(
    State(state): State<AppState>,
    ApiStaff(me): ApiStaff,
    JsonInput(raw): JsonInput,
) -> AppResult<Response> {
    if !crate::Store::may_add_venue(&me) {
        return Err(AppError::Forbidden);
    }
    let input = parsed(VenueInput::try_from(&raw))?;
    let venue = state.store.create_venue(&me, &input).await?;
    Ok(created(paths::api_venue(venue.id), VenueJson::from(venue)))
}

async fn get_venue(
    State(state): State<AppState>,
    ApiStaff(_): ApiStaff,
    Path(id): Path<VenueId>,
) -> AppResult<Json<VenueJson>> {
    Ok(Json(state.store.venue(id).await?.into()))
}

async fn update_venue(
    State(state): State<AppState>,
    ApiStaff(me): ApiStaff,
    Path(id): Path<VenueId>,
    JsonInput(raw): JsonInput,
) -> AppResult<Json<VenueJson>> {
    let current = state.store.venue(id).await?;
    if !state.store.may_change_venue(&me, id).await? {
        return Err(AppError::Forbidden);
    }
    let input = parsed(VenueInput::try_from(&current.to_raw().merged_with(raw)))?;
    Ok(Json(
        state.store.update_venue(&me, id, &input).await?.into(),
    ))
}

#[cfg(test)]
mod tests {
    /// Every route this module serves is described in the OpenAPI document, and nothing more.
    #[test]
    fn openapi_describes_every_route() {
        let doc: serde_json::Value = serde_json::from_str(super::OPENAPI).expect("valid JSON");
        assert_eq!(doc["openapi"], "3.1.0");
        let paths = doc["paths"].as_object().expect("paths");
        let whole = include_str!("mod.rs");
        let source = whole.split("#[cfg(test)]").next().unwrap_or(whole);
        // A route is a literal or a constant of paths.rs (`paths::API_MEETING`), read from there.
        let paths_rs = include_str!("../paths.rs");
        let routes: Vec<&str> = source
            .split(".route(")
            .skip(1)
            .filter_map(|rest| {
                let rest = rest.trim_start();
                if let Some(name) = rest.strip_prefix("paths::") {
                    let name = name.split(',').next()?.trim();
                    let line = paths_rs
                        .lines()
                        .find(|l| l.trim_start().starts_with(&format!("{name}, ")))?;
                    line.split('"').nth(1)
                } else {
                    rest.strip_prefix('"')?.split('"').next()
                }
            })
            .collect();
        assert!(routes.len() >= 10);
        for route in &routes {
            assert!(
                paths.contains_key(*route),
                "{route} is missing from openapi.json"
            );
        }
        assert_eq!(
            routes.len(),
            paths.len(),
            "openapi.json describes routes that do not exist"
        );
    }
}
