//! Email: composing the messages (plain text and HTML, short, with the member's personal
//! link), queueing them in the database, and the background sender that delivers them through
//! SMTP with retries. Members who prefer phone, text or post get no email; they are on the
//! call list instead. When no SMTP server is configured nothing is queued and the pages say
//! so, offering links to copy.

use crate::domain::ids::{EventId, GroupId, MeetingId, MemberId, PollId};
use std::time::Duration;

use crate::auth::{hash_token, new_token};
use crate::domain::meeting::Meeting;
use crate::store::{Job, NewEmail, Store, StoreResult, now};
use crate::{AppState, Config};

/// Replaced, when the message is sent, by a fresh personal link for the member.
pub const LINK_PLACEHOLDER: &str = "%%PERSONAL_LINK%%";

/// What happened when messages were asked for: shown to the facilitator.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Outcome {
    NotConfigured,
    Queued(u64),
}

impl Outcome {
    /// The same in the API: `{"configured": bool, "queued": n}`.
    pub fn sentence(&self) -> String {
        match self {
            Outcome::NotConfigured => {
                "Email is not set up, so nobody was emailed: share personal links or ring round instead.".into()
            }
            Outcome::Queued(0) => "Nobody in the group uses email, so no email was sent.".into(),
            Outcome::Queued(1) => "An email is on its way to the one member who uses email.".into(),
            Outcome::Queued(n) => format!("Emails are on their way to {n} members who use email."),
        }
    }
}

impl Outcome {
    /// The same, for a message to one host.
    pub fn host_sentence(&self) -> String {
        match self {
            Outcome::NotConfigured => {
                "Email is not set up, so remind them by phone before the meeting.".into()
            }
            Outcome::Queued(0) => "They have been told already.".into(),
            Outcome::Queued(_) => "An email tells them, and their reminder mentions it.".into(),
        }
    }
}

/// A short letter: a greeting, a few paragraphs and links, rendered as plain text and HTML.
struct Letter {
    subject: String,
    paragraphs: Vec<String>,
    links: Vec<(String, String)>,
}

/// Typed text (a name, a title, a venue) with the personal-link marker taken out, so that
/// nobody can make a letter show its reader's link where they typed the marker (ASVS V1.3.7):
/// only the letter's own links carry it. Repeated, so "%%PERSONAL_%%PERSONAL_LINK%%LINK%%"
/// does not leave a marker behind.
fn typed(text: &str) -> String {
    let mut out = text.to_string();
    while out.contains(LINK_PLACEHOLDER) {
        out = out.replace(LINK_PLACEHOLDER, "");
    }
    out
}

impl Letter {
    fn text(&self, name: &str, group: &str) -> String {
        let (name, group) = (typed(name), typed(group));
        let mut out = format!("Hello {name},\n\n");
        for p in &self.paragraphs {
            out.push_str(&typed(p));
            out.push_str("\n\n");
        }
        for (label, url) in &self.links {
            out.push_str(&format!("{label}:\n{url}\n\n"));
        }
        out.push_str(&format!(
            "From {group}, through Hearth. You get emails because you chose email as the way to hear from the group. To change that, open your personal link or tell your facilitator.\n"
        ));
        out
    }

    fn html(&self, name: &str, group: &str) -> String {
        let (name, group) = (typed(name), typed(group));
        let mut out = String::from(
            "<!doctype html><html lang=\"en\"><head><meta charset=\"utf-8\"></head><body style=\"font-family: sans-serif; font-size: 18px; line-height: 1.5; color: #1d1d1b;\">",
        );
        out.push_str(&format!("<p>Hello {},</p>", escape(&name)));
        for p in &self.paragraphs {
            out.push_str(&format!("<p>{}</p>", escape(&typed(p))));
        }
        for (label, url) in &self.links {
            out.push_str(&format!(
                "<p><a href=\"{}\">{}</a></p>",
                escape(url),
                escape(label)
            ));
        }
        out.push_str(&format!(
            "<p style=\"font-size: 15px; color: #4a4a48;\">From {}, through Hearth. You get emails because you chose email as the way to hear from the group. To change that, open your personal link or tell your facilitator.</p></body></html>",
            escape(&group)
        ));
        out
    }
}

fn escape(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            c => out.push(c),
        }
    }
    out
}

/// The meeting in words: "Tuesday 10 March 2026, 2:00 pm to 3:30 pm, at Church hall (1 High St)".
async fn meeting_words(store: &Store, m: &Meeting) -> String {
    let mut words = format!(
        "{}, {} to {}",
        m.date_label(),
        m.time_label(),
        m.end_time_label()
    );
    if let Some(v) = m.venue_id
        && let Ok(venue) = store.venue(v).await
    {
        words.push_str(&format!(", at {}", venue.name));
        if !venue.address.is_empty() {
            words.push_str(&format!(" ({})", venue.address.replace('\n', ", ")));
        }
    }
    words
}

fn personal_links(meeting_id: Option<MeetingId>) -> Vec<(String, String)> {
    let mut links = vec![(
        "Your personal page (answer, change your details)".to_string(),
        LINK_PLACEHOLDER.to_string(),
    )];
    if let Some(id) = meeting_id {
        links.push((
            "Add the meeting to your calendar".into(),
            format!("{LINK_PLACEHOLDER}/meetings/{id}/calendar.ics"),
        ));
    }
    links
}

/// Queues one letter to every member of the group who uses email. `key` makes each message
/// unique (the member's id is added), so asking twice sends once.
async fn to_email_members(
    state: &AppState,
    group_id: GroupId,
    key: &str,
    letter: Letter,
    run_at: i64,
) -> StoreResult<Outcome> {
    if state.config.smtp_url.is_none() {
        return Ok(Outcome::NotConfigured);
    }
    let scope = state.store.group_for_job(group_id).await?;
    let group = state.store.group_of(&scope).await?;
    let members = state.store.email_members(&scope).await?;
    let emails: Vec<NewEmail> = members
        .into_iter()
        .map(|(id, name, email)| NewEmail {
            dedupe_key: format!("{key}:{id}"),
            group_id: Some(group_id),
            member_id: Some(id),
            recipient: email,
            subject: letter.subject.clone(),
            body_text: letter.text(&name, &group.name),
            body_html: letter.html(&name, &group.name),
            run_at,
        })
        .collect();
    state
        .store
        .enqueue_emails(&emails)
        .await
        .map(Outcome::Queued)
}

/// The invitation to a meeting (sent when a poll plans it, or when the facilitator asks).
pub async fn meeting_invitation(state: &AppState, meeting_id: MeetingId) -> StoreResult<Outcome> {
    let m = state
        .store
        .meeting_for_job(meeting_id)
        .await?
        .into_meeting();
    let words = meeting_words(&state.store, &m).await;
    let mut paragraphs = vec![format!("The next meeting of the group is on {words}.")];
    if !m.topic.is_empty() {
        paragraphs.push(format!("The topic is: {}.", m.topic));
    }
    paragraphs.push(
        "Please let us know whether you can come: open your personal page and choose an answer."
            .into(),
    );
    let letter = Letter {
        subject: format!("Next meeting: {}", m.date_label()),
        paragraphs,
        links: personal_links(Some(m.id)),
    };
    // Asking twice sends once; after the meeting is moved, cancelled or put back on, the
    // invitation can go again.
    let changes = state
        .store
        .count_jobs_like(&[
            &format!("moved:{}:%", m.id),
            &format!("cancelled:{}:%", m.id),
        ])
        .await?;
    to_email_members(
        state,
        m.group_id,
        &format!("invite:{}:{}:{changes}", m.id, m.starts_at),
        letter,
        now(),
    )
    .await
}

/// A meeting moved to another date, time or place.
pub async fn meeting_moved(state: &AppState, meeting_id: MeetingId) -> StoreResult<Outcome> {
    let m = state
        .store
        .meeting_for_job(meeting_id)
        .await?
        .into_meeting();
    let words = meeting_words(&state.store, &m).await;
    let letter = Letter {
        subject: format!("Meeting moved: now {}", m.date_label()),
        paragraphs: vec![
            format!("The meeting has moved. It is now on {words}."),
            "If you added it to your calendar, the calendar will update itself; if not, the link below adds it.".into(),
        ],
        links: personal_links(Some(m.id)),
    };
    to_email_members(
        state,
        m.group_id,
        &format!("moved:{}:{}", m.id, m.version),
        letter,
        now(),
    )
    .await
}

/// A meeting cancelled.
pub async fn meeting_cancelled(state: &AppState, meeting_id: MeetingId) -> StoreResult<Outcome> {
    let m = state
        .store
        .meeting_for_job(meeting_id)
        .await?
        .into_meeting();
    let mut paragraphs = vec![format!(
        "The meeting on {}, {} is cancelled.",
        m.date_label(),
        m.time_label()
    )];
    if !m.cancel_reason.is_empty() {
        paragraphs.push(format!("The reason: {}.", m.cancel_reason));
    }
    paragraphs.push(
        "We are sorry for any trouble. Your facilitator will be in touch about the next meeting."
            .into(),
    );
    let letter = Letter {
        subject: format!("Cancelled: the meeting on {}", m.date_label()),
        paragraphs,
        links: personal_links(None),
    };
    to_email_members(
        state,
        m.group_id,
        &format!("cancelled:{}:{}", m.id, m.version),
        letter,
        now(),
    )
    .await
}

async fn poll_letter(state: &AppState, poll_id: PollId, reminder: bool) -> StoreResult<Letter> {
    let poll = state.store.poll_for_job(poll_id).await?;
    let options = state.store.poll_options(&poll).await?;
    let mut paragraphs = vec![if reminder {
        format!(
            "A gentle reminder: we have not heard from you yet about \"{}\".",
            poll.title
        )
    } else {
        format!(
            "We are choosing a date for the next meeting: \"{}\". Which of these suit you?",
            poll.title
        )
    }];
    paragraphs.push(
        options
            .iter()
            .map(|o| format!("• {}", o.label()))
            .collect::<Vec<_>>()
            .join("\n"),
    );
    if !poll.note.is_empty() {
        paragraphs.push(poll.note.clone());
    }
    paragraphs.push(
        "Open your personal page and answer yes, maybe, or no for each date. It takes a minute."
            .into(),
    );
    Ok(Letter {
        subject: if reminder {
            format!("Reminder: {}", poll.title)
        } else {
            poll.title.clone()
        },
        paragraphs,
        links: personal_links(None),
    })
}

/// The poll invitation.
pub async fn poll_opened(state: &AppState, poll_id: PollId) -> StoreResult<Outcome> {
    let poll = state.store.poll_for_job(poll_id).await?;
    let letter = poll_letter(state, poll_id, false).await?;
    to_email_members(
        state,
        poll.group_id,
        &format!("poll:{poll_id}"),
        letter,
        now(),
    )
    .await
}

/// A reminder to those who have not answered a poll (at most one a day each).
pub async fn poll_reminder(state: &AppState, poll_id: PollId) -> StoreResult<Outcome> {
    if state.config.smtp_url.is_none() {
        return Ok(Outcome::NotConfigured);
    }
    let poll = state.store.poll_for_job(poll_id).await?;
    let group = state.store.group_of(&poll).await?;
    let answered: Vec<MemberId> = state
        .store
        .poll_responses(&poll)
        .await?
        .into_iter()
        .map(|r| r.member_id)
        .collect();
    let letter = poll_letter(state, poll_id, true).await?;
    let day = now() / 86_400;
    let emails: Vec<NewEmail> = state
        .store
        .email_members(&poll)
        .await?
        .into_iter()
        .filter(|(id, _, _)| !answered.contains(id))
        .map(|(id, name, email)| NewEmail {
            dedupe_key: format!("poll-reminder:{poll_id}:{day}:{id}"),
            group_id: Some(poll.group_id),
            member_id: Some(id),
            recipient: email,
            subject: letter.subject.clone(),
            body_text: letter.text(&name, &group.name),
            body_html: letter.html(&name, &group.name),
            run_at: now(),
        })
        .collect();
    state
        .store
        .enqueue_emails(&emails)
        .await
        .map(Outcome::Queued)
}

/// Queues the reminders that have come due (each once: the key holds the meeting's start, so
/// a moved meeting is reminded again at its new time).
pub async fn queue_due_reminders(store: &Store, config: &Config) -> StoreResult<u64> {
    if config.smtp_url.is_none() {
        return Ok(0);
    }
    let due = store.due_reminders(now()).await?;
    let mut emails = Vec::with_capacity(due.len());
    for d in due {
        let m = store.meeting_for_job(d.meeting_id).await?;
        let group = store.group_of(&m).await?;
        let member = store.member_for_job(d.member_id).await?;
        let words = meeting_words(store, &m).await;
        let mut paragraphs = vec![format!("A reminder: the group meets on {words}.")];
        if !m.topic.is_empty() {
            paragraphs.push(format!("The topic is: {}.", m.topic));
        }
        if store.meeting_host(&m).await?.map(|(id, _)| id) == Some(d.member_id) {
            paragraphs.push(
                "You are hosting the refreshments this time. Thank you! Bring some music if you like."
                    .into(),
            );
        }
        paragraphs.push("If you cannot come after all, please say so on your personal page. We look forward to seeing you.".into());
        let letter = Letter {
            subject: format!("Reminder: meeting on {}", m.date_label()),
            paragraphs,
            links: personal_links(Some(m.id)),
        };
        emails.push(NewEmail {
            dedupe_key: format!("reminder:{}:{}:{}", m.id, d.member_id, d.starts_at),
            group_id: Some(d.group_id),
            member_id: Some(d.member_id),
            recipient: d.email,
            subject: letter.subject.clone(),
            body_text: letter.text(&member.preferred_name, &group.name),
            body_html: letter.html(&member.preferred_name, &group.name),
            run_at: now(),
        });
    }
    store.enqueue_emails(&emails).await
}

// --- the sender ------------------------------------------------------------------------------

use lettre::message::{Mailbox, MultiPart};
use lettre::{AsyncSmtpTransport, AsyncTransport, Message, Tokio1Executor};

/// Why a message could not be sent, and whether trying again may help.
#[derive(Debug)]
enum SendError {
    Permanent(String),
    Temporary(String),
}

struct Sender {
    transport: AsyncSmtpTransport<Tokio1Executor>,
    from: Mailbox,
}

impl Sender {
    fn new(config: &Config) -> Result<Sender, String> {
        let url = config
            .smtp_url
            .as_deref()
            .ok_or("no SMTP server is configured")?;
        let mut builder = AsyncSmtpTransport::<Tokio1Executor>::from_url(url)
            .map_err(|e| format!("the SMTP URL is not usable: {e}"))?
            .timeout(Some(Duration::from_secs(20)));
        if let Some(password) = &config.smtp_password {
            let user = url_user(url).ok_or(
                "--smtp-password needs the user name in --smtp-url, like smtp://hearth@mail.example.org:587",
            )?;
            builder = builder.credentials(
                lettre::transport::smtp::authentication::Credentials::new(user, password.clone()),
            );
        }
        let transport = builder.build();
        let from = config.mail_from.parse::<Mailbox>().map_err(|e| {
            format!(
                "the sender address {:?} is not usable: {e}",
                config.mail_from
            )
        })?;
        Ok(Sender { transport, from })
    }

    async fn send(&self, job: &Job, text: String, html: String) -> Result<(), SendError> {
        let to = job
            .recipient
            .parse::<Mailbox>()
            .map_err(|e| SendError::Permanent(format!("the address is not usable: {e}")))?;
        let message = Message::builder()
            .from(self.from.clone())
            .to(to)
            .subject(&job.subject)
            .multipart(MultiPart::alternative_plain_html(text, html))
            .map_err(|e| SendError::Permanent(format!("the message could not be built: {e}")))?;
        match self.transport.send(message).await {
            Ok(_) => Ok(()),
            Err(e) if e.is_permanent() => Err(SendError::Permanent(e.to_string())),
            Err(e) => Err(SendError::Temporary(e.to_string())),
        }
    }
}

/// The user name in a URL like smtp://user:password@host or smtp://user@host.
fn url_user(url: &str) -> Option<String> {
    let rest = url.split_once("://")?.1;
    let (userinfo, _) = rest.rsplit_once('@')?;
    let user = userinfo.split(':').next()?;
    (!user.is_empty()).then(|| user.to_string())
}

/// Checks the mail settings at start, so a mistake is one clear line for the operator.
pub fn check_config(config: &Config) -> Result<(), String> {
    match config.smtp_url {
        Some(_) => Sender::new(config).map(|_| ()),
        None => Ok(()),
    }
}

/// Sends due mail until `shutdown`: every tick it queues the reminders that have come due and
/// then sends every due job. Runs on each instance; the queue keeps them from doubling up.
pub async fn run_sender(
    store: Store,
    config: std::sync::Arc<Config>,
    worker: String,
    mut stop: tokio::sync::watch::Receiver<bool>,
) {
    let sender = match Sender::new(&config) {
        Ok(s) => s,
        Err(e) => {
            tracing::error!(error = %e, "email is not sent");
            return;
        }
    };
    let mut tick = tokio::time::interval(config.mail_tick);
    tick.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
    loop {
        // When the server stops, the message being sent is finished and no other is taken.
        tokio::select! {
            _ = tick.tick() => {}
            _ = stop.wait_for(|s| *s) => return,
        }
        if *stop.borrow() {
            return;
        }
        if let Err(e) = queue_due_reminders(&store, &config).await {
            tracing::warn!(error = %e, "could not queue reminders");
        }
        loop {
            if *stop.borrow() {
                return;
            }
            let job = match store.claim_job(&worker, 120).await {
                Ok(Some(job)) => job,
                Ok(None) => break,
                Err(e) => {
                    tracing::warn!(error = %e, "could not take a job from the queue");
                    break;
                }
            };
            deliver(&store, &config, &sender, &worker, job).await;
        }
    }
}

async fn deliver(store: &Store, config: &Config, sender: &Sender, worker: &str, job: Job) {
    let (mut text, mut html) = (job.body_text.clone(), job.body_html.clone());
    if let Some(member_id) = job.member_id
        && text.contains(LINK_PLACEHOLDER)
    {
        let token = new_token();
        if let Err(e) = store.add_mail_link(member_id, &hash_token(&token)).await {
            tracing::warn!(error = %e, job = job.id, "could not make a personal link");
            let _ = store
                .job_failed(
                    &job,
                    worker,
                    "could not make a personal link",
                    Some(now() + 60),
                )
                .await;
            return;
        }
        let link = format!("{}{}", config.public_url, crate::paths::link(token));
        text = text.replace(LINK_PLACEHOLDER, &link);
        html = html.replace(LINK_PLACEHOLDER, &link);
    }
    let result = match sender.send(&job, text, html).await {
        Ok(()) => store.job_sent(job.id, worker).await,
        Err(SendError::Permanent(e)) => {
            tracing::warn!(job = job.id, reply = %reply_code(&e), "email failed for good");
            store.job_failed(&job, worker, &e, None).await
        }
        Err(SendError::Temporary(e)) => {
            let wait = backoff(config.mail_retry_base.as_secs() as i64, job.attempts);
            tracing::info!(job = job.id, reply = %reply_code(&e), retry_in = wait, "email will be retried");
            store.job_failed(&job, worker, &e, Some(now() + wait)).await
        }
    };
    if let Err(e) = result {
        tracing::warn!(job = job.id, error = %e, "could not record how sending went");
    }
}

/// What of an SMTP error goes in the log: its reply code ("550 5.1.1"), never the server's
/// words, which usually quote the recipient's address (the log holds no personal data; the
/// whole error stays with the job, for the people who may see it).
fn reply_code(error: &str) -> String {
    let code: String = error
        .split_whitespace()
        .take_while(|w| w.chars().all(|c| c.is_ascii_digit() || c == '.'))
        .take(2)
        .collect::<Vec<_>>()
        .join(" ");
    if code.is_empty() {
        "no SMTP reply code".into()
    } else {
        code
    }
}

/// Seconds to wait before attempt `attempts + 1`: doubling from `base`, at most an hour.
pub fn backoff(base: i64, attempts: i64) -> i64 {
    let base = base.max(1);
    let doublings = (attempts - 1).clamp(0, 16) as u32;
    (base.saturating_mul(2_i64.saturating_pow(doublings))).min(3600)
}

/// Tells members who use email when a meeting still to come has moved or been cancelled,
/// comparing the meeting as it was (`before`) with how it is now. None when nothing they need
/// to hear about changed.
pub async fn after_change(state: &AppState, before: &Meeting) -> StoreResult<Option<Outcome>> {
    let now_m = state.store.meeting_for_job(before.id).await?.into_meeting();
    if before.starts_at <= now() || !before.is_planned() {
        return Ok(None);
    }
    if now_m.is_cancelled() {
        return meeting_cancelled(state, before.id).await.map(Some);
    }
    if now_m.is_planned()
        && (now_m.starts_at != before.starts_at || now_m.venue_id != before.venue_id)
    {
        return meeting_moved(state, before.id).await.map(Some);
    }
    Ok(None)
}

/// "Saturday 10 July 2027, 12:30 pm, at The Red Lion"
fn social_words(e: &crate::domain::social::SocialEvent) -> String {
    let mut words = format!("{}, {}", e.date_label(), e.time_label());
    if !e.place.is_empty() {
        words.push_str(&format!(", at {}", e.place.replace('\n', ", ")));
    }
    words
}

fn social_links(event_id: EventId) -> Vec<(String, String)> {
    vec![
        (
            "Your personal page (say whether you can come)".to_string(),
            LINK_PLACEHOLDER.to_string(),
        ),
        (
            "Add it to your calendar".into(),
            format!("{LINK_PLACEHOLDER}/social/{event_id}/calendar.ics"),
        ),
    ]
}

/// The invitation to a social event.
pub async fn social_invitation(state: &AppState, event_id: EventId) -> StoreResult<Outcome> {
    let e = state.store.social_event_for_job(event_id).await?;
    let mut paragraphs = vec![format!(
        "You are invited: {}, on {}.",
        e.title,
        social_words(&e)
    )];
    if !e.details.is_empty() {
        paragraphs.push(e.details.clone());
    }
    if !e.accessibility.is_empty() {
        paragraphs.push(format!("Getting there and access: {}", e.accessibility));
    }
    paragraphs
        .push("Everyone is welcome. Please say whether you can come on your personal page.".into());
    let letter = Letter {
        subject: format!("You are invited: {}", e.title),
        paragraphs,
        links: social_links(e.id),
    };
    to_email_members(
        state,
        e.group_id,
        &format!("social:{}", e.id),
        letter,
        now(),
    )
    .await
}

/// Tells members when a social event still to come moves or is cancelled (or is back on).
pub async fn social_changed(
    state: &AppState,
    before: &crate::domain::social::SocialEvent,
    after: &crate::domain::social::SocialEvent,
) -> StoreResult<Option<Outcome>> {
    if before.starts_at.max(after.starts_at) <= now() {
        return Ok(None);
    }
    let (subject, first, key) = if after.is_cancelled() && !before.is_cancelled() {
        (
            format!("Cancelled: {}", after.title),
            format!(
                "{} on {} is cancelled. We are sorry for any trouble.",
                after.title,
                social_words(after)
            ),
            format!("social-cancelled:{}:{}", after.id, after.version),
        )
    } else if before.is_cancelled() && !after.is_cancelled() {
        (
            format!("Back on: {}", after.title),
            format!(
                "Good news: {} is back on, on {}.",
                after.title,
                social_words(after)
            ),
            format!("social-back:{}:{}", after.id, after.version),
        )
    } else if before.starts_at != after.starts_at || before.place != after.place {
        (
            format!("Changed: {}", after.title),
            format!(
                "{} has changed. It is now on {}.",
                after.title,
                social_words(after)
            ),
            format!(
                "social-moved:{}:{}:{}",
                after.id, after.starts_at, after.version
            ),
        )
    } else {
        return Ok(None);
    };
    let letter = Letter {
        subject,
        paragraphs: vec![first],
        links: social_links(after.id),
    };
    to_email_members(state, after.group_id, &key, letter, now())
        .await
        .map(Some)
}

/// Tells a host, if they use email, that they are hosting the refreshments. None when they
/// do not use email (they need a phone call instead).
pub async fn host_confirmed(
    state: &AppState,
    meeting_id: MeetingId,
    member_id: MemberId,
) -> StoreResult<Option<Outcome>> {
    let m = state.store.meeting_for_job(meeting_id).await?;
    let Some((_, name, email)) = state
        .store
        .email_members(&m)
        .await?
        .into_iter()
        .find(|(id, _, _)| *id == member_id)
    else {
        return Ok(None);
    };
    if state.config.smtp_url.is_none() {
        return Ok(Some(Outcome::NotConfigured));
    }
    let group = state.store.group_of(&m).await?;
    let words = meeting_words(&state.store, &m).await;
    let letter = Letter {
        subject: format!(
            "Thank you for hosting the refreshments on {}",
            m.date_label()
        ),
        paragraphs: vec![
            format!(
                "Thank you for offering to host the refreshments (and bring some music, if you like) at the meeting on {words}."
            ),
            "If you cannot do it after all, just tell your facilitator and someone else will."
                .into(),
        ],
        links: personal_links(Some(m.id)),
    };
    let email = NewEmail {
        dedupe_key: format!("host:{}:{}:{}", m.id, member_id, m.starts_at),
        group_id: Some(m.group_id),
        member_id: Some(member_id),
        recipient: email,
        subject: letter.subject.clone(),
        body_text: letter.text(&name, &group.name),
        body_html: letter.html(&name, &group.name),
        run_at: now(),
    };
    state
        .store
        .enqueue_emails(&[email])
        .await
        .map(|n| Some(Outcome::Queued(n)))
}

/// What a member can do with their personal link, in the words every handover uses (the page
/// that shows a new link, the text message, the printed card and the email).
pub const LINK_USES: &str = "say if you are coming to meetings, answer questions about dates, say how a meeting went, and check or correct your details";

/// The same, said of the member to the staff who hand it over.
pub const LINK_USES_THEM: &str = "say if they are coming to meetings, answer questions about dates, say how a meeting went, and check or correct their details";

/// Sends a member their personal page by email (a link of its own, made when the message is
/// sent). `None` when they have no email address.
pub async fn personal_link(
    state: &AppState,
    member: &crate::store::MemberAccess,
) -> StoreResult<Option<Outcome>> {
    if member.email.is_empty() {
        return Ok(None);
    }
    if state.config.smtp_url.is_none() {
        return Ok(Some(Outcome::NotConfigured));
    }
    let group = state.store.group_of(member).await?;
    let letter = Letter {
        subject: format!("Your own page for {}", group.name),
        paragraphs: vec![
            format!("Here is your own page for {}. With it you can {LINK_USES}.", group.name),
            "No password is needed. Please keep this email to yourself: anyone with the link can open your page.".into(),
        ],
        links: personal_links(None),
    };
    let t = now();
    let email = NewEmail {
        dedupe_key: format!("link:{}:{t}", member.id),
        group_id: Some(member.group_id),
        member_id: Some(member.id),
        recipient: member.email.clone(),
        subject: letter.subject.clone(),
        body_text: letter.text(&member.preferred_name, &group.name),
        body_html: letter.html(&member.preferred_name, &group.name),
        run_at: t,
    };
    state
        .store
        .enqueue_emails(&[email])
        .await
        .map(|n| Some(Outcome::Queued(n)))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_the_reply_code_of_an_smtp_error_is_logged() {
        assert_eq!(
            reply_code("550 5.1.1 <ann@example.org>: Recipient address rejected"),
            "550 5.1.1"
        );
        assert_eq!(reply_code("421 Service not available"), "421");
        assert_eq!(
            reply_code("connection refused to ann@example.org"),
            "no SMTP reply code"
        );
    }

    #[test]
    fn typed_text_cannot_call_up_the_readers_link() {
        let letter = Letter {
            subject: "Next meeting".into(),
            paragraphs: vec![
                "The topic is: %%PERSONAL_LINK%%.".into(),
                "At %%PERSONAL_%%PERSONAL_LINK%%LINK%% hall.".into(),
            ],
            links: personal_links(Some(MeetingId(7))),
        };
        for body in [
            letter.text("Ann %%PERSONAL_LINK%%", "Group %%PERSONAL_LINK%%"),
            letter.html("Ann %%PERSONAL_LINK%%", "Group %%PERSONAL_LINK%%"),
        ] {
            // Only the letter's own two links (the page and the calendar file) carry it.
            assert_eq!(body.matches(LINK_PLACEHOLDER).count(), 2, "{body}");
            assert!(body.contains("The topic is: ."), "{body}");
        }
    }

    #[test]
    fn the_user_comes_from_the_url() {
        assert_eq!(
            url_user("smtp://hearth@mail.example.org:587").as_deref(),
            Some("hearth")
        );
        assert_eq!(url_user("smtps://a:b@h").as_deref(), Some("a"));
        assert_eq!(url_user("smtp://h:25"), None);
    }

    #[test]
    fn back_off_doubles_up_to_an_hour() {
        assert_eq!(backoff(30, 1), 30);
        assert_eq!(backoff(30, 2), 60);
        assert_eq!(backoff(30, 3), 120);
        assert_eq!(backoff(30, 20), 3600);
        assert_eq!(backoff(0, 1), 1);
    }

    #[test]
    fn letters_read_as_text_and_html() {
        let l = Letter {
            subject: "S".into(),
            paragraphs: vec!["Meet <here> & now".into()],
            links: vec![("Page".into(), "https://x/m/abc".into())],
        };
        let text = l.text("Ann", "Tuesday group");
        assert!(text.starts_with("Hello Ann,"));
        assert!(text.contains("Meet <here> & now"));
        assert!(text.contains("https://x/m/abc"));
        let html = l.html("Ann", "Tuesday group");
        assert!(html.contains("Meet &lt;here&gt; &amp; now"));
        assert!(html.contains("<a href=\"https://x/m/abc\">Page</a>"));
    }
}
