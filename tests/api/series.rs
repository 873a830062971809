//! Recurring series: the rule makes every meeting at once, each at the same local time on
//! either side of the clock changes, and bad rules or forms are named field by field.

use serde_json::json;

use crate::both_backends;
use crate::helpers::World;

both_backends! {
    async fn a_monthly_series_keeps_its_local_time_across_both_clock_changes(app: TestApp) {
        let w = World::build(&app).await;
        let g = w.group_a;
        let res = w
            .f1_api
            .post(
                &format!("/api/v1/groups/{g}/series"),
                &json!({"first_date": "2026-09-08", "start_time": "19:00", "rrule": "FREQ=MONTHLY;BYDAY=2TU;COUNT=6"}),
            )
            .await;
        let body = res.expect(201).json();
        let starts: Vec<String> = body["meetings"]
            .as_array()
            .expect("meetings")
            .iter()
            .map(|m| m["starts_at"].as_str().unwrap_or("").to_string())
            .collect();
        assert_eq!(
            starts,
            [
                "2026-09-08T19:00:00+01:00",
                "2026-10-13T19:00:00+01:00",
                "2026-11-10T19:00:00+00:00",
                "2026-12-08T19:00:00+00:00",
                "2027-01-12T19:00:00+00:00",
                "2027-02-09T19:00:00+00:00",
            ]
        );
        // And into spring: weekly across the change at the end of March.
        let body = w
            .f1_api
            .post(
                &format!("/api/v1/groups/{g}/series"),
                &json!({"first_date": "2027-03-23", "start_time": "19:00", "rrule": "FREQ=WEEKLY;COUNT=3"}),
            )
            .await
            .expect(201)
            .json();
        let starts: Vec<&str> = body["meetings"].as_array().expect("meetings").iter().map(|m| m["starts_at"].as_str().unwrap_or("")).collect();
        assert_eq!(starts, ["2027-03-23T19:00:00+00:00", "2027-03-30T19:00:00+01:00", "2027-04-06T19:00:00+01:00"]);
        // Nine meetings in the group's list, each its own: one can be cancelled alone.
        let list = w.f1_api.get(&format!("/api/v1/groups/{g}/meetings")).await.expect(200).json();
        assert_eq!(list["meetings"].as_array().map(Vec::len), Some(9));
        let one = body["meetings"][1]["id"].as_i64().expect("id");
        w.f1_api
            .patch(&format!("/api/v1/meetings/{one}"), &json!({"status": "cancelled", "cancel_reason": "Easter"}))
            .await
            .expect(200);
        let other = body["meetings"][2]["id"].as_i64().expect("id");
        let m = w.f1_api.get(&format!("/api/v1/meetings/{other}")).await.expect(200).json();
        assert_eq!(m["status"], "planned");
    }
}

both_backends! {
    async fn bad_series_are_refused_field_by_field_and_plan_nothing(app: TestApp) {
        let w = World::build(&app).await;
        let g = w.group_a;
        let res = w
            .f1_api
            .post(&format!("/api/v1/groups/{g}/series"), &json!({"first_date": "2026-02-30", "start_time": "soon", "rrule": "FREQ=DAILY"}))
            .await;
        res.expect_invalid_fields(&["first_date", "rrule", "start_time"]);
        // A rule that lands on a time skipped by the clocks is refused whole.
        let res = w
            .f1_api
            .post(&format!("/api/v1/groups/{g}/series"), &json!({"first_date": "2027-03-14", "start_time": "01:30", "rrule": "FREQ=WEEKLY;COUNT=3"}))
            .await;
        res.expect_invalid_fields(&["start_time"]);
        let list = w.f1_api.get(&format!("/api/v1/groups/{g}/meetings")).await.expect(200).json();
        assert_eq!(list["meetings"].as_array().map(Vec::len), Some(0));
        // Another group's facilitator cannot plan for this group.
        w.f2_api
            .post(&format!("/api/v1/groups/{g}/series"), &json!({"first_date": "2026-09-08", "start_time": "19:00", "rrule": "FREQ=WEEKLY;COUNT=2"}))
            .await
            .expect(404);
        // The form: plain choices, errors next to the fields, values kept.
        let res = w
            .f1b
            .post_form(&format!("/groups/{g}/series/new"), &[("first_date", ""), ("start_time", "19:00"), ("repeat", "hourly"), ("count", "500")])
            .await;
        res.expect(422)
            .expect_field_error("first_date", "Enter the date of the first meeting.")
            .expect_field_error("repeat", "Choose how often the group meets.")
            .expect_field_error("count", "Enter a number from 1 to 60.")
            .expect_value("start_time", "19:00");
        let res = w
            .f1b
            .post_form(&format!("/groups/{g}/series/new"), &[("first_date", "2026-09-08"), ("start_time", "7pm"), ("repeat", "monthly_weekday"), ("count", "6")])
            .await;
        res.expect_redirect(&format!("/groups/{g}/meetings"));
        let list = w.f1_api.get(&format!("/api/v1/groups/{g}/meetings")).await.expect(200).json();
        let dates: Vec<&str> = list["meetings"].as_array().expect("list").iter().map(|m| m["date"].as_str().unwrap_or("")).collect();
        assert_eq!(dates, ["2026-09-08", "2026-10-13", "2026-11-10", "2026-12-08", "2027-01-12", "2027-02-09"]);
    }
}
