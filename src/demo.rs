//! Demo data for `hearth serve --demo`: two groups with their venues, a dozen members with
//! varied needs and preferences, a coordinator and a facilitator.

use crate::auth;
use crate::domain::RawInput;
use crate::domain::access::Role;
use crate::domain::group::GroupInput;
use crate::domain::ids::{GroupId, MemberId};
use crate::domain::meeting::RsvpAnswer;
use crate::domain::member::{ConsentInput, MemberInput};
use crate::domain::venue::VenueInput;
use crate::store::{Conflict, GroupAccess, MemberAccess, Store, StoreError};

pub const COORDINATOR: (&str, &str, &str) = (
    "Maggie Reid",
    "coordinator@example.org",
    "hearth-demo-coordinator",
);
pub const FACILITATOR: (&str, &str, &str) = (
    "Tom Okafor",
    "facilitator@example.org",
    "hearth-demo-facilitator",
);

/// What a facilitator has set up between meetings: the next six monthly meetings on the
/// second Tuesday, replies, the refreshments rota with a host, a Christmas lunch, and a poll
/// for the other group's next date. Dates follow today's, so the demo always looks current.
async fn between_meetings(
    store: &Store,
    staff: &crate::domain::access::Staff,
    tuesday: &GroupAccess,
    greenway: &GroupAccess,
    hall: crate::domain::ids::VenueId,
    id: &dyn Fn(&str) -> MemberId,
    who: &dyn Fn(&str) -> Result<MemberAccess, StoreError>,
) -> Result<(), StoreError> {
    use jiff::ToSpan;
    let today = jiff::ZonedDateTime::now().date();
    let next_month = today
        .first_of_month()
        .checked_add(1.month())
        .map_err(|e| StoreError::Conflict(Conflict::BadData(e.to_string())))?;
    let second_tuesday = next_month
        .nth_weekday_of_month(2, jiff::civil::Weekday::Tuesday)
        .map_err(|e| StoreError::Conflict(Conflict::BadData(e.to_string())))?;
    past_meetings(store, staff, tuesday, hall, today, id, who).await?;
    let series_raw = raw(&[
        ("first_date", &second_tuesday.to_string()),
        ("start_time", "14:00"),
    ]);
    let rule = "FREQ=MONTHLY;BYDAY=2TU;COUNT=6";
    let meetings =
        crate::domain::series::plan_series(&series_raw, rule, "Europe/London", 90, Some(hall))
            .map_err(|e| StoreError::Conflict(Conflict::BadData(e.to_string())))?;
    let (_, meeting_ids) = store.create_series(tuesday, rule, &meetings).await?;
    let first = meeting_ids.first().copied().unwrap_or_default();
    for (name, answer) in [
        ("Ada", RsvpAnswer::Yes),
        ("Bill", RsvpAnswer::Yes),
        ("Dev", RsvpAnswer::Maybe),
        ("Eileen", RsvpAnswer::Yes),
    ] {
        let meeting = store.meeting(staff, first).await?;
        store.set_rsvp(&meeting, id(name), answer).await?;
    }
    for name in ["Ada", "Bill", "Eileen"] {
        store.set_rota(&who(name)?, true).await?;
    }
    let first = store.meeting(staff, first).await?;
    store.set_meeting_host(&first, Some(id("Bill"))).await?;

    let lunch = today
        .checked_add(3.weeks())
        .map_err(|e| StoreError::Conflict(Conflict::BadData(e.to_string())))?;
    let (event, starts_at) = crate::domain::social::SocialInput::parse(
        &raw(&[
            ("title", "Lunch at the Red Lion"),
            ("date", &lunch.to_string()),
            ("start_time", "12:30"),
            ("place", "The Red Lion, 2 Market Street, Hexley"),
            ("details", "Two courses for about £12; pay on the day. Partners welcome."),
            (
                "accessibility",
                "Step-free entrance at the side door, accessible toilet, quiet corner booked. Bus 42 stops outside.",
            ),
        ]),
        "Europe/London",
    )
    .map_err(|e| StoreError::Conflict(Conflict::BadData(e.to_string())))?;
    let event = store
        .create_social_event(tuesday, &event, starts_at)
        .await?;
    for (name, answer) in [
        ("Ada", RsvpAnswer::Yes),
        ("Carol", RsvpAnswer::Maybe),
        ("Eileen", RsvpAnswer::Yes),
    ] {
        store.set_social_rsvp(&event, id(name), answer).await?;
    }

    let mut poll_raw = raw(&[(
        "note",
        "The café is closed on our usual Thursday next month.",
    )]);
    for (i, days, time) in [(0, 10, "10:30"), (1, 12, "14:00"), (2, 17, "10:30")] {
        let date = today
            .checked_add(days.days())
            .map_err(|e| StoreError::Conflict(Conflict::BadData(e.to_string())))?;
        poll_raw.set(&format!("options.{i}.date"), date.to_string());
        poll_raw.set(&format!("options.{i}.start_time"), time);
    }
    let poll = crate::domain::poll::PollInput::parse(
        &poll_raw,
        "Europe/London",
        75,
        None,
        crate::store::now(),
    )
    .map_err(|e| StoreError::Conflict(Conflict::BadData(e.to_string())))?;
    let poll_id = store.create_poll(greenway, &poll, None).await?;
    let poll = store.poll_for(staff, poll_id).await?;
    let options = store.poll_options(&poll).await?;
    for (name, answers, comment) in [
        ("Hamid", ["yes", "yes", "no"], ""),
        (
            "Irene",
            ["if_need_be", "yes", "yes"],
            "Afternoons are easier for my lift.",
        ),
        ("Kath", ["no", "yes", "yes"], ""),
    ] {
        let response = crate::domain::poll::ResponseInput {
            answers: options
                .iter()
                .zip(answers)
                .map(|(o, a)| (o.id, a.parse().expect("a poll answer")))
                .collect(),
            comment: comment.into(),
        };
        store.answer_poll(&poll, id(name), &response).await?;
    }
    Ok(())
}

/// Six months of the Tuesday group's history: held meetings with who came, the topic, notes,
/// a round-up and members' feedback, so the history, search and insight pages have something
/// to show.
async fn past_meetings(
    store: &Store,
    staff: &crate::domain::access::Staff,
    tuesday: &GroupAccess,
    hall: crate::domain::ids::VenueId,
    today: jiff::civil::Date,
    id: &dyn Fn(&str) -> MemberId,
    who: &dyn Fn(&str) -> Result<MemberAccess, StoreError>,
) -> Result<(), StoreError> {
    use jiff::ToSpan;
    let start = today
        .first_of_month()
        .checked_sub(6.months())
        .and_then(|d| d.nth_weekday_of_month(2, jiff::civil::Weekday::Tuesday))
        .map_err(|e| StoreError::Conflict(Conflict::BadData(e.to_string())))?;
    let rule = "FREQ=MONTHLY;BYDAY=2TU;COUNT=6";
    let plan = crate::domain::series::plan_series(
        &raw(&[("first_date", &start.to_string()), ("start_time", "14:00")]),
        rule,
        "Europe/London",
        90,
        Some(hall),
    )
    .map_err(|e| StoreError::Conflict(Conflict::BadData(e.to_string())))?;
    let topics = [
        "Getting to know each other",
        "Eating well without giving up everything",
        "Sleep and tiredness",
        "Staying active in the cold",
        "Talking to family about diabetes",
        "Looking after your feet",
    ];
    let came: [&[&str]; 6] = [
        &["Ada", "Bill", "Carol", "Gloria"],
        &["Ada", "Bill", "Carol", "Dev", "Eileen", "Gloria"],
        &["Ada", "Bill", "Dev", "Eileen", "Frank"],
        &["Ada", "Carol", "Dev", "Eileen", "Frank"],
        &["Ada", "Bill", "Eileen"],
        &["Ada", "Bill", "Carol", "Eileen", "Frank"],
    ];
    let notes = [
        "Everyone introduced themselves. We agreed the ground rules and chose topics for the next few months.",
        "Swapping ideas for meals: smaller plates, more vegetables, the odd treat. Dev brought a lentil soup recipe.",
        "Many of us sleep badly. Routines helped: the same bedtime, no screens late, a short walk after tea.",
        "Keeping moving when it is cold and dark: chair exercises, walking indoors at the shopping centre.",
        "How to tell family what helps and what does not. Eileen shared how she talked to her son.",
        "A nurse's leaflet on foot checks. Look every day, good shoes, see the podiatrist once a year.",
    ];
    let planned: Vec<_> = plan
        .into_iter()
        .zip(topics)
        .filter(|((input, _), _)| input.date < today)
        .map(|((mut input, starts_at), topic)| {
            input.topic = topic.to_string();
            (input, starts_at)
        })
        .collect();
    if planned.is_empty() {
        return Ok(());
    }
    let (_, ids) = store.create_series(tuesday, rule, &planned).await?;
    for (i, meeting_id) in ids.into_iter().enumerate() {
        let meeting = store.meeting(staff, meeting_id).await?;
        for name in came[i] {
            store.set_rsvp(&meeting, id(name), RsvpAnswer::Yes).await?;
            store.sign_in(&meeting, id(name)).await?;
        }
        store
            .apply_meeting_event(&meeting, crate::domain::meeting::MeetingEvent::End, "")
            .await?
            .map_err(|why| StoreError::Conflict(Conflict::BadData(why.to_string())))?;
        let note = crate::domain::meeting::NotesInput {
            topics_discussed: topics[i].to_string(),
            key_points: notes[i].to_string(),
            pass_on: String::new(),
            round_up_good: "A warm, chatty meeting; everyone had a say.".into(),
            round_up_not_so_good: if i == 3 {
                "The room was cold.".into()
            } else {
                String::new()
            },
            round_up_sharing: String::new(),
        };
        store.save_notes(&meeting, &note).await?;
        for (j, name) in came[i].iter().enumerate().take(3) {
            let feedback = crate::domain::insight::FeedbackInput {
                rating: [5, 4, 4, 3, 5][(i + j) % 5],
                comment: if j == 0 && i % 2 == 1 {
                    "Good to hear how others manage.".into()
                } else {
                    String::new()
                },
            };
            store
                .save_feedback(&who(name)?, meeting_id, &feedback)
                .await?;
        }
    }
    Ok(())
}

fn raw(pairs: &[(&str, &str)]) -> RawInput {
    RawInput::of(pairs)
}

fn parse<T: for<'a> TryFrom<&'a RawInput, Error = crate::domain::FieldErrors>>(
    pairs: &[(&str, &str)],
) -> Result<T, StoreError> {
    T::try_from(&raw(pairs))
        .map_err(|e| StoreError::Conflict(Conflict::BadData(format!("demo data is invalid: {e}"))))
}

/// Fills an empty database. Returns the accounts to sign in with (role, email, password), or
/// None when the database already has accounts.
pub async fn fill_if_empty(
    store: &Store,
) -> Result<Option<Vec<(String, String, String)>>, StoreError> {
    if store.account_count().await? > 0 {
        return Ok(None);
    }
    let hash = |p: &'static str| async move {
        auth::hash_password(p)
            .await
            .map_err(|e| StoreError::Conflict(Conflict::BadData(e)))
    };
    let coordinator = store
        .create_account(
            COORDINATOR.1,
            COORDINATOR.0,
            Role::Coordinator,
            &hash(COORDINATOR.2).await?,
        )
        .await?;
    let facilitator = store
        .create_account(
            FACILITATOR.1,
            FACILITATOR.0,
            Role::Facilitator,
            &hash(FACILITATOR.2).await?,
        )
        .await?;

    let hall = store
        .insert_venue(&parse::<VenueInput>(&[
            ("name", "St Anne's Community Centre"),
            ("address", "14 Mill Lane\nHexley\nHX2 4PL"),
            ("how_to_get_there", "Buses 12 and 40 stop outside. Free car park behind the building. Use the side door with the ramp."),
            ("toilets", "Along the corridor on the left, past the kitchen."),
            ("fire_exits", "The double doors at the back of the hall, and the front entrance."),
            ("step_free", "fully"),
            ("hearing_loop", "true"),
            ("accessible_toilet", "true"),
            ("parking", "true"),
            ("requires_sign_in_sheet", "true"),
            ("capacity", "30"),
            ("booking_contact", "Janet at the centre office, 01632 960 123"),
            ("notes", "Tea urn in the kitchen cupboard. Leave the hall tidy by 4 pm."),
        ])?)
        .await?;
    let cafe = store
        .insert_venue(&parse::<VenueInput>(&[
            ("name", "Greenway Garden Centre Café"),
            ("address", "Greenway Road\nNorth Hexley\nHX5 1GG"),
            (
                "how_to_get_there",
                "Large car park. The café is at the back, past the plants.",
            ),
            ("toilets", "Inside the café, next to the counter."),
            ("fire_exits", "The glass doors to the terrace."),
            ("step_free", "partly"),
            ("parking", "true"),
            ("quiet_room", "true"),
            ("capacity", "14"),
            ("booking_contact", "Café manager, 01632 960 456"),
            (
                "notes",
                "Ask for the quiet room at the back; it can be noisy at lunchtime.",
            ),
        ])?)
        .await?;

    let tuesday = store
        .create_group(
            &coordinator,
            &parse::<GroupInput>(&[
                ("name", "Hexley Tuesday Group"),
                ("area", "North"),
                ("description", "A friendly group for people living with type 2 diabetes. We meet once a month for a cuppa and a chat."),
                ("timezone", "Europe/London"),
                ("usual_meeting_length", "90"),
                ("format", "open_ended"),
                ("ground_rules", crate::domain::group::SUGGESTED_GROUND_RULES),
                ("ground_rules_reviewed_on", "2026-09-08"),
                ("usual_venue_id", &hall.id.to_string()),
            ])?,
        )
        .await?;
    let greenway = store
        .create_group(
            &coordinator,
            &parse::<GroupInput>(&[
                ("name", "Greenway Coffee and Chat"),
                ("area", "South"),
                (
                    "description",
                    "Six meetings over six months for people newly told they have diabetes.",
                ),
                ("timezone", "Europe/London"),
                ("usual_meeting_length", "75"),
                ("open_to_new_members", "false"),
                ("format", "fixed"),
                ("number_of_meetings", "6"),
                ("usual_venue_id", &cafe.id.to_string()),
            ])?,
        )
        .await?;
    store
        .set_facilitators(
            &coordinator,
            &store.group(&coordinator, tuesday.id).await?,
            &[facilitator.id],
        )
        .await?;

    let members: [(GroupId, &[(&str, &str)]); 12] = [
        (
            tuesday.id,
            &[
                ("preferred_name", "Ada"),
                ("full_name", "Ada Thompson"),
                ("phone", "07700 900101"),
                ("preferred_contact", "phone"),
                ("needs", "hearing"),
                (
                    "needs_note",
                    "Uses the hearing loop; likes to sit near the front.",
                ),
                ("happy_to_share_story", "yes"),
                ("joined_on", "2026-03-10"),
            ],
        ),
        (
            tuesday.id,
            &[
                ("preferred_name", "Bill"),
                ("full_name", "William Harris"),
                ("phone", "07700 900102"),
                ("email", "bill.harris@example.net"),
                ("preferred_contact", "email"),
                ("happy_to_share_story", "no"),
                ("joined_on", "2026-03-10"),
            ],
        ),
        (
            tuesday.id,
            &[
                ("preferred_name", "Carol"),
                ("full_name", "Carol Mensah"),
                ("phone", "01632 960 777"),
                ("preferred_contact", "post"),
                ("needs", "sight"),
                ("needs_note", "Large print, please (at least 16 point)."),
                ("happy_to_share_story", "yes"),
                ("joined_on", "2026-03-10"),
            ],
        ),
        (
            tuesday.id,
            &[
                ("preferred_name", "Dev"),
                ("full_name", "Devinder Singh"),
                ("phone", "07700 900104"),
                ("preferred_contact", "text"),
                ("needs", "dietary"),
                ("needs_note", "Vegetarian."),
                ("happy_to_share_story", "not_asked"),
                ("joined_on", "2026-04-14"),
            ],
        ),
        (
            tuesday.id,
            &[
                ("preferred_name", "Eileen"),
                ("full_name", "Eileen O'Brien"),
                ("phone", "07700 900105"),
                ("preferred_contact", "phone"),
                ("needs", "mobility"),
                (
                    "needs_note",
                    "Walks with a frame; needs step-free access and a chair with arms.",
                ),
                ("happy_to_share_story", "yes"),
                ("joined_on", "2026-04-14"),
            ],
        ),
        (
            tuesday.id,
            &[
                ("preferred_name", "Frank"),
                ("phone", "07700 900106"),
                ("preferred_contact", "phone"),
                ("needs", "hearing;mobility"),
                ("happy_to_share_story", "no"),
                ("joined_on", "2026-05-12"),
            ],
        ),
        (
            tuesday.id,
            &[
                ("preferred_name", "Gloria"),
                ("full_name", "Gloria Bennett"),
                ("email", "gloria.b@example.com"),
                ("preferred_contact", "email"),
                ("happy_to_share_story", "yes"),
                ("joined_on", "2026-03-10"),
                ("left_on", "2026-08-11"),
            ],
        ),
        (
            greenway.id,
            &[
                ("preferred_name", "Hamid"),
                ("full_name", "Hamid Rahimi"),
                ("phone", "07700 900108"),
                ("email", "hamid@example.org"),
                ("preferred_contact", "text"),
                ("needs", "dietary"),
                ("needs_note", "Halal food only."),
                ("happy_to_share_story", "not_asked"),
                ("joined_on", "2026-09-03"),
            ],
        ),
        (
            greenway.id,
            &[
                ("preferred_name", "Irene"),
                ("full_name", "Irene Walsh"),
                ("phone", "01632 960 909"),
                ("preferred_contact", "phone"),
                ("needs", "sight;hearing"),
                ("needs_note", "Some sight loss; please read things out."),
                ("happy_to_share_story", "yes"),
                ("joined_on", "2026-09-03"),
            ],
        ),
        (
            greenway.id,
            &[
                ("preferred_name", "Jim"),
                ("phone", "07700 900110"),
                ("preferred_contact", "phone"),
                ("happy_to_share_story", "no"),
                ("joined_on", "2026-09-03"),
            ],
        ),
        (
            greenway.id,
            &[
                ("preferred_name", "Kath"),
                ("full_name", "Kathleen Doyle"),
                ("email", "kath.doyle@example.net"),
                ("preferred_contact", "email"),
                ("needs", "other"),
                ("needs_note", "Finds busy rooms hard; the quiet room helps."),
                ("happy_to_share_story", "not_asked"),
                ("joined_on", "2026-10-01"),
            ],
        ),
        (
            greenway.id,
            &[
                ("preferred_name", "Leon"),
                ("full_name", "Leon Fraser"),
                ("phone", "07700 900112"),
                ("preferred_contact", "text"),
                ("happy_to_share_story", "yes"),
                ("joined_on", "2026-10-01"),
            ],
        ),
    ];
    let mut ids = std::collections::HashMap::new();
    for (group_id, fields) in members {
        let m = store
            .create_member(
                &store.group(&coordinator, group_id).await?,
                &parse::<MemberInput>(fields)?,
            )
            .await?;
        for kind in ["contact", "records"] {
            let consent = parse::<ConsentInput>(&[("kind", kind), ("how_given", "in_person")])?;
            store.add_consent(&m, &consent).await?;
        }
        ids.insert(m.preferred_name.clone(), m);
    }
    let id = |name: &str| ids.get(name).map(|m| m.id).unwrap_or_default();
    let who = |name: &str| ids.get(name).cloned().ok_or(StoreError::NotFound);
    between_meetings(
        store,
        &coordinator,
        &store.group(&coordinator, tuesday.id).await?,
        &store.group(&coordinator, greenway.id).await?,
        hall.id,
        &id,
        &who,
    )
    .await?;
    Ok(Some(vec![
        (
            "coordinator".into(),
            COORDINATOR.1.into(),
            COORDINATOR.2.into(),
        ),
        (
            "facilitator".into(),
            FACILITATOR.1.into(),
            FACILITATOR.2.into(),
        ),
    ]))
}
