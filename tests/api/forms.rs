//! Groups, venues and members through the HTML forms: create, view, edit, and bad input for
//! every form, answered with 422, each message next to its field and what was typed kept.

use crate::both_backends;
use crate::helpers::*;
use hearth::domain::ids::{GroupId, MemberId};

both_backends! {
    async fn groups_create_view_edit(app: TestApp) {
        let (c, cb) = app.coordinator().await;
        let venue = cb
            .post_form("/venues/new", &[("name", VENUE)])
            .await
            .created_id("/venues/");

        // The new-group form starts from sensible defaults and the suggested ground rules.
        let form = cb.get("/groups/new").await;
        form.expect(200);
        form.expect_value("timezone", "Europe/London");
        form.expect_value("usual_meeting_length", "90");
        form.expect_value("format", "open_ended");
        assert!(html::field_value(&form.text, "ground_rules").unwrap().contains("stays in the group"));

        // Bad input: every field named, everything typed kept, nothing stored.
        let res = cb
            .post_form(
                "/groups/new",
                &[
                    ("name", ""),
                    ("description", "For anyone living with diabetes."),
                    ("timezone", "Mars/Olympus"),
                    ("usual_meeting_length", "five"),
                    ("open_to_new_members", "false"),
                    ("format", "fixed"),
                    ("number_of_meetings", ""),
                    ("ground_rules", "Be kind."),
                    ("ground_rules_reviewed_on", "31/02/2026"),
                ],
            )
            .await;
        res.expect(422);
        res.expect_field_error("name", "Enter the group's name.");
        res.expect_field_error("timezone", "is not a time zone we know");
        res.expect_field_error("usual_meeting_length", "whole number");
        res.expect_field_error("number_of_meetings", "Enter how many meetings");
        res.expect_field_error("ground_rules_reviewed_on", "Enter a real date");
        res.expect_value("description", "For anyone living with diabetes.");
        res.expect_value("timezone", "Mars/Olympus");
        res.expect_value("usual_meeting_length", "five");
        res.expect_value("open_to_new_members", "false");
        res.expect_value("format", "fixed");
        res.expect_value("ground_rules", "Be kind.");
        res.expect_value("ground_rules_reviewed_on", "31/02/2026");
        let res = cb
            .post_form(
                "/groups/new",
                &[("name", "Thursday Friends"), ("usual_meeting_length", "5"), ("usual_venue_id", "999999"), ("number_of_meetings", "0")],
            )
            .await;
        res.expect(422);
        res.expect_field_error("usual_meeting_length", "Enter a number from 15 to 480.");
        res.expect_field_error("number_of_meetings", "Enter a number from 1 to 200.");
        res.expect_value("name", "Thursday Friends");
        let res = cb
            .post_form("/groups/new", &[("name", "Thursday Friends"), ("usual_venue_id", "999999")])
            .await;
        res.expect(422);
        res.expect_field_error("usual_venue_id", "no longer exists");
        res.expect_value("name", "Thursday Friends");
        let res = cb.post_form("/groups/new", &[("name", "Thursday Friends"), ("usual_venue_id", "abc")]).await;
        res.expect(422);
        res.expect_field_error("usual_venue_id", "Choose a venue from the list.");
        let long = "x".repeat(121);
        cb.post_form("/groups/new", &[("name", long.as_str())])
            .await
            .expect(422)
            .expect_field_error("name", "Use 120 characters or fewer.");
        assert!(app.store.groups_for(&c).await.unwrap().is_empty(), "a bad form stored a group");

        // Good input.
        let id = cb
            .post_form(
                "/groups/new",
                &[
                    ("name", "Thursday Friends"),
                    ("description", "For anyone living with diabetes."),
                    ("timezone", "Europe/Dublin"),
                    ("usual_meeting_length", "90"),
                    ("open_to_new_members", "false"),
                    ("format", "fixed"),
                    ("number_of_meetings", "6"),
                    ("ground_rules", "Be kind.\nPhones off."),
                    ("ground_rules_reviewed_on", "2026-03-03"),
                    ("usual_venue_id", &venue.to_string()),
                ],
            )
            .await
            .created_id("/groups/");
        let page = cb.get(&format!("/groups/{id}")).await;
        page.expect(200)
            .expect_contains("Thursday Friends")
            .expect_contains("has been added")
            .expect_contains("For anyone living with diabetes.")
            .expect_contains("1 hour 30 minutes")
            .expect_contains("A course of 6 meetings")
            .expect_contains("Closed to new members")
            .expect_contains("Europe/Dublin")
            .expect_contains(VENUE)
            .expect_contains("Phones off.")
            .expect_contains("3 March 2026");
        cb.get("/groups").await.expect(200).expect_contains("Thursday Friends");
        cb.get("/").await.expect(200).expect_contains("Thursday Friends");

        // The edit form shows what is stored.
        let edit = cb.get(&format!("/groups/{id}/edit")).await;
        edit.expect(200);
        edit.expect_value("name", "Thursday Friends");
        edit.expect_value("timezone", "Europe/Dublin");
        edit.expect_value("number_of_meetings", "6");
        edit.expect_value("usual_venue_id", &venue.to_string());
        edit.expect_value("ground_rules_reviewed_on", "2026-03-03");
        edit.expect_value("open_to_new_members", "false");

        // Bad edits change nothing.
        let res = cb
            .post_form(
                &format!("/groups/{id}/edit"),
                &[("name", ""), ("description", "Changed words"), ("timezone", "Nowhere/Special"), ("format", "weekly")],
            )
            .await;
        res.expect(422);
        res.expect_field_error("name", "Enter the group's name.");
        res.expect_field_error("timezone", "is not a time zone we know");
        res.expect_field_error("format", "Choose open-ended or a fixed number of meetings.");
        res.expect_value("description", "Changed words");
        res.expect_value("timezone", "Nowhere/Special");
        let g = app.store.group_for(&c, GroupId(id)).await.unwrap();
        assert_eq!(g.name, "Thursday Friends");
        assert_eq!(g.description, "For anyone living with diabetes.");

        // A good edit.
        cb.post_form(
            &format!("/groups/{id}/edit"),
            &[("name", "Thursday Friends, Riverside"), ("timezone", "Europe/London"), ("usual_meeting_length", "120"), ("format", "open_ended"), ("open_to_new_members", "true")],
        )
        .await
        .expect_redirect(&format!("/groups/{id}"));
        cb.get(&format!("/groups/{id}"))
            .await
            .expect(200)
            .expect_contains("Thursday Friends, Riverside")
            .expect_contains("2 hours")
            .expect_contains("Open-ended")
            .expect_contains("Open to new members");
        let g = app.store.group_for(&c, GroupId(id)).await.unwrap();
        assert_eq!(g.usual_meeting_length, 120);
        assert_eq!(g.number_of_meetings, None);
        assert!(g.open_to_new_members);

        cb.get("/groups/999999/edit").await.expect(404);
        cb.post_form("/groups/999999/edit", &[("name", "Ghost")]).await.expect(404);
    }
}

both_backends! {
    async fn venues_create_view_edit(app: TestApp) {
        let (_, cb) = app.coordinator().await;
        cb.get("/venues").await.expect(200);
        cb.get("/venues/new").await.expect(200).expect_value("step_free", "no");

        let res = cb
            .post_form(
                "/venues/new",
                &[("name", ""), ("address", "1 High Street\nTownsville"), ("step_free", "maybe"), ("capacity", "-3"), ("hearing_loop", "true")],
            )
            .await;
        res.expect(422);
        res.expect_field_error("name", "Enter the venue's name.");
        res.expect_field_error("step_free", "Choose fully, partly or not step-free.");
        res.expect_field_error("capacity", "Enter a number from 1 to 10000.");
        res.expect_value("address", "1 High Street\nTownsville");
        res.expect_value("capacity", "-3");
        res.expect_value("hearing_loop", "true");
        let res = cb.post_form("/venues/new", &[("name", "The Hall"), ("capacity", "lots")]).await;
        res.expect(422);
        res.expect_field_error("capacity", "whole number");
        res.expect_value("name", "The Hall");
        let long = "y".repeat(1001);
        cb.post_form("/venues/new", &[("name", "The Hall"), ("address", long.as_str())])
            .await
            .expect(422)
            .expect_field_error("address", "Use 1000 characters or fewer.");
        assert!(app.store.venues().await.unwrap().is_empty());

        let id = cb
            .post_form(
                "/venues/new",
                &[
                    ("name", "Garden Centre Café"),
                    ("address", "Mill Lane"),
                    ("how_to_get_there", "Bus 12 to the garden centre"),
                    ("toilets", "By the till"),
                    ("fire_exits", "Behind the café"),
                    ("step_free", "partly"),
                    ("hearing_loop", "true"),
                    ("accessible_toilet", "true"),
                    ("requires_sign_in_sheet", "true"),
                    ("capacity", "30"),
                    ("booking_contact", "Sam, 01632 960000"),
                    ("notes", "Ask for the back room"),
                ],
            )
            .await
            .created_id("/venues/");
        cb.get(&format!("/venues/{id}"))
            .await
            .expect(200)
            .expect_contains("Garden Centre Café")
            .expect_contains("Mill Lane")
            .expect_contains("Bus 12 to the garden centre")
            .expect_contains("By the till")
            .expect_contains("Behind the café")
            .expect_contains("Partly step-free")
            .expect_contains("Hearing loop")
            .expect_contains("Accessible toilet")
            .expect_contains("Sam, 01632 960000");
        cb.get("/venues").await.expect(200).expect_contains("Garden Centre Café");
        let v = app.store.venue(hearth::domain::ids::VenueId(id)).await.unwrap();
        assert!(v.hearing_loop && v.accessible_toilet && v.requires_sign_in_sheet && !v.parking && !v.quiet_room);
        assert_eq!(v.capacity, Some(30));

        let edit = cb.get(&format!("/venues/{id}/edit")).await;
        edit.expect(200);
        edit.expect_value("name", "Garden Centre Café");
        edit.expect_value("step_free", "partly");
        edit.expect_value("capacity", "30");
        edit.expect_value("hearing_loop", "true");
        edit.expect_value("notes", "Ask for the back room");

        let res = cb
            .post_form(&format!("/venues/{id}/edit"), &[("name", ""), ("capacity", "0"), ("notes", "Changed notes")])
            .await;
        res.expect(422);
        res.expect_field_error("name", "Enter the venue's name.");
        res.expect_field_error("capacity", "Enter a number from 1 to 10000.");
        res.expect_value("notes", "Changed notes");
        assert_eq!(app.store.venue(hearth::domain::ids::VenueId(id)).await.unwrap().name, "Garden Centre Café");

        cb.post_form(
            &format!("/venues/{id}/edit"),
            &[("name", "Garden Centre Café (upstairs)"), ("step_free", "fully"), ("parking", "true")],
        )
        .await
        .expect_redirect(&format!("/venues/{id}"));
        let v = app.store.venue(hearth::domain::ids::VenueId(id)).await.unwrap();
        assert_eq!(v.name, "Garden Centre Café (upstairs)");
        assert_eq!(v.step_free, "fully");
        assert!(v.parking && !v.hearing_loop, "unticked boxes are saved as no");
        assert_eq!(v.capacity, None);
        cb.get(&format!("/venues/{id}")).await.expect(200).expect_contains("Fully step-free");

        cb.get("/venues/999999").await.expect(404);
        cb.get("/venues/999999/edit").await.expect(404);
        cb.post_form("/venues/999999/edit", &[("name", "Ghost")]).await.expect(404);
    }
}

both_backends! {
    async fn members_create_view_edit(app: TestApp) {
        let (c, cb) = app.coordinator().await;
        let g = cb.post_form("/groups/new", &[("name", GROUP_A)]).await.created_id("/groups/");
        let form = cb.get(&format!("/groups/{g}/members/new")).await;
        form.expect(200);
        form.expect_value("preferred_contact", "phone");
        form.expect_value("happy_to_share_story", "not_asked");
        assert_eq!(
            html::field_value(&form.text, "joined_on").unwrap().len(),
            10,
            "joined_on starts as today's date"
        );

        let res = cb
            .post_form(
                &format!("/groups/{g}/members/new"),
                &[
                    ("preferred_name", ""),
                    ("full_name", "Ada Augusta King"),
                    ("phone", "call me"),
                    ("email", "nope"),
                    ("preferred_contact", "pigeon"),
                    ("needs", "diagnosis"),
                    ("needs_note", "Sits near the front"),
                    ("happy_to_share_story", "maybe"),
                    ("joined_on", "2026-05-01"),
                    ("left_on", "2026-04-01"),
                ],
            )
            .await;
        res.expect(422);
        res.expect_field_error("preferred_name", "Enter the name they like to be called.");
        res.expect_field_error("phone", "Enter a phone number using digits");
        res.expect_field_error("email", "Enter an email address like name@example.org.");
        res.expect_field_error("preferred_contact", "Choose phone, text, email or post.");
        res.expect_field_error("needs", "is not a need we know");
        res.expect_field_error("happy_to_share_story", "Choose yes, no or not asked yet.");
        res.expect_field_error("left_on", "cannot be before the date they joined");
        res.expect_value("full_name", "Ada Augusta King");
        res.expect_value("phone", "call me");
        res.expect_value("email", "nope");
        res.expect_value("needs_note", "Sits near the front");
        res.expect_value("joined_on", "2026-05-01");
        res.expect_value("left_on", "2026-04-01");
        let res = cb
            .post_form(
                &format!("/groups/{g}/members/new"),
                &[("preferred_name", "Ada"), ("preferred_contact", "email"), ("joined_on", "2026-13-45"), ("needs", "hearing")],
            )
            .await;
        res.expect(422);
        res.expect_field_error("email", "Enter an email address, or choose another way");
        res.expect_field_error("joined_on", "Enter a real date");
        res.expect_value("preferred_name", "Ada");
        res.expect_value("preferred_contact", "email");
        res.expect_value("needs", "hearing");
        let all = hearth::store::MemberFilter { status: "all".into(), ..Default::default() };
        assert!(app.store.members_of(&app.store.group(&c, GroupId(g)).await.unwrap(), &all).await.unwrap().is_empty());

        let id = cb
            .post_form(
                &format!("/groups/{g}/members/new"),
                &[
                    ("preferred_name", "Ada"),
                    ("full_name", "Ada Augusta King"),
                    ("phone", "07700 900123"),
                    ("email", "Ada@Example.org"),
                    ("preferred_contact", "text"),
                    ("needs", "sight"),
                    ("needs", "hearing"),
                    ("needs_note", "Sits near the front"),
                    ("happy_to_share_story", "yes"),
                    ("joined_on", "2026-01-05"),
                ],
            )
            .await
            .created_id("/members/");
        cb.get(&format!("/members/{id}"))
            .await
            .expect(200)
            .expect_contains("Ada Augusta King")
            .expect_contains("07700 900123")
            .expect_contains("ada@example.org")
            .expect_contains("Text message")
            .expect_contains("Hearing")
            .expect_contains("Sight")
            .expect_contains("Sits near the front")
            .expect_contains("Happy to share their story")
            .expect_contains("5 January 2026")
            .expect_lacks("diagnosis");
        let m = app.store.member_for(&c, MemberId(id)).await.unwrap();
        assert_eq!(m.needs, "hearing,sight");
        assert_eq!(m.email, "ada@example.org");
        assert_eq!(m.group_id, GroupId(g));
        cb.get(&format!("/groups/{g}/members"))
            .await
            .expect(200)
            .expect_contains(&format!("href=\"/members/{id}\""));

        let edit = cb.get(&format!("/members/{id}/edit")).await;
        edit.expect(200);
        edit.expect_value("preferred_name", "Ada");
        edit.expect_value("phone", "07700 900123");
        edit.expect_value("preferred_contact", "text");
        edit.expect_value("happy_to_share_story", "yes");
        edit.expect_value("joined_on", "2026-01-05");
        assert!(edit.text.contains("value=\"hearing\" checked") && edit.text.contains("value=\"sight\" checked"));

        let res = cb
            .post_form(&format!("/members/{id}/edit"), &[("preferred_name", ""), ("phone", "12"), ("full_name", "Changed Name")])
            .await;
        res.expect(422);
        res.expect_field_error("preferred_name", "Enter the name they like to be called.");
        res.expect_field_error("phone", "Enter a phone number using digits");
        res.expect_value("full_name", "Changed Name");
        res.expect_value("phone", "12");
        assert_eq!(app.store.member_for(&c, MemberId(id)).await.unwrap().full_name, "Ada Augusta King");

        cb.post_form(
            &format!("/members/{id}/edit"),
            &[("preferred_name", "Ada K"), ("phone", "07700 900124"), ("preferred_contact", "post"), ("needs", "mobility"), ("joined_on", "2026-01-05"), ("left_on", "2026-06-30")],
        )
        .await
        .expect_redirect(&format!("/members/{id}"));
        let m = app.store.member_for(&c, MemberId(id)).await.unwrap();
        assert_eq!(m.preferred_name, "Ada K");
        assert_eq!(m.needs, "mobility");
        assert_eq!(m.full_name, "");
        assert_eq!(m.left_on.as_deref(), Some("2026-06-30"));
        cb.get(&format!("/members/{id}")).await.expect(200).expect_contains("Left").expect_contains("30 June 2026");
        // Left members drop out of the usual list.
        cb.get(&format!("/groups/{g}/members"))
            .await
            .expect(200)
            .expect_lacks(&format!("href=\"/members/{id}\""));

        cb.get("/members/999999").await.expect(404);
        cb.get("/members/999999/edit").await.expect(404);
        cb.get("/groups/999999/members/new").await.expect(404);
        cb.post_form("/groups/999999/members/new", &[("preferred_name", "Ghost")]).await.expect(404);
    }
}

both_backends! {
    async fn consents_recorded_and_withdrawn(app: TestApp) {
        let w = World::build(&app).await;
        let m = w.member_a;
        let page = w.cb.get(&format!("/members/{m}")).await;
        page.expect(200).expect_contains("No consent recorded yet.");

        // Bad input: both choices missing, the note kept.
        let res = w
            .cb
            .post_form(&format!("/members/{m}/consents"), &[("note", "Said yes at the first meeting"), ("kind", "everything")])
            .await;
        res.expect(422);
        res.expect_field_error("kind", "Choose what they agreed to.");
        res.expect_field_error("how_given", "Choose how they gave their agreement.");
        res.expect_value("note", "Said yes at the first meeting");
        res.expect_contains(MEMBER_A);
        assert!(app.consents(m).await.is_empty());

        w.f1b
            .post_form(&format!("/members/{m}/consents"), &[("kind", "contact"), ("how_given", "phone"), ("note", "Said yes at the first meeting")])
            .await
            .expect_redirect(&format!("/members/{m}#consents"));
        let consents = app.consents(m).await;
        assert_eq!(consents.len(), 1);
        assert_eq!(consents[0].kind, "contact");
        assert_eq!(consents[0].how_given, "phone");
        assert_eq!(consents[0].recorded_by, format!("account:{}", w.f1.id));
        w.cb.get(&format!("/members/{m}"))
            .await
            .expect(200)
            .expect_contains("To be contacted about the group")
            .expect_contains("By phone")
            .expect_contains("Said yes at the first meeting");

        let cid = consents[0].id;
        w.cb.post_form(&format!("/members/{m}/consents/{cid}/withdraw"), &[])
            .await
            .expect_redirect(&format!("/members/{m}#consents"));
        assert!(app.consents(m).await[0].withdrawn_at.is_some());
        w.cb.get(&format!("/members/{m}")).await.expect(200).expect_contains("Taken back");
        // Twice, or a consent of another member, is not found.
        w.cb.post_form(&format!("/members/{m}/consents/{cid}/withdraw"), &[]).await.expect(404);
        w.cb.post_form(&format!("/members/{}/consents", w.member_b), &[("kind", "records"), ("how_given", "in_writing")])
            .await
            .expect(303);
        let other = app.consents(w.member_b).await[0].id;
        w.cb.post_form(&format!("/members/{m}/consents/{other}/withdraw"), &[]).await.expect(404);
        assert!(app.consents(w.member_b).await[0].withdrawn_at.is_none());
    }
}

both_backends! {
    /// A yes-or-no that a form's button sends as `true` or `false` (signing someone in or out,
    /// marking an action or a follow-up done, the refreshments rota) is refused with a 400 when
    /// it is anything else, and nothing changes (ASVS V2.2.1: positive validation, no guessing).
    async fn a_yes_or_no_is_true_or_false_and_nothing_else(app: TestApp) {
        let w = World::build(&app).await;
        let g = w.group_a;
        let m = w
            .f1b
            .post_form(&format!("/groups/{g}/meetings/new"), &[("date", "2026-10-25"), ("start_time", "7pm"), ("duration_minutes", "90")])
            .await
            .created_id("/meetings/");
        let who = w.member_a;
        for bad in ["maybe", "", "TRUE", "1"] {
            w.f1b.post_form(&format!("/meetings/{m}/attendance/{who}"), &[("present", bad)]).await
                .expect(400).expect_contains("yes or no");
            w.f1b.post_form(&format!("/groups/{g}/rota"), &[("member_id", &who.to_string()), ("on", bad)]).await
                .expect(400);
        }
        let page = w.f1b.get(&format!("/meetings/{m}/sign-in")).await;
        page.expect(200);
        assert!(!page.text.contains("is signed in"), "nobody was signed in by a bad value");
        w.f1b.post_form(&format!("/meetings/{m}/attendance/{who}"), &[("present", "true")]).await.expect(303);

        // Boxes are ticked or not, and buttons say yes or no: anything else is refused by name,
        // never read as "no".
        let topic = w.f1_api.post(&format!("/api/v1/groups/{g}/topics"), &serde_json::json!({"title": "Sleep"})).await;
        topic.expect(201);
        let topic = topic.header("location").expect("location").rsplit('/').next().expect("id").to_string();
        w.cb.post_form(&format!("/groups/{g}/topics/{topic}/edit"), &[("title", "Sleep"), ("retired", "maybe")]).await
            .expect(422).expect_field_error("retired", "Answer yes or no.");
        w.f1b.post_form(&format!("/groups/{g}/edit"), &[("name", "Alder Circle"), ("agreed_today", "maybe")]).await
            .expect(422).expect_field_error("agreed_today", "Answer yes or no.");
        w.f1b.post_form(&format!("/meetings/{m}/checkins/{who}"), &[("note", "Moved house"), ("private_shown", "1"), ("private", "maybe")]).await
            .expect(422);
        let link = w.f1_api.post(&format!("/api/v1/members/{who}/link"), &serde_json::json!({})).await.json()["url"].as_str().expect("url").to_string();
        let link = link[link.find("/m/").expect("path")..].to_string();
        let member = app.browser();
        member.csrf_from(&link).await;
        member.post_form(&format!("{link}/rota"), &[("on", "yes")]).await.expect(400);
        member.post_form(&format!("{link}/rota"), &[("on", "true")]).await.expect(303);
    }
}
