//! Every meeting status against every event, through the pages and through the API: the same
//! rule (domain/meeting_status.rs) gives the same answer on both, and a refused event changes
//! nothing. Each case runs on two meetings brought to the same status, one changed by a page's
//! button and one by the API.

use serde_json::{Value, json};

use crate::both_backends;
use crate::helpers::*;
use crate::meetings::{meeting, plan_id};

const STATUSES: [&str; 4] = ["planned", "under_way", "held", "cancelled"];
const EVENTS: [&str; 6] = ["start", "end", "cancel", "reinstate", "unstart", "reopen"];

/// The answer for each status and event: the status it moves to (or stays at), or the words of
/// the refusal.
fn expected(from: &str, event: &str) -> Result<&'static str, &'static str> {
    match (from, event) {
        ("planned", "start") => Ok("under_way"),
        ("planned", "end") => Ok("held"),
        ("planned", "cancel") => Ok("cancelled"),
        ("planned", "reinstate") => Ok("planned"),
        ("under_way", "start") => Ok("under_way"),
        ("under_way", "end") => Ok("held"),
        ("under_way", "cancel") => Ok("cancelled"),
        ("under_way", "reinstate") => Err("Only a cancelled meeting can be put back on."),
        ("held", "start") => {
            Err("This meeting has already ended. Its record is on the meeting&#39;s notes page.")
        }
        ("held", "end") => Ok("held"),
        ("held", "cancel") => Ok("cancelled"),
        ("held", "reinstate") => Err("Only a cancelled meeting can be put back on."),
        ("cancelled", "start") => {
            Err("This meeting was cancelled, so it cannot start. Put it back on first.")
        }
        ("cancelled", "end") => {
            Err("This meeting was cancelled, so it cannot be marked as held. Put it back on first.")
        }
        ("cancelled", "cancel") => Ok("cancelled"),
        ("cancelled", "reinstate") => Ok("planned"),
        ("planned", "unstart") => Ok("planned"),
        ("under_way", "unstart") => Ok("planned"),
        ("held", "unstart") => Err(
            "This meeting has already ended, so it cannot go back to planned. Reopen it instead.",
        ),
        ("cancelled", "unstart") => Err("This meeting was cancelled. Put it back on first."),
        ("planned" | "cancelled", "reopen") => {
            Err("Only a meeting that has ended can be reopened.")
        }
        ("under_way", "reopen") => Ok("under_way"),
        ("held", "reopen") => Ok("under_way"),
        _ => unreachable!("{from} {event}"),
    }
}

fn api_status(event: &str) -> &'static str {
    match event {
        "start" | "reopen" => "under_way",
        "end" => "held",
        "cancel" => "cancelled",
        _ => "planned",
    }
}

/// The API names the status to reach, not the event: the event it means depends on where the
/// meeting is ("planned" undoes a start, or puts a cancelled meeting back on; "under_way"
/// starts a planned meeting, or reopens a held one).
fn api_event(from: &str, event: &str) -> &'static str {
    match (from, api_status(event)) {
        ("under_way", "planned") => "unstart",
        (_, "planned") => "reinstate",
        ("held", "under_way") => "reopen",
        (_, "under_way") => "start",
        (_, "held") => "end",
        _ => "cancel",
    }
}

/// Brings a planned meeting to a status through the API.
async fn bring_to(api: &Api, id: i64, status: &str) {
    if status == "planned" {
        return;
    }
    let body = if status == "cancelled" {
        json!({"status": "cancelled", "cancel_reason": "The hall is closed"})
    } else {
        json!({"status": status})
    };
    api.patch(&format!("/api/v1/meetings/{id}"), &body)
        .await
        .expect(200);
    assert_eq!(meeting(api, id).await["status"], status);
}

async fn by_page(b: &Browser, id: i64, event: &str) -> Resp {
    let fields: &[(&str, &str)] = if event == "cancel" {
        &[("cancel_reason", "Snow")]
    } else {
        &[("confirm", "yes")]
    };
    b.post_form(&format!("/meetings/{id}/{event}"), fields)
        .await
}

async fn by_api(api: &Api, id: i64, event: &str) -> Resp {
    let mut body = json!({"status": api_status(event)});
    if event == "cancel" {
        body["cancel_reason"] = Value::from("Snow");
    }
    api.patch(&format!("/api/v1/meetings/{id}"), &body).await
}

both_backends! {
    async fn every_status_against_every_event_answers_alike_on_pages_and_api(app: TestApp) {
        let w = World::build(&app).await;
        let mut day = 1;
        for from in STATUSES {
            for event in EVENTS {
                // Days gone by: a meeting can be held only once its day has come.
                let on_page = plan_id(&w.f1_api, w.group_a, &format!("2026-01-{day:02}")).await;
                let on_api = plan_id(&w.f1_api, w.group_a, &format!("2026-02-{day:02}")).await;
                day += 1;
                bring_to(&w.f1_api, on_page, from).await;
                bring_to(&w.f1_api, on_api, from).await;
                let before = meeting(&w.f1_api, on_page).await;
                let page = by_page(&w.f1b, on_page, event).await;
                let api = by_api(&w.f1_api, on_api, event).await;
                let case = format!("{from} + {event}");
                match expected(from, event) {
                    Ok(to) => {
                        assert_eq!(page.status.as_u16(), 303, "{case}: page {}", page.text);
                        assert_eq!(meeting(&w.f1_api, on_page).await["status"], to, "{case}: page");
                    }
                    Err(why) => {
                        if (from, event) == ("held", "start") {
                            // A stale page's "Start" on a meeting that has ended leads to its
                            // record, with the reason on top.
                            page.expect_redirect(&format!("/meetings/{on_page}/notes"));
                            w.f1b.get(&page.location()).await.expect(200).expect_contains(why);
                        } else {
                            page.expect(409).expect_contains(why);
                        }
                        // Nothing changed: not the status, not the version.
                        let after = meeting(&w.f1_api, on_page).await;
                        assert_eq!((&after["status"], &after["version"]), (&before["status"], &before["version"]), "{case}");
                    }
                }
                // The API, asked for the status the page's button leads to, follows the same
                // table for the event that status means from here, and says the same words.
                let api_case = format!("{from} + {} (API)", api_event(from, event));
                match expected(from, api_event(from, event)) {
                    Ok(to) => {
                        api.expect(200);
                        assert_eq!(api.json()["status"], to, "{api_case}");
                    }
                    Err(why) => {
                        let error = api.expect_json_error(409, "conflict");
                        assert_eq!(
                            error["error"]["message"].as_str().map(|m| m.replace('\'', "&#39;")),
                            Some(why.to_string()),
                            "{api_case}: the API says the same as the page"
                        );
                        assert_eq!(meeting(&w.f1_api, on_api).await["status"], from, "{api_case}");
                    }
                }
            }
        }
    }
}

both_backends! {
    async fn ending_a_cancelled_meeting_leaves_it_cancelled_and_out_of_the_figures(app: TestApp) {
        // Before the table, "end" on a cancelled meeting marked it held, so it counted as met.
        let w = World::build(&app).await;
        let id = plan_id(&w.f1_api, w.group_a, "2030-03-05").await;
        bring_to(&w.f1_api, id, "cancelled").await;
        w.f1b.post_form(&format!("/meetings/{id}/end"), &[("confirm", "yes")]).await.expect(409);
        let m = meeting(&w.f1_api, id).await;
        assert_eq!((m["status"].as_str(), m["cancel_reason"].as_str()), (Some("cancelled"), Some("The hall is closed")));
        assert!(m["ended_at"].is_null() || m.get("ended_at").is_none(), "{m}");
    }
}

both_backends! {
    async fn status_changes_are_audited_once_each(app: TestApp) {
        let w = World::build(&app).await;
        let id = plan_id(&w.f1_api, w.group_a, "2026-04-07").await;
        w.f1b.post_form(&format!("/meetings/{id}/start"), &[("confirm", "yes")]).await.expect(303);
        // A second tap on another device changes nothing and records nothing more.
        w.cb.post_form(&format!("/meetings/{id}/start"), &[("confirm", "yes")]).await.expect(303);
        w.f1b.post_form(&format!("/meetings/{id}/end"), &[("confirm", "yes")]).await.expect(303);
        let trail = app.store.audit_for(&format!("meeting:{id}"), 10).await.expect("audit");
        let actions: Vec<(&str, String)> = trail.iter().rev().map(|e| (e.action.as_str(), e.actor.clone())).collect();
        assert_eq!(
            actions,
            [("started the meeting", w.f1.actor()), ("ended the meeting", w.f1.actor())]
        );
    }
}

both_backends! {
    async fn an_api_update_is_all_or_nothing(app: TestApp) {
        // The API's update used to write the move, then find the status bad: a 422 or 409
        // that had already moved the meeting.
        let w = World::build(&app).await;
        let id = plan_id(&w.f1_api, w.group_a, "2030-05-07").await;
        let path = format!("/api/v1/meetings/{id}");
        let before = meeting(&w.f1_api, id).await;

        // A bad status with a good new date: nothing is written.
        w.f1_api.patch(&path, &json!({"date": "2030-05-14", "status": "finished"})).await
            .expect_invalid_fields(&["status"]);
        // Every bad field is named at once.
        w.f1_api.patch(&path, &json!({"date": "2030-02-30", "status": "finished", "current_step": "two"})).await
            .expect_invalid_fields(&["date", "status", "current_step"]);
        // Cancelling without a reason, with a move: nothing is written.
        w.f1_api.patch(&path, &json!({"start_time": "18:00", "status": "cancelled"})).await
            .expect_invalid_fields(&["cancel_reason"]);
        let after = meeting(&w.f1_api, id).await;
        assert_eq!(
            (&after["date"], &after["start_time"], &after["status"], &after["version"]),
            (&before["date"], &before["start_time"], &before["status"], &before["version"]),
            "a refused update changed the meeting"
        );

        // A status the meeting cannot take (ending a cancelled meeting), with a move: refused
        // by the table before the move is written.
        bring_to(&w.f1_api, id, "cancelled").await;
        let cancelled = meeting(&w.f1_api, id).await;
        w.f1_api.patch(&path, &json!({"date": "2030-05-21", "status": "held"})).await
            .expect_json_error(409, "conflict");
        let after = meeting(&w.f1_api, id).await;
        assert_eq!(
            (&after["date"], &after["status"], &after["version"]),
            (&cancelled["date"], &cancelled["status"], &cancelled["version"]),
            "a refused status still moved the meeting"
        );

        // And a good request still does both.
        w.f1_api.patch(&path, &json!({"date": "2030-05-21", "status": "planned"})).await.expect(200);
        let after = meeting(&w.f1_api, id).await;
        assert_eq!((after["date"].as_str(), after["status"].as_str()), (Some("2030-05-21"), Some("planned")));
    }
}

/// The day of a meeting planned in the test groups' zone (Europe/London), as YYYY-MM-DD.
fn day_from_today(days: i64) -> String {
    let today = hearth::labels::today_in("Europe/London");
    today
        .checked_add(jiff::Span::new().days(days))
        .expect("a date")
        .to_string()
}

both_backends! {
    async fn starting_before_the_day_asks_first_and_can_be_undone(app: TestApp) {
        let w = World::build(&app).await;
        let later = plan_id(&w.f1_api, w.group_a, "2030-01-15").await;
        let today = plan_id(&w.f1_api, w.group_a, &day_from_today(0)).await;

        // On its day, "Start the meeting" is the main button; weeks ahead it is a quiet one
        // that asks first.
        w.f1b.get(&format!("/meetings/{today}")).await.expect(200)
            .expect_contains(">Start the meeting</button>").expect_lacks("Start it now instead");
        w.f1b.get(&format!("/meetings/{later}")).await.expect(200)
            .expect_lacks(">Start the meeting</button>").expect_contains("Start it now instead…");

        // Pressed weeks ahead: a question naming the day, and nothing changes until it is answered.
        w.f1b.post_form(&format!("/meetings/{later}/start"), &[]).await.expect(200)
            .expect_contains("This meeting is on Tuesday 15 January 2030. Start it now?")
            .expect_contains("name=\"confirm\" value=\"yes\"")
            .expect_contains(&format!("href=\"/meetings/{later}\""));
        assert_eq!(meeting(&w.f1_api, later).await["status"], "planned");
        w.f1b.post_form(&format!("/meetings/{later}/start"), &[("confirm", "yes")]).await
            .expect_redirect(&format!("/meetings/{later}/run"));
        assert_eq!(meeting(&w.f1_api, later).await["status"], "under_way");

        // Started by mistake: put back to planned, as if never started, and audited.
        w.f1b.get(&format!("/meetings/{later}")).await.expect_contains(&format!("action=\"/meetings/{later}/unstart\""));
        w.f1b.post_form(&format!("/meetings/{later}/unstart"), &[]).await.expect_redirect(&format!("/meetings/{later}"));
        let m = meeting(&w.f1_api, later).await;
        assert_eq!((m["status"].as_str(), m["current_step"].as_i64()), (Some("planned"), Some(0)), "{m}");
        assert!(m["started_at"].is_null(), "{m}");
        let trail = app.store.audit_for(&format!("meeting:{later}"), 10).await.expect("audit");
        let actions: Vec<&str> = trail.iter().rev().map(|e| e.action.as_str()).collect();
        assert_eq!(actions, ["started the meeting", "undid the start of the meeting"]);

        // On its day it starts at once.
        w.f1b.post_form(&format!("/meetings/{today}/start"), &[]).await
            .expect_redirect(&format!("/meetings/{today}/run"));
    }
}

both_backends! {
    async fn a_meeting_is_never_held_before_its_day(app: TestApp) {
        let w = World::build(&app).await;
        let later = plan_id(&w.f1_api, w.group_a, "2030-01-15").await;
        w.f1b.post_form(&format!("/meetings/{later}/start"), &[("confirm", "yes")]).await.expect(303);
        let why = "This meeting&#39;s day has not come yet, so it cannot be marked as held.";
        // Not on the page (not even to ask), not with the confirmation, not through the API.
        w.f1b.post_form(&format!("/meetings/{later}/end"), &[]).await.expect(409).expect_contains(why);
        w.f1b.post_form(&format!("/meetings/{later}/end"), &[("confirm", "yes")]).await.expect(409).expect_contains(why);
        w.f1_api.patch(&format!("/api/v1/meetings/{later}"), &json!({"status": "held"})).await
            .expect_json_error(409, "conflict");
        assert_eq!(meeting(&w.f1_api, later).await["status"], "under_way");
        // Moved to today in the same request, it can be.
        let moved = w.f1_api.patch(&format!("/api/v1/meetings/{later}"), &json!({"date": day_from_today(0), "status": "held"})).await;
        moved.expect(200);
        assert_eq!(moved.json()["status"], "held");
        // Nor, once held, moved to a day still to come: not through the API, not on the
        // page (the date named, what was typed kept); to a day that has come, it can be.
        w.f1_api.patch(&format!("/api/v1/meetings/{later}"), &json!({"date": "2030-01-15"})).await
            .expect_invalid_fields(&["date"]);
        let page = w.f1b.post_form(&format!("/meetings/{later}/edit"), &[("date", "2030-01-15"), ("start_time", "19:00"), ("duration_minutes", "90"), ("topic", "Sleep")]).await;
        page.expect(422).expect_field_error("date", "cannot be a day still to come").expect_value("topic", "Sleep");
        let m = meeting(&w.f1_api, later).await;
        assert_eq!((m["status"].as_str(), m["date"].as_str()), (Some("held"), Some(day_from_today(0).as_str())), "{m}");
        w.f1_api.patch(&format!("/api/v1/meetings/{later}"), &json!({"date": day_from_today(-1)})).await.expect(200);
        // The overview's "last met" never shows a day to come.
        w.cb.get("/overview").await.expect(200).expect_lacks("15 January 2030");
    }
}

both_backends! {
    async fn ending_saves_what_was_typed_asks_first_and_can_be_reopened(app: TestApp) {
        let w = World::build(&app).await;
        let id = plan_id(&w.f1_api, w.group_a, "2026-01-06").await;
        w.f1b.post_form(&format!("/meetings/{id}/start"), &[("confirm", "yes")]).await.expect(303);
        let last = meeting(&w.f1_api, id).await["agenda"].as_array().map(Vec::len).expect("steps") - 1;
        let last = last.to_string();

        // "Next" carries the step's notes: they are saved before the move.
        w.f1b.post_form(&format!("/meetings/{id}/run/step"), &[("step", "1"), ("position", "0"), ("notes", "Tea urn was broken")]).await
            .expect_redirect(&format!("/meetings/{id}/run"));
        let m = meeting(&w.f1_api, id).await;
        assert_eq!((m["current_step"].as_i64(), m["agenda"][0]["notes"].as_str()), (Some(1), Some("Tea urn was broken")), "{m}");

        // "End the meeting" pressed with the round-up still in its boxes (no script to save
        // it): it is saved, and the page asks before ending.
        w.f1b.post_form(&format!("/meetings/{id}/run/step"), &[("step", &last)]).await.expect(303);
        let ask = w.f1b.post_form(&format!("/meetings/{id}/end"), &[
            ("position", &last), ("notes", "Questions about the next trip"),
            ("round_up_good", "Lots of laughter"), ("round_up_not_so_good", "Cold room"), ("round_up_sharing", "Sleep tips"),
        ]).await;
        ask.expect(200).expect_contains("End the meeting?").expect_contains("What you typed during the meeting has been saved.")
            .expect_contains(&format!("action=\"/meetings/{id}/end\"")).expect_contains(&format!("href=\"/meetings/{id}/run\""));
        let m = meeting(&w.f1_api, id).await;
        assert_eq!(m["status"], "under_way", "not ended before the answer");
        assert_eq!((m["round_up_good"].as_str(), m["round_up_not_so_good"].as_str(), m["round_up_sharing"].as_str()), (Some("Lots of laughter"), Some("Cold room"), Some("Sleep tips")), "{m}");
        assert_eq!(m["agenda"][last.parse::<usize>().expect("n")]["notes"], "Questions about the next trip");

        w.f1b.post_form(&format!("/meetings/{id}/end"), &[("confirm", "yes")]).await.expect_redirect(&format!("/meetings/{id}/notes"));
        let notes = w.f1b.get(&format!("/meetings/{id}/notes")).await;
        notes.expect(200).expect_contains("Lots of laughter").expect_contains(&format!("action=\"/meetings/{id}/reopen\""));

        // Ended by mistake: reopened, under way again where it was, and audited.
        w.f1b.post_form(&format!("/meetings/{id}/reopen"), &[]).await.expect_redirect(&format!("/meetings/{id}/run"));
        let m = meeting(&w.f1_api, id).await;
        assert_eq!((m["status"].as_str(), m["current_step"].as_i64()), (Some("under_way"), last.parse().ok()), "{m}");
        assert!(m["ended_at"].is_null(), "{m}");
        let trail = app.store.audit_for(&format!("meeting:{id}"), 10).await.expect("audit");
        let actions: Vec<&str> = trail.iter().rev().map(|e| e.action.as_str()).filter(|a| !a.starts_with("viewed")).collect();
        assert_eq!(actions, ["started the meeting", "ended the meeting", "reopened the meeting"]);
        // A held meeting cannot go back to planned; an under-way one is not "reopened" twice.
        w.f1b.post_form(&format!("/meetings/{id}/reopen"), &[]).await.expect(303);
        w.f1b.post_form(&format!("/meetings/{id}/end"), &[("confirm", "yes")]).await.expect(303);
        w.f1b.post_form(&format!("/meetings/{id}/unstart"), &[]).await.expect(409).expect_contains("Reopen it instead.");
    }
}

both_backends! {
    /// Meetings marked held before their day by the old one-tap "End" go back to planned when
    /// Hearth is upgraded (migration 0027), with what was recorded kept and an audit event
    /// saying why; a meeting held on its day stays held.
    async fn meetings_marked_held_before_their_day_go_back_to_planned(app: TestApp) {
        let w = World::build(&app).await;
        let future = plan_id(&w.f1_api, w.group_a, "2031-03-04").await;
        let past = plan_id(&w.f1_api, w.group_a, "2020-03-03").await;
        w.f1_api.post(&format!("/api/v1/meetings/{future}/attendance"), &json!({"guest_name": "Gina Guest"})).await.expect(201);
        w.f1_api.put(&format!("/api/v1/meetings/{past}"), &json!({"status": "held"})).await.expect(200);
        // What the old version could do; then the upgrade runs again.
        app.raw_sql(&format!(
            "UPDATE meetings SET status = 'held' WHERE id = {future};
             DELETE FROM _sqlx_migrations WHERE version = 27;"
        ))
        .await;
        assert_eq!(meeting(&w.f1_api, future).await["status"], "held");
        let upgraded = app.another_instance().await;
        let api = w.f1_api.with_base(&upgraded);
        assert_eq!(meeting(&api, future).await["status"], "planned");
        assert_eq!(meeting(&api, past).await["status"], "held");
        let rows = api.get(&format!("/api/v1/meetings/{future}/attendance")).await.json()["attendance"].as_array().expect("rows").len();
        assert_eq!(rows, 1, "what was recorded is kept");
        let audit = app.store.audit_for(&format!("meeting:{future}"), 10).await.expect("audit");
        assert!(audit.iter().any(|e| e.action.contains("marked held before its day") && e.actor == "system:upgrade"), "{audit:?}");
        assert!(!app.store.audit_for(&format!("meeting:{past}"), 10).await.expect("audit").iter().any(|e| e.action.contains("before its day")));
    }
}
