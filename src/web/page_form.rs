//! One form per page, so that nothing typed is lost without JavaScript.
//!
//! A page with several things to do (a member's own page: their details, a topic to suggest,
//! a plan, a reply to each meeting) used to hold a form for each. Pressing one form's button
//! sent only that form, and whatever was typed in another was gone. With JavaScript the page
//! saved the typed forms first; without it nothing could.
//!
//! Such a page is now one `<form>`. Each part of it (what used to be a form) names its
//! fields `part.field`, says where it is saved (`part._action`), and keeps what each text box
//! held when the page was shown (`part.field~was`). Each button sends the whole page to its
//! own address with `?_part=part`. This layer then does what the page's script did:
//!
//! 1. every other part in which something was typed (a text box that differs from what the
//!    page showed) is saved first, in page order, by sending its fields to its own address
//!    as its own form would have;
//! 2. if one of them is refused, its page comes back with its message and everything else
//!    still typed in the boxes, and nothing more is done;
//! 3. otherwise the pressed part's fields go to its handler as its own form's would.
//!
//! Handlers are unchanged: each still receives exactly the fields of its own form. A part
//! that comes back with a message shows the other parts as they were typed through
//! [`kept`], which [`crate::web::form::Form::part`] reads.

use std::collections::HashMap;
use std::sync::Arc;

use axum::body::Body;
use axum::extract::{Request, State};
use axum::http::{HeaderValue, Method, header};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};

use tower::ServiceExt;

use crate::domain::RawInput;
use crate::error::AppError;
use crate::http::extract::MAX_FORM;

/// The query parameter naming the part whose button was pressed.
pub const PART: &str = "_part";
/// A part's own address, sent in the page as `part._action`.
const ACTION: &str = "_action";
/// What a text box held when the page was shown: `part.field~was`.
const WAS: &str = "~was";

/// The most parts saved before one button: a page shows far fewer (an agenda's steps), and
/// each is a request of its own.
const MAX_WAITING: usize = 60;

#[derive(Clone, Default)]
struct Kept {
    parts: Arc<HashMap<String, RawInput>>,
    /// Another part was refused, so the button pressed was not acted on yet.
    held_back: bool,
}

tokio::task_local! {
    static KEPT: Kept;
}

/// What was typed in a part of the page that is shown again unsaved (another part was
/// refused), if any.
pub fn kept(part: &str) -> Option<RawInput> {
    KEPT.try_with(|k| k.parts.get(part).cloned()).ok().flatten()
}

/// Whether the page shown is a part refused while another button was pressed: that button
/// has not been acted on yet, and the page says so.
pub fn held_back() -> bool {
    KEPT.try_with(|k| k.held_back).unwrap_or(false)
}

fn unreadable() -> AppError {
    AppError::BadRequest("The form could not be read.".into())
}

/// The name of the cookie a `Set-Cookie` header sets.
fn cookie_name(header: &HeaderValue) -> Option<&str> {
    header.to_str().ok()?.split('=').next()
}

/// A part's name: lower-case letters, digits and dashes.
fn part_name(name: &str) -> bool {
    !name.is_empty()
        && name.len() <= 40
        && name
            .bytes()
            .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'-')
}

/// The part a button named, from the query, and the query without it.
fn pressed(query: Option<&str>) -> Option<(String, String)> {
    let pairs: Vec<(String, String)> = serde_urlencoded::from_str(query?).ok()?;
    let part = pairs.iter().find(|(k, _)| k == PART)?.1.clone();
    let rest: Vec<(String, String)> = pairs.into_iter().filter(|(k, _)| k != PART).collect();
    Some((part, serde_urlencoded::to_string(rest).unwrap_or_default()))
}

/// One part of the page as sent: its fields (without the part's name), where it is saved,
/// and whether anything was typed in it.
#[derive(Debug, Default)]
struct Part {
    name: String,
    fields: Vec<(String, String)>,
    was: Vec<(String, String)>,
    action: Option<String>,
}

impl Part {
    fn typed(&self) -> bool {
        self.was.iter().any(|(field, shown)| {
            self.fields
                .iter()
                .find(|(k, _)| k == field)
                .map(|(_, v)| v.as_str())
                .unwrap_or("")
                != shown
        })
    }
}

/// The page's fields, split into the fields of no part (the anti-forgery token) and the parts
/// in the order the page holds them.
fn split(pairs: Vec<(String, String)>) -> (Vec<(String, String)>, Vec<Part>) {
    let mut common = Vec::new();
    let mut parts: Vec<Part> = Vec::new();
    for (key, value) in pairs {
        let Some((name, field)) = key.split_once('.').filter(|(n, _)| part_name(n)) else {
            common.push((key, value));
            continue;
        };
        let index = match parts.iter().position(|p| p.name == name) {
            Some(i) => i,
            None => {
                parts.push(Part {
                    name: name.to_string(),
                    ..Part::default()
                });
                parts.len() - 1
            }
        };
        let part = &mut parts[index];
        if field == ACTION {
            part.action = Some(value);
        } else if let Some(field) = field.strip_suffix(WAS) {
            part.was.push((field.to_string(), value));
        } else {
            part.fields.push((field.to_string(), value));
        }
    }
    (common, parts)
}

/// A part's own address: a path on this site, never the API (whose callers send JSON).
fn local_action(action: &str) -> bool {
    action.starts_with('/')
        && !action.starts_with("//")
        && !action.starts_with("/api/")
        && !action.contains('\\')
        && !action.contains("://")
        && action.parse::<axum::http::Uri>().is_ok()
}

/// A form request to `uri` with `fields`, as the browser would have sent it. `same_route`: for
/// the route already matched (the button pressed), which keeps what routing found.
fn form_request(
    head: &axum::http::request::Parts,
    uri: &str,
    fields: &[(String, String)],
    same_route: bool,
) -> Result<Request, AppError> {
    let body = serde_urlencoded::to_string(fields).map_err(|_| unreadable())?;
    let length = body.len();
    let mut req = Request::new(Body::from(body));
    *req.method_mut() = Method::POST;
    *req.uri_mut() = uri.parse().map_err(|_| unreadable())?;
    *req.version_mut() = head.version;
    *req.headers_mut() = head.headers.clone();
    req.headers_mut().insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static("application/x-www-form-urlencoded"),
    );
    req.headers_mut()
        .insert(header::CONTENT_LENGTH, HeaderValue::from(length));
    // What the layers outside gave the request (its id, cookies, the connection), and none
    // of what routing it put there (the matched route and its path's values), so that the
    // router reads the new address afresh.
    if same_route {
        *req.extensions_mut() = head.extensions.clone();
        return Ok(req);
    }
    let from = &head.extensions;
    let to = req.extensions_mut();
    if let Some(v) = from.get::<crate::http::cookies::RequestCookies>() {
        to.insert(v.clone());
    }
    if let Some(v) = from.get::<crate::http::trace::RequestId>() {
        to.insert(v.clone());
    }
    if let Some(v) = from.get::<axum::extract::ConnectInfo<std::net::SocketAddr>>() {
        to.insert(*v);
    }
    Ok(req)
}

/// Saves the typed parts of a page form first, then acts on the button pressed (see the
/// module's notes). Any other request passes through untouched.
pub async fn save_typed_parts_first(
    State(router): State<axum::Router>,
    req: Request,
    next: Next,
) -> Response {
    if req.method() != Method::POST {
        return next.run(req).await;
    }
    let Some((part, rest)) = pressed(req.uri().query()) else {
        return next.run(req).await;
    };
    match handle(router, req, next, part, rest).await {
        Ok(res) => res,
        Err(e) => e.into_response(),
    }
}

async fn handle(
    router: axum::Router,
    req: Request,
    next: Next,
    pressed: String,
    rest: String,
) -> Result<Response, AppError> {
    if !part_name(&pressed) {
        return Err(unreadable());
    }
    let (head, body) = req.into_parts();
    let bytes = axum::body::to_bytes(body, MAX_FORM)
        .await
        .map_err(|_| AppError::BadRequest("The form was too large to accept.".into()))?;
    let pairs: Vec<(String, String)> =
        serde_urlencoded::from_bytes(&bytes).map_err(|_| unreadable())?;
    let (common, parts) = split(pairs);
    let path = head.uri.path();
    let own_uri = if rest.is_empty() {
        path.to_string()
    } else {
        format!("{path}?{rest}")
    };
    let mine = parts
        .iter()
        .find(|p| p.name == pressed)
        .map(|p| p.fields.clone())
        .unwrap_or_default();
    let waiting: Vec<&Part> = parts
        .iter()
        .filter(|p| p.name != pressed && p.typed())
        .collect();
    if waiting.len() > MAX_WAITING {
        return Err(unreadable());
    }
    let mut saved_cookies = Vec::new();
    for (i, part) in waiting.iter().enumerate() {
        let action = part
            .action
            .as_deref()
            .filter(|a| local_action(a))
            .ok_or_else(unreadable)?;
        let mut fields = common.clone();
        fields.extend(part.fields.iter().cloned());
        let sub = form_request(&head, action, &fields, false)?;
        // Shown again if refused: what is still typed in the parts not saved yet, and in the
        // part whose button was pressed.
        let mut still = HashMap::new();
        for later in &waiting[i + 1..] {
            still.insert(
                later.name.clone(),
                RawInput::from_pairs(later.fields.clone()),
            );
        }
        still.insert(pressed.clone(), RawInput::from_pairs(mine.clone()));
        let kept = Kept {
            parts: Arc::new(still),
            held_back: true,
        };
        let res = match KEPT.scope(kept, router.clone().oneshot(sub)).await {
            Ok(res) => res,
            Err(never) => match never {},
        };
        // Saved, the part's handler sends the browser back to the page. Anything else (its
        // message, or a page to read such as a new link) is shown as it is, and the button
        // pressed waits.
        if !res.status().is_redirection() {
            return Ok(res);
        }
        saved_cookies.extend(res.headers().get_all(header::SET_COOKIE).iter().cloned());
    }
    let mut fields = common;
    fields.extend(mine);
    let own = form_request(&head, &own_uri, &fields, true)?;
    let mut res = KEPT.scope(Kept::default(), next.run(own)).await;
    // A message a saved part left ("Your details are saved") shows unless the pressed
    // button leaves one of its own.
    let set: Vec<String> = res
        .headers()
        .get_all(header::SET_COOKIE)
        .iter()
        .filter_map(cookie_name)
        .map(str::to_string)
        .collect();
    for cookie in saved_cookies {
        if !cookie_name(&cookie).is_some_and(|name| set.iter().any(|s| s == name)) {
            res.headers_mut().append(header::SET_COOKIE, cookie);
        }
    }
    Ok(res)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn pairs(list: &[(&str, &str)]) -> Vec<(String, String)> {
        list.iter()
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect()
    }

    #[test]
    fn a_page_splits_into_its_parts_in_order_and_knows_what_was_typed() {
        let (common, parts) = split(pairs(&[
            ("csrf_token", "t"),
            ("details.phone", "0123"),
            ("details.phone~was", "0123"),
            ("details._action", "/l/x"),
            ("plan.what", "Walk"),
            ("plan.what~was", ""),
            ("plan.confidence", "7"),
            ("rsvp-3.answer", "yes"),
            ("Bad.x", "1"),
        ]));
        assert_eq!(common, pairs(&[("csrf_token", "t"), ("Bad.x", "1")]));
        let names: Vec<&str> = parts.iter().map(|p| p.name.as_str()).collect();
        assert_eq!(names, ["details", "plan", "rsvp-3"]);
        assert!(!parts[0].typed(), "unchanged details are not typed");
        assert_eq!(parts[0].action.as_deref(), Some("/l/x"));
        assert!(parts[1].typed(), "a goal typed in an empty box is");
        assert!(!parts[2].typed(), "a part with no text boxes never is");
        assert_eq!(
            parts[1].fields,
            pairs(&[("what", "Walk"), ("confidence", "7")])
        );
    }

    #[test]
    fn a_part_is_saved_only_at_an_address_of_this_site() {
        assert!(local_action("/l/abc/plans"));
        assert!(local_action("/members/4/consents"));
        for bad in [
            "//evil.example/x",
            "https://evil.example/",
            "/api/v1/groups",
            "/\\evil.example",
            "plans",
            "",
        ] {
            assert!(!local_action(bad), "{bad}");
        }
    }

    #[test]
    fn the_pressed_part_comes_from_the_query_and_leaves_the_rest() {
        assert_eq!(
            pressed(Some("_part=plan&next=%2Fx")),
            Some(("plan".into(), "next=%2Fx".into()))
        );
        assert_eq!(pressed(Some("next=1")), None);
        assert_eq!(pressed(None), None);
        assert!(!part_name("Plan"));
        assert!(!part_name("a.b"));
        assert!(part_name("poll-12"));
    }
}
