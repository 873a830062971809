//! Every meeting status against every event, through the pages and through the API: the same
//! rule (domain/meeting_status.rs) gives the same answer on both, and a refused event changes
//! nothing. Each case runs on two meetings brought to the same status, one changed by a page's
//! button and one by the API.

use serde_json::{Value, json};

use crate::both_backends;
use crate::helpers::*;
use crate::meetings::{meeting, plan_id};

const STATUSES: [&str; 4] = ["planned", "under_way", "held", "cancelled"];
const EVENTS: [&str; 4] = ["start", "end", "cancel", "reinstate"];

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
        _ => unreachable!("{from} {event}"),
    }
}

fn api_status(event: &str) -> &'static str {
    match event {
        "start" => "under_way",
        "end" => "held",
        "cancel" => "cancelled",
        _ => "planned",
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
        &[]
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
                let on_page = plan_id(&w.f1_api, w.group_a, &format!("2030-01-{day:02}")).await;
                let on_api = plan_id(&w.f1_api, w.group_a, &format!("2030-02-{day:02}")).await;
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
                        api.expect(200);
                        assert_eq!(api.json()["status"], to, "{case}: API");
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
                        let error = api.expect_json_error(409, "conflict");
                        assert_eq!(
                            error["error"]["message"].as_str().map(|m| m.replace('\'', "&#39;")),
                            Some(why.to_string()),
                            "{case}: the API says the same as the page"
                        );
                        // Nothing changed: not the status, not the version.
                        let after = meeting(&w.f1_api, on_page).await;
                        assert_eq!((&after["status"], &after["version"]), (&before["status"], &before["version"]), "{case}");
                        assert_eq!(meeting(&w.f1_api, on_api).await["status"], from, "{case}");
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
        w.f1b.post_form(&format!("/meetings/{id}/end"), &[]).await.expect(409);
        let m = meeting(&w.f1_api, id).await;
        assert_eq!((m["status"].as_str(), m["cancel_reason"].as_str()), (Some("cancelled"), Some("The hall is closed")));
        assert!(m["ended_at"].is_null() || m.get("ended_at").is_none(), "{m}");
    }
}

both_backends! {
    async fn status_changes_are_audited_once_each(app: TestApp) {
        let w = World::build(&app).await;
        let id = plan_id(&w.f1_api, w.group_a, "2030-04-02").await;
        w.f1b.post_form(&format!("/meetings/{id}/start"), &[]).await.expect(303);
        // A second tap on another device changes nothing and records nothing more.
        w.cb.post_form(&format!("/meetings/{id}/start"), &[]).await.expect(303);
        w.f1b.post_form(&format!("/meetings/{id}/end"), &[]).await.expect(303);
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
