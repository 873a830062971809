//! A page that is one form (`web::page_form`): pressing any button on a member's own page
//! saves first what was typed elsewhere on it, as the page's script does, so that nothing
//! typed is lost without JavaScript either.

use crate::both_backends;
use crate::helpers::*;
use crate::meetings::get_json;
use crate::polls::link;
use serde_json::json;

/// Puts a value in a field the page sends (as typing in the box would).
fn set(fields: &mut [(String, String)], name: &str, value: &str) {
    let field = fields
        .iter_mut()
        .find(|(k, _)| k == name)
        .unwrap_or_else(|| panic!("the page has no field {name}"));
    field.1 = value.to_string();
}

/// Presses the button whose tag holds `needle`: the whole page is sent to its address, with
/// the button's own name and value.
async fn press(b: &Browser, page: &Resp, needle: &str, fields: Vec<(String, String)>) -> Resp {
    let action =
        html::formaction(&page.text, needle).unwrap_or_else(|| panic!("no button with {needle}"));
    let mut fields = fields;
    if let Some((tag_name, value)) = needle
        .strip_prefix("name=\"")
        .and_then(|r| r.split_once("\" value=\""))
    {
        fields.push((
            tag_name.to_string(),
            value.trim_end_matches('"').to_string(),
        ));
    }
    b.post_pairs(&action, &fields, &[]).await
}

async fn rsvp_of(api: &Api, meeting: i64, member: i64) -> Option<String> {
    let rsvps = get_json(api, &format!("/api/v1/meetings/{meeting}/rsvps")).await;
    rsvps["rsvps"]
        .as_array()
        .expect("rsvps")
        .iter()
        .find(|r| r["member_id"] == member)
        .and_then(|r| r["answer"].as_str().map(str::to_string))
}

both_backends! {
    async fn what_is_typed_on_a_members_page_is_saved_before_the_button_pressed(app: TestApp) {
        let w = World::build(&app).await;
        let (g, m) = (w.group_a, w.member_a);
        let res = w
            .f1_api
            .post(&format!("/api/v1/groups/{g}/meetings"), &json!({"date": "2027-06-15", "start_time": "19:00", "duration_minutes": 90}))
            .await;
        res.expect(201);
        let meeting = res.json()["id"].as_i64().expect("id");
        let path = link(&app, &w.f1_api, m).await;
        let b = app.browser();

        // A new phone number and a plan typed, then "I am coming" pressed: all three kept.
        let page = b.get(&path).await;
        page.expect(200);
        let mut fields = html::page_form_fields(&page.text);
        set(&mut fields, "details.phone", "07700 900222");
        set(&mut fields, "plan.what", "Walk to the shops");
        set(&mut fields, "plan.confidence", "8");
        press(&b, &page, &format!("name=\"m-{meeting}.answer\" value=\"yes\""), fields)
            .await
            .expect(303);
        let member = get_json(&w.f1_api, &format!("/api/v1/members/{m}")).await;
        assert_eq!(member["phone"], "07700 900222", "{member}");
        let plans = crate::plans::plans(&w.f1_api, m).await;
        assert!(plans.iter().any(|p| p["what"] == "Walk to the shops"), "{plans:?}");
        assert_eq!(rsvp_of(&w.f1_api, meeting, m).await.as_deref(), Some("yes"));

        // Nothing typed: only the button's own change is made (the details are not sent again,
        // so a change made meanwhile elsewhere is not undone).
        let page = b.get(&path).await;
        let fields = html::page_form_fields(&page.text);
        w.f1_api
            .patch(&format!("/api/v1/members/{m}"), &json!({"phone": "07700 900333"}))
            .await
            .expect(200);
        press(&b, &page, "name=\"rota.on\" value=\"true\"", fields).await.expect(303);
        let member = get_json(&w.f1_api, &format!("/api/v1/members/{m}")).await;
        assert_eq!(member["phone"], "07700 900333", "{member}");

        // A topic typed (saved first: it comes first on the page), a plan with a date that is
        // not one (refused), and a new phone number typed after it; then "I cannot come".
        let page = b.get(&path).await;
        let mut fields = html::page_form_fields(&page.text);
        set(&mut fields, "topic.title", "Sleep and tiredness");
        set(&mut fields, "plan.what", "Swim");
        set(&mut fields, "plan.confidence", "7");
        set(&mut fields, "plan.by_date", "soon");
        set(&mut fields, "details.phone", "07700 900444");
        let res = press(&b, &page, &format!("name=\"m-{meeting}.answer\" value=\"no\""), fields).await;
        res.expect(422)
            .expect_field_error("by_date", "Enter a real date")
            .expect_contains("Nothing else was done yet")
            .expect_value("what", "Swim")
            .expect_value("confidence", "7")
            .expect_value("phone", "07700 900444");
        // The phone box still counts as typed, so the next press saves it.
        assert_eq!(html::hidden(&res.text, "details.phone~was").as_deref(), Some("07700 900333"));
        assert_eq!(rsvp_of(&w.f1_api, meeting, m).await.as_deref(), Some("yes"), "the button pressed waits");
        let member = get_json(&w.f1_api, &format!("/api/v1/members/{m}")).await;
        assert_eq!(member["phone"], "07700 900333", "the part after the refused one waits: {member}");
        let topics = get_json(&w.f1_api, &format!("/api/v1/groups/{g}/topics")).await;
        assert!(topics.to_string().contains("Sleep and tiredness"), "the part before it was saved: {topics}");
        assert_eq!(crate::plans::plans(&w.f1_api, m).await.len(), 1, "no plan saved");

        // Pressed again from the page as it came back, with the date put right: everything lands.
        let mut fields = html::page_form_fields(&res.text);
        set(&mut fields, "plan.by_date", "2027-07-01");
        press(&b, &res, &format!("name=\"m-{meeting}.answer\" value=\"no\""), fields).await.expect(303);
        assert_eq!(rsvp_of(&w.f1_api, meeting, m).await.as_deref(), Some("no"));
        let member = get_json(&w.f1_api, &format!("/api/v1/members/{m}")).await;
        assert_eq!(member["phone"], "07700 900444", "{member}");
        assert_eq!(crate::plans::plans(&w.f1_api, m).await.len(), 2);
    }
}

both_backends! {
    async fn a_typed_part_is_saved_only_at_an_address_of_this_site(app: TestApp) {
        let w = World::build(&app).await;
        let m = w.member_a;
        let path = link(&app, &w.f1_api, m).await;
        let b = app.browser();
        let page = b.get(&path).await;
        for elsewhere in [
            format!("/api/v1/members/{m}/plans"),
            "//evil.example/m".to_string(),
            "https://evil.example/m".to_string(),
        ] {
            let mut fields = html::page_form_fields(&page.text);
            set(&mut fields, "plan.what", "Walk");
            set(&mut fields, "plan.confidence", "8");
            set(&mut fields, "plan._action", &elsewhere);
            press(&b, &page, "name=\"rota.on\" value=\"true\"", fields).await.expect(400);
        }
        assert!(crate::plans::plans(&w.f1_api, m).await.is_empty());
        let text = b.get(&path).await.text;
        assert!(text.contains("Yes, put me on the rota"), "nothing was done");
    }
}

both_backends! {
    async fn a_walk_in_typed_on_the_sign_in_list_is_signed_in_before_the_name_tapped(app: TestApp) {
        let w = World::build(&app).await;
        let id = crate::meetings::plan_id(&w.f1_api, w.group_a, "2027-01-05").await;
        let page = w.f1b.get(&format!("/meetings/{id}/sign-in")).await;
        page.expect(200);
        let mut fields = html::page_form_fields(&page.text);
        set(&mut fields, "walkin.kind", "guest");
        set(&mut fields, "walkin.name", "Rosa (Ada's carer)");
        let member = w.member_a;
        press(&w.f1b, &page, &format!("name=\"at-{member}.present\" value=\"true\""), fields)
            .await
            .expect(303);
        let rows = get_json(&w.f1_api, &format!("/api/v1/meetings/{id}/attendance")).await;
        let rows = rows["attendance"].as_array().expect("attendance");
        assert!(rows.iter().any(|r| r["name"] == "Rosa (Ada's carer)" && r["is_guest"] == true), "the guest typed is signed in: {rows:?}");
        assert!(rows.iter().any(|r| r["member_id"] == member), "and the member tapped: {rows:?}");
        assert_eq!(rows.len(), 2);
    }
}
