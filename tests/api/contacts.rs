//! Keeping in touch: the contact record on each member's page, follow-ups on the
//! facilitator's home page until done, the group's printable sheet and CSV (a date range,
//! formula cells defused), and the call list before a meeting.

use hearth::domain::ids::MemberId;
use serde_json::json;

use crate::both_backends;
use crate::helpers::*;
use crate::meetings::{add_member, days_from_now, plan_id, section};

/// Adds a contact through the member page's form (303 to the member's record expected).
pub async fn add_contact(b: &Browser, member: i64, fields: &[(&str, &str)]) {
    b.post_form(&format!("/members/{member}/contacts"), fields)
        .await
        .expect_redirect(&format!("/members/{member}#contacts"));
}

/// The ids of a member's contacts that have this follow-up, read from the store.
async fn contact_with(
    app: &TestApp,
    staff: &hearth::domain::access::Staff,
    member: i64,
    follow_up: &str,
) -> i64 {
    let all = app
        .store
        .contacts_of_member(
            &app.store
                .member(staff, MemberId(member))
                .await
                .expect("member"),
        )
        .await
        .expect("contacts");
    let found: Vec<i64> = all
        .iter()
        .filter(|c| c.follow_up == follow_up)
        .map(|c| c.id)
        .collect();
    assert_eq!(
        found.len(),
        1,
        "contacts with follow-up {follow_up:?}: {all:?}"
    );
    found[0]
}

async fn contact_count(app: &TestApp, w: &World, member: i64) -> usize {
    app.store
        .contacts_of_member(
            &app.store
                .member(&w.c, MemberId(member))
                .await
                .expect("member"),
        )
        .await
        .expect("contacts")
        .len()
}

/// The home page's list of follow-ups, as text ("" when there is none).
async fn follow_ups(b: &Browser) -> String {
    let page = b.get("/").await;
    page.expect(200);
    if page.text.contains("id=\"follow-title\"") {
        section(&page.text, "follow-title")
    } else {
        String::new()
    }
}

/// Reads a CSV export: checks the byte-order mark and returns the rows (header first).
fn csv_rows(res: &Resp) -> Vec<Vec<String>> {
    res.expect(200);
    let ct = res.header("content-type").unwrap_or_default();
    assert!(
        ct.starts_with("text/csv"),
        "{} {}: content type {ct:?}",
        res.method,
        res.path
    );
    assert!(
        res.header("content-disposition")
            .is_some_and(|d| d.starts_with("attachment") && d.contains(".csv")),
        "{:?}",
        res.header("content-disposition")
    );
    let body = res.text.strip_prefix('\u{feff}').unwrap_or_else(|| {
        panic!(
            "{}: no byte-order mark: {:?}",
            res.path,
            &res.text[..res.text.len().min(40)]
        )
    });
    let mut reader = csv::ReaderBuilder::new()
        .has_headers(false)
        .from_reader(body.as_bytes());
    reader
        .records()
        .map(|r| {
            r.expect("a CSV record")
                .iter()
                .map(str::to_string)
                .collect()
        })
        .collect()
}

both_backends! {
    async fn contacts_are_recorded_on_the_member_page_and_follow_ups_wait_on_the_home_page(app: TestApp) {
        let w = World::build(&app).await;
        let a = w.member_a;
        add_contact(&w.f1b, a, &[("contacted_on", "2026-11-02"), ("how", "phone"), ("about", "Asked how the new job is going"), ("follow_up", "Send the walking group leaflet"), ("follow_up_by", "2026-11-09")]).await;
        add_contact(&w.f1b, a, &[("contacted_on", "2026-10-15"), ("how", "in_person"), ("about", "Chatted after the meeting")]).await;

        // The member's page: the history, newest first, with the follow-up.
        let page = w.f1b.get(&format!("/members/{a}")).await;
        page.expect(200);
        let record = section(&page.text, "contacts-title");
        let nov = record.find("2 November 2026, phone call, by Fern Facilitator: Asked how the new job is going").unwrap_or_else(|| panic!("{record}"));
        let oct = record.find("15 October 2026, in person, by Fern Facilitator: Chatted after the meeting").unwrap_or_else(|| panic!("{record}"));
        assert!(nov < oct, "newest first: {record}");
        assert!(record.contains("Follow-up: Send the walking group leaflet (by 9 November 2026)"), "{record}");
        // The coordinator sees the record too; the other group's facilitator does not.
        w.cb.get(&format!("/members/{a}")).await.expect(200).expect_contains("Asked how the new job is going");
        w.f2b.get(&format!("/members/{a}")).await.expect(404).expect_lacks("Asked how the new job is going");

        // The follow-up waits on the home page of the group's facilitator, and nobody else's.
        let home = follow_ups(&w.f1b).await;
        assert!(home.contains("Zebedee Quill: Send the walking group leaflet (by 9 November 2026)"), "{home}");
        assert!(!follow_ups(&w.f2b).await.contains("leaflet"));
        assert!(!follow_ups(&w.cb).await.contains("leaflet"));
        // One the coordinator records shows on theirs and on the facilitator's.
        add_contact(&w.cb, a, &[("contacted_on", "2026-11-03"), ("how", "text"), ("about", "Reminder about the walk"), ("follow_up", "Ring about transport")]).await;
        assert!(follow_ups(&w.cb).await.contains("Ring about transport"));
        assert!(follow_ups(&w.f1b).await.contains("Ring about transport"));

        // Marked done from the home page: gone from it, shown as done on the member's page.
        let id = contact_with(&app, &w.c, a, "Send the walking group leaflet").await;
        let done = format!("/contacts/{id}/done");
        w.f1b.get("/").await.expect_contains(&format!("action=\"{done}\""));
        // Outsiders cannot touch it.
        app.browser().post_form(&done, &[("done", "true")]).await.expect_signin_redirect();
        w.f2b.post_form(&done, &[("done", "true"), ("back", "home")]).await.expect(404);
        assert!(follow_ups(&w.f1b).await.contains("leaflet"));
        w.f1b.post_form(&done, &[("done", "true"), ("back", "home")]).await.expect_redirect("/");
        let home = follow_ups(&w.f1b).await;
        assert!(!home.contains("leaflet") && home.contains("Ring about transport"), "{home}");
        let record = section(&w.f1b.get(&format!("/members/{a}")).await.text, "contacts-title");
        assert!(record.contains("Send the walking group leaflet (by 9 November 2026) Done") && record.contains("Open the follow-up again"), "{record}");
        // Opened again (from the member's page), and done again by the coordinator.
        w.f1b.post_form(&done, &[("done", "false")]).await.expect_redirect(&format!("/members/{a}#contacts"));
        assert!(follow_ups(&w.f1b).await.contains("leaflet"));
        w.cb.post_form(&done, &[("done", "true")]).await.expect(303);
        assert!(!follow_ups(&w.f1b).await.contains("leaflet"));
        w.f1b.post_form("/contacts/999999/done", &[("done", "true")]).await.expect(404);

        // Bad input: 422 on the member's page, each message by its field, what was typed kept,
        // nothing added.
        let before = contact_count(&app, &w, a).await;
        let form = format!("/members/{a}/contacts");
        let res = w.f1b.post_form(&form, &[("contacted_on", ""), ("how", "pigeon"), ("about", ""), ("follow_up_by", "2026-11-09")]).await;
        res.expect(422)
            .expect_contains(MEMBER_A)
            .expect_field_error("contacted_on", "Enter the date of the contact.")
            .expect_field_error("how", "Choose how you were in touch.")
            .expect_field_error("about", "Say what the contact was about.")
            .expect_field_error("follow_up", "Say what the follow-up is, or leave its date empty.")
            .expect_value("follow_up_by", "2026-11-09");
        let res = w.f1b.post_form(&form, &[("contacted_on", "2026-02-30"), ("how", "phone"), ("about", &"a".repeat(2001)), ("follow_up", &"f".repeat(1001)), ("follow_up_by", "next week")]).await;
        res.expect(422)
            .expect_field_error("contacted_on", "Enter a real date, like 2026-03-31.")
            .expect_field_error("about", "Use 2000 characters or fewer.")
            .expect_field_error("follow_up", "Use 1000 characters or fewer.")
            .expect_field_error("follow_up_by", "Enter a real date, like 2026-03-31.")
            .expect_value("contacted_on", "2026-02-30")
            .expect_value("how", "phone")
            .expect_value("follow_up_by", "next week");
        let res = w.f1b.post_form(&form, &[("contacted_on", "2 November"), ("about", "Rang")]).await;
        res.expect(422).expect_field_error("how", "Choose how you were in touch.").expect_field_error("contacted_on", "Enter a real date").expect_value("about", "Rang");
        assert_eq!(contact_count(&app, &w, a).await, before);
        // Every way of being in touch is accepted.
        for how in ["phone", "text", "email", "in_person", "letter"] {
            add_contact(&w.f1b, a, &[("contacted_on", "2026-12-01"), ("how", how), ("about", &format!("By {how}"))]).await;
        }
        // Outsiders: the sign-in page, and 404 for the other group's facilitator.
        let fields = [("contacted_on", "2026-12-02"), ("how", "phone"), ("about", "Intruder")];
        app.browser().post_form(&form, &fields).await.expect_signin_redirect();
        w.f2b.post_form(&form, &fields).await.expect(404).expect_lacks(MEMBER_A);
        w.f2b.post_form(&form, &[("about", "")]).await.expect(404).expect_lacks(MEMBER_A);
        w.f1b.post_form("/members/999999/contacts", &fields).await.expect(404);
        w.f1b.post_form(&format!("/members/{}/contacts", w.member_b), &fields).await.expect(404);
        assert_eq!(contact_count(&app, &w, a).await, before + 5);
        assert_eq!(contact_count(&app, &w, w.member_b).await, 0);
    }
}

both_backends! {
    async fn the_contact_sheet_and_csv_cover_a_date_range_and_defuse_formulas(app: TestApp) {
        let w = World::build(&app).await;
        let (a, g) = (w.member_a, w.group_a);
        let rita = add_member(&w.cb, g, &[("preferred_name", "@Rita Formula")]).await;
        add_contact(&w.f1b, a, &[("contacted_on", "2026-10-15"), ("how", "in_person"), ("about", "Chatted after the meeting")]).await;
        add_contact(&w.f1b, a, &[("contacted_on", "2026-11-02"), ("how", "phone"), ("about", "=HYPERLINK(\"http://evil.example\",\"Click\")"), ("follow_up", "+44 ring back"), ("follow_up_by", "2026-11-09")]).await;
        add_contact(&w.f1b, rita, &[("contacted_on", "2026-11-20"), ("how", "text"), ("about", "-5 minutes late, said sorry"), ("follow_up", "@SUM(A1)")]).await;
        add_contact(&w.f1b, a, &[("contacted_on", "2026-12-01"), ("how", "letter"), ("about", "Sent the card from the café")]).await;
        add_contact(&w.f2b, w.member_b, &[("contacted_on", "2026-11-05"), ("how", "phone"), ("about", "Group B business")]).await;

        // The printable sheet: everything, or a date range.
        let sheet = format!("/groups/{g}/contacts");
        let all = w.f1b.get(&sheet).await;
        all.expect(200).expect_contains("Chatted after the meeting").expect_contains("HYPERLINK").expect_contains("5 minutes late").expect_contains("café").expect_lacks("Group B business");
        let nov = w.f1b.get(&format!("{sheet}?from=2026-11-01&to=2026-11-30")).await;
        nov.expect(200).expect_contains("HYPERLINK").expect_contains("5 minutes late").expect_lacks("Chatted after the meeting").expect_lacks("café");
        nov.expect_value("from", "2026-11-01").expect_value("to", "2026-11-30");
        w.f1b.get(&format!("{sheet}?from=2026-11-20")).await.expect(200).expect_contains("5 minutes late").expect_contains("café").expect_lacks("HYPERLINK");
        w.f1b.get(&format!("{sheet}?to=2026-11-02")).await.expect(200).expect_contains("HYPERLINK").expect_contains("Chatted").expect_lacks("5 minutes late");
        w.f1b.get(&format!("{sheet}?from=2027-01-01")).await.expect(200).expect_contains("in these dates").expect_lacks("Chatted");
        w.f1b.get(&format!("{sheet}?from=&to=")).await.expect(200).expect_contains("Chatted").expect_contains("café");
        // A date that is not one: 422 with the message next to the field.
        let res = w.f1b.get(&format!("{sheet}?from=soon&to=2026-13-01")).await;
        res.expect(422).expect_field_error("from", "Enter a real date, like 2026-03-31.").expect_field_error("to", "Enter a real date").expect_value("from", "soon").expect_lacks("Chatted");

        // The CSV: a byte-order mark, a header row, the same range, formulas defused.
        let csv = format!("/groups/{g}/contacts.csv");
        let rows = csv_rows(&w.f1b.get(&csv).await);
        assert_eq!(rows[0], ["date", "member", "how", "about", "follow_up", "follow_up_by", "follow_up_done", "recorded_by"]);
        assert_eq!(rows.len(), 5, "{rows:?}");
        let row = |rows: &[Vec<String>], date: &str| rows.iter().find(|r| r[0] == date).cloned().unwrap_or_else(|| panic!("no row for {date}: {rows:?}"));
        let r = row(&rows, "2026-11-02");
        assert_eq!(r, [
            "2026-11-02", MEMBER_A, "phone", "'=HYPERLINK(\"http://evil.example\",\"Click\")", "'+44 ring back", "2026-11-09", "no", "Fern Facilitator",
        ]);
        let r = row(&rows, "2026-11-20");
        assert_eq!((r[1].as_str(), r[2].as_str(), r[3].as_str(), r[4].as_str()), ("'@Rita Formula", "text", "'-5 minutes late, said sorry", "'@SUM(A1)"));
        assert_eq!(row(&rows, "2026-12-01")[3], "Sent the card from the café");
        assert_eq!(row(&rows, "2026-10-15")[3], "Chatted after the meeting", "plain text is left alone");
        for r in &rows[1..] {
            for cell in r {
                assert!(!cell.starts_with(['=', '+', '-', '@', '\t', '\r']), "a cell a spreadsheet would run: {cell:?} in {r:?}");
            }
        }
        let nov = csv_rows(&w.f1b.get(&format!("{csv}?from=2026-11-01&to=2026-11-30")).await);
        let dates: Vec<&str> = nov[1..].iter().map(|r| r[0].as_str()).collect();
        assert_eq!(nov.len(), 3, "{nov:?}");
        assert!(dates.contains(&"2026-11-02") && dates.contains(&"2026-11-20"), "{dates:?}");
        let edge = csv_rows(&w.f1b.get(&format!("{csv}?from=2026-11-02&to=2026-11-02")).await);
        assert_eq!(edge.len(), 2, "both ends of the range are included: {edge:?}");
        assert_eq!(csv_rows(&w.f1b.get(&format!("{csv}?from=2030-01-01")).await).len(), 1, "the header row alone");
        // Marked done: the CSV says so.
        let id = contact_with(&app, &w.c, a, "+44 ring back").await;
        w.f1b.post_form(&format!("/contacts/{id}/done"), &[("done", "true")]).await.expect(303);
        assert_eq!(row(&csv_rows(&w.f1b.get(&csv).await), "2026-11-02")[6], "yes");
        let res = w.f1b.get(&format!("{csv}?from=yesterday")).await;
        res.expect(422).expect_lacks("Chatted");

        // Group B's record holds group B's contacts only; the coordinator reads both.
        let b_rows = csv_rows(&w.cb.get(&format!("/groups/{}/contacts.csv", w.group_b)).await);
        assert_eq!(b_rows.len(), 2);
        assert_eq!(b_rows[1][3], "Group B business");
        assert_eq!(csv_rows(&w.cb.get(&csv).await).len(), 5);
        w.cb.get(&sheet).await.expect(200).expect_contains("Chatted");
        // Outsiders: nothing of group A.
        for path in [sheet.clone(), format!("{sheet}?from=2026-11-01"), csv.clone(), format!("{csv}?from=2026-11-01&to=2026-11-30"), format!("{csv}?from=soon")] {
            let res = w.f2b.get(&path).await;
            res.expect(404).expect_lacks("Chatted").expect_lacks(MEMBER_A).expect_lacks(GROUP_A);
            app.browser().get(&path).await.expect_signin_redirect();
        }
        w.f1b.get(&format!("/groups/{}/contacts", w.group_b)).await.expect(404).expect_lacks("Group B business");
        w.f1b.get(&format!("/groups/{}/contacts.csv", w.group_b)).await.expect(404).expect_lacks("Group B business");
        w.f1b.get("/groups/999999/contacts.csv").await.expect(404);
    }
}

both_backends! {
    async fn the_call_list_names_who_to_ring_with_their_number_and_last_contact(app: TestApp) {
        let w = World::build(&app).await;
        let (a, g) = (w.member_a, w.group_a);
        let ella = add_member(&w.cb, g, &[("preferred_name", "Ella Email"), ("email", "ella@example.org"), ("preferred_contact", "email"), ("phone", "07700 900601")]).await;
        let nina = add_member(&w.cb, g, &[("preferred_name", "Nina Noreply"), ("email", "nina@example.org"), ("preferred_contact", "email"), ("phone", "07700 900602")]).await;
        let paul = add_member(&w.cb, g, &[("preferred_name", "Paul Phone"), ("email", "paul@example.org"), ("preferred_contact", "phone"), ("phone", "07700 900603")]).await;
        let tess = add_member(&w.cb, g, &[("preferred_name", "Tess Text"), ("email", "tess@example.org"), ("preferred_contact", "text")]).await;
        add_member(&w.cb, g, &[("preferred_name", "Lena Left"), ("joined_on", "2025-01-01"), ("left_on", "2025-06-01")]).await;
        let id = plan_id(&w.f1_api, g, &days_from_now(10)).await;
        for (m, answer) in [(ella, "yes"), (paul, "yes"), (tess, "no")] {
            w.f1_api.put(&format!("/api/v1/meetings/{id}/rsvps"), &json!({"member_id": m, "answer": answer})).await.expect(200);
        }
        add_contact(&w.f1b, a, &[("contacted_on", "2026-10-15"), ("how", "phone"), ("about", "Earlier call")]).await;
        add_contact(&w.f1b, a, &[("contacted_on", "2026-11-02"), ("how", "phone"), ("about", "Asked about the new job")]).await;

        let path = format!("/meetings/{id}/call-list");
        let page = w.f1b.get(&path).await;
        page.expect(200);
        let items: Vec<String> = page.text.split("<li>").skip(1).map(|li| html::text_of(&li[..li.find("</li>").unwrap_or(li.len())])).collect();
        let item = |name: &str| items.iter().find(|i| i.contains(name)).cloned();
        // No email: on the list, with the number and the last contact.
        let zeb = item(MEMBER_A).unwrap_or_else(|| panic!("{MEMBER_A} is not on the list: {items:?}"));
        assert!(zeb.contains("07700 900111") && zeb.contains("No email") && zeb.contains("Last contact: 2 November 2026"), "{zeb}");
        assert!(zeb.contains("Has not said whether they are coming"), "{zeb}");
        page.expect_contains("href=\"tel:07700 900111\"");
        // Email, but no answer yet.
        let n = item("Nina Noreply").unwrap_or_else(|| panic!("{items:?}"));
        assert!(n.contains("Has not said whether they are coming") && n.contains("07700 900602") && n.contains("Last contact: none recorded") && !n.contains("No email"), "{n}");
        // Prefers phone (or text), though they have email and have answered.
        let p = item("Paul Phone").unwrap_or_else(|| panic!("{items:?}"));
        assert!(p.contains("prefers phone") && p.contains("07700 900603") && !p.contains("Has not said"), "{p}");
        let t = item("Tess Text").unwrap_or_else(|| panic!("{items:?}"));
        assert!(t.contains("no phone number"), "{t}");
        // Email, answered: nobody needs to ring. Those who left, and other groups: not listed.
        assert!(item("Ella Email").is_none(), "{items:?}");
        assert!(item("Lena Left").is_none(), "{items:?}");
        page.expect_lacks(MEMBER_B);
        // Once Nina answers, she is off the list.
        w.f1_api.put(&format!("/api/v1/meetings/{id}/rsvps"), &json!({"member_id": nina, "answer": "maybe"})).await.expect(200);
        w.f1b.get(&path).await.expect(200).expect_lacks("Nina Noreply");

        // The coordinator sees it; the other group's facilitator and strangers do not.
        w.cb.get(&path).await.expect(200).expect_contains("Paul Phone");
        w.f2b.get(&path).await.expect(404).expect_lacks(MEMBER_A).expect_lacks("Paul Phone").expect_lacks("07700");
        app.browser().get(&path).await.expect_signin_redirect();
        w.f1b.get("/meetings/999999/call-list").await.expect(404);
        let b_meeting = plan_id(&w.f2_api, w.group_b, &days_from_now(10)).await;
        w.f1b.get(&format!("/meetings/{b_meeting}/call-list")).await.expect(404).expect_lacks(MEMBER_B);
        w.f2b.get(&format!("/meetings/{b_meeting}/call-list")).await.expect(200).expect_contains(MEMBER_B).expect_contains("07700 900222").expect_lacks(MEMBER_A);
    }
}

both_backends! {
    async fn follow_ups_leave_the_home_page_of_someone_who_no_longer_facilitates_the_group(app: TestApp) {
        // Fern records a follow-up for a member of group A, then moves to group B. Group A's
        // members are no longer hers to see: her home page must not keep showing one of them
        // (a name and what to follow up), with a button she may no longer use.
        let w = World::build(&app).await;
        let a = w.member_a;
        add_contact(&w.f1b, a, &[("contacted_on", "2026-11-02"), ("how", "phone"), ("about", "Talked about the hospital visit"), ("follow_up", "Ask how the hospital visit went")]).await;
        assert!(follow_ups(&w.f1b).await.contains("Ask how the hospital visit went"));
        w.cb.post_form(&format!("/groups/{}/facilitators", w.group_a), &[("confirm", "yes")]).await.expect(303);
        w.cb.post_form(&format!("/groups/{}/facilitators", w.group_b), &[("facilitator", &w.f1.id.to_string()), ("facilitator", &w.f2.id.to_string())]).await.expect(303);
        w.f1b.get(&format!("/members/{a}")).await.expect(404);
        let id = contact_with(&app, &w.c, a, "Ask how the hospital visit went").await;
        w.f1b.post_form(&format!("/contacts/{id}/done"), &[("done", "true"), ("back", "home")]).await.expect(404);
        let home = w.f1b.get("/").await;
        home.expect(200).expect_lacks("Ask how the hospital visit went").expect_lacks(MEMBER_A);
    }
}

both_backends! {
    async fn one_form_notes_a_call_and_their_answer_and_the_call_list_follows(app: TestApp) {
        let w = World::build(&app).await;
        let g = w.group_a;
        let id = plan_id(&w.f1_api, g, &days_from_now(10)).await;
        let pat = add_member(&w.f1b, g, &[("preferred_name", "Pat Phone"), ("phone", "01632 960111"), ("preferred_contact", "phone")]).await;
        let list = format!("/meetings/{id}/call-list");
        let new = format!("/groups/{g}/contacts/new?member={pat}&meeting={id}&back={list}");

        // Pat is on the call list, with a button to note the call beside the name.
        let page = w.f1b.get(&list).await;
        page.expect(200);
        let to_ring = page.text.split("Already spoken to").next().unwrap_or_default().to_string();
        assert!(to_ring.contains("Pat Phone") && to_ring.contains(&format!("contacts/new?member={pat}&amp;meeting={id}")), "{to_ring}");

        // The one form: who (fixed), how, what about, their answer for this meeting.
        let form = w.f1b.get(&new).await;
        form.expect(200).expect_contains("with Pat Phone").expect_contains("01632 960111")
            .expect_contains("name=\"answer\" value=\"no\"").expect_contains(&format!("name=\"meeting_id\" value=\"{id}\""))
            .expect_value("how", "phone");

        // A mistake is shown next to its field with everything typed kept, and nothing saved.
        let res = w.f1b.post_form(&format!("/groups/{g}/contacts"), &[
            ("member_id", &pat.to_string()), ("member_fixed", "1"), ("meeting_id", &id.to_string()), ("back", &list),
            ("how", "pigeon"), ("about", "Says the bus is a problem"), ("answer", "no"), ("contacted_on", &days_from_now(0)),
        ]).await;
        res.expect(422).expect_field_error("how", "").expect_contains("Says the bus is a problem").expect_contains("with Pat Phone");
        w.f1_api.get(&format!("/api/v1/meetings/{id}/rsvps")).await.expect(200).expect_lacks("\"no\"");

        // Saved: the contact and the answer, and back to the call list, where Pat is done.
        w.f1b.post_form(&format!("/groups/{g}/contacts"), &[
            ("member_id", &pat.to_string()), ("member_fixed", "1"), ("meeting_id", &id.to_string()), ("back", &list),
            ("how", "phone"), ("about", "Says the bus is a problem"), ("answer", "no"), ("contacted_on", &days_from_now(0)),
        ]).await.expect_redirect(&list);
        let rsvps = w.f1_api.get(&format!("/api/v1/meetings/{id}/rsvps")).await;
        rsvps.expect(200);
        assert!(rsvps.text.contains(&format!("\"member_id\":{pat}")) && rsvps.text.contains("\"no\""), "{}", rsvps.text);
        let page = w.f1b.get(&list).await;
        let list_of = |class: &str| {
            page.text.split(&format!("<ul class=\"{class}\">")).nth(1).and_then(|l| l.split("</ul>").next()).unwrap_or_default().to_string()
        };
        let to_ring = list_of("call-list");
        let done = list_of("call-list call-list-done");
        assert!(!to_ring.contains("Pat Phone"), "still to ring: {to_ring}");
        assert!(done.contains("Pat Phone") && done.contains("Not coming"), "{done}");
        w.f1b.get(&format!("/groups/{g}/contacts")).await.expect(200)
            .expect_contains("Says the bus is a problem").expect_contains(&format!("href=\"/groups/{g}/contacts/new\""));

        // From the contact record, the member is chosen from the group's list only.
        let res = w.f1b.post_form(&format!("/groups/{g}/contacts"), &[
            ("member_id", &w.member_b.to_string()), ("how", "phone"), ("about", "x"), ("contacted_on", &days_from_now(0)),
        ]).await;
        res.expect(422).expect_field_error("member_id", "Choose a member of this group.");
        w.f1b.get(&format!("/members/{pat}")).await.expect(200).expect_contains(&format!("/groups/{g}/contacts/new?member={pat}"));
        // Another group's facilitator cannot open the form for this group or its members.
        w.f2b.get(&new).await.expect(404);
        w.f2b.post_form(&format!("/groups/{g}/contacts"), &[("member_id", &pat.to_string()), ("how", "phone"), ("about", "x"), ("contacted_on", &days_from_now(0))]).await.expect(404);
        // An address elsewhere is never where the form goes back to.
        w.f1b.get(&format!("/groups/{g}/contacts/new?back=//evil.example")).await.expect(200).expect_lacks("evil.example");
        w.f1b.get(&format!("/groups/{g}/contacts/new?back=/%09/evil.example")).await.expect(200).expect_lacks("evil.example");
        w.f1b.post_form(&format!("/groups/{g}/contacts"), &[
            ("member_id", &pat.to_string()), ("how", "phone"), ("about", "x"), ("contacted_on", &days_from_now(0)), ("back", "/\t/evil.example"),
        ]).await.expect_redirect(&format!("/groups/{g}/contacts"));
    }
}

both_backends! {
    /// "Already spoken to" means a call or chat noted since the last meeting held before this
    /// one, however long ago that was: a call three weeks ago about this meeting counts, one
    /// before the last meeting does not.
    async fn the_call_list_counts_calls_since_the_last_meeting(app: TestApp) {
        let w = World::build(&app).await;
        let g = w.group_a;
        let last = plan_id(&w.f1_api, g, &days_from_now(-30)).await;
        w.f1_api.put(&format!("/api/v1/meetings/{last}"), &serde_json::json!({"status": "held"})).await.expect(200);
        let next = plan_id(&w.f1_api, g, &days_from_now(10)).await;
        let pat = add_member(&w.f1b, g, &[("preferred_name", "Pat Phone"), ("phone", "01632 960111"), ("preferred_contact", "phone")]).await;
        let list = format!("/meetings/{next}/call-list");
        let note = |on: String| {
            let b = &w.f1b;
            async move {
                b.post_form(&format!("/groups/{g}/contacts"), &[
                    ("member_id", &pat.to_string()), ("how", "phone"), ("about", "A chat"), ("contacted_on", &on),
                ]).await.expect(303);
            }
        };
        let to_ring = |text: String| text.split("Already spoken to").next().unwrap_or_default().contains(&format!("contacts/new?member={pat}&amp;"));
        // A call before the last meeting was about that one.
        note(days_from_now(-35)).await;
        assert!(to_ring(w.f1b.get(&list).await.text), "still to ring");
        // Three weeks ago, after the last meeting: about this one.
        note(days_from_now(-21)).await;
        let page = w.f1b.get(&list).await;
        page.expect(200).expect_contains("since the last meeting");
        assert!(!to_ring(page.text.clone()), "spoken to: {}", excerpt(&page.text));
    }
}
