//! Topics: the shared library, each group's board (propose, vote, agree, cover, set aside),
//! one vote per member per topic however the votes arrive, the run-sheet's brainstorm and
//! discussion steps, and editing or retiring topics. The helpers at the top are shared by
//! `plans.rs`, `contacts.rs` and `topics_matrix.rs`.

use serde_json::{Value, json};

use crate::both_backends;
use crate::helpers::*;
use crate::meetings::{add_member, days_from_now, get_json, issue_link, meeting, plan_id, section};

/// GET /api/v1/groups/{g}/topics: the library and the group's board.
pub async fn topics(api: &Api, g: i64) -> Vec<Value> {
    get_json(api, &format!("/api/v1/groups/{g}/topics")).await["topics"]
        .as_array()
        .expect("topics")
        .clone()
}

/// One topic from a group's list, by id.
pub async fn topic(api: &Api, g: i64, id: i64) -> Value {
    let all = topics(api, g).await;
    all.into_iter()
        .find(|t| t["id"] == id)
        .unwrap_or_else(|| panic!("topic {id} is not listed for group {g}"))
}

/// The id of a topic of the list with this title (exactly one must have it).
pub fn id_of(list: &[Value], title: &str) -> i64 {
    let found: Vec<&Value> = list.iter().filter(|t| t["title"] == title).collect();
    assert_eq!(found.len(), 1, "topics titled {title:?}: {found:?}");
    found[0]["id"].as_i64().expect("id")
}

/// Proposes a topic through the API (201 expected); returns its id.
pub async fn propose(api: &Api, g: i64, title: &str) -> i64 {
    let res = api
        .post(
            &format!("/api/v1/groups/{g}/topics"),
            &json!({ "title": title }),
        )
        .await;
    res.expect(201);
    let id = res.json()["id"].as_i64().expect("id");
    assert_eq!(res.location(), format!("/api/v1/groups/{g}/topics/{id}"));
    id
}

/// The votes a topic has in a group.
pub async fn votes(api: &Api, g: i64, id: i64) -> i64 {
    topic(api, g, id).await["votes"].as_i64().expect("votes")
}

/// The index of the first step of this kind in a meeting's agenda.
pub async fn step_of(api: &Api, meeting_id: i64, kind: &str) -> usize {
    let m = meeting(api, meeting_id).await;
    m["agenda"]
        .as_array()
        .expect("agenda")
        .iter()
        .position(|s| s["kind"] == kind)
        .unwrap_or_else(|| panic!("meeting {meeting_id} has no {kind} step: {m}"))
}

/// Opens a meeting's run-sheet at the step of this kind (starting the meeting); the page.
pub async fn run_at(b: &Browser, api: &Api, meeting_id: i64, kind: &str) -> Resp {
    let index = step_of(api, meeting_id, kind).await;
    let run = format!("/meetings/{meeting_id}/run");
    b.post_form(
        &format!("/meetings/{meeting_id}/start"),
        &[("confirm", "yes")],
    )
    .await
    .expect(303);
    b.post_form(
        &format!("/meetings/{meeting_id}/run/step"),
        &[("step", &index.to_string())],
    )
    .await
    .expect_redirect(&run);
    let page = b.get(&run).await;
    page.expect(200);
    page
}

/// Signs a member in at a meeting through the API.
pub async fn sign_in(api: &Api, meeting_id: i64, member: i64) {
    api.post(
        &format!("/api/v1/meetings/{meeting_id}/attendance"),
        &json!({ "member_id": member }),
    )
    .await
    .expect(201);
}

/// A form posted from a member's personal link (the browser holds the link page's token).
pub async fn link_post(b: &Browser, link: &str, tail: &str, fields: &[(&str, &str)]) -> Resp {
    b.csrf_from(link).await;
    b.post_form(&format!("{link}{tail}"), fields).await
}

both_backends! {
    async fn the_library_has_the_starter_topics_and_proposing_reuses_them(app: TestApp) {
        let w = World::build(&app).await;
        let g = w.group_a;
        let list = topics(&w.f1_api, g).await;
        let library: Vec<&Value> = list.iter().filter(|t| t["status"] == "library").collect();
        assert!(library.len() >= 20, "only {} library topics: {list:?}", library.len());
        assert_eq!(library.len(), list.len(), "a new group's board is empty");
        for t in &library {
            assert!(t["id"].is_i64(), "{t}");
            assert!(t["title"].as_str().is_some_and(|s| !s.is_empty()), "{t}");
            assert_eq!(t["votes"], 0, "{t}");
            assert!(t["group_id"].is_null(), "library topics belong to no group: {t}");
            assert!(t["description"].as_str().is_some_and(|s| !s.is_empty()), "{t}");
            let prompts = t["prompts"].as_array().unwrap_or_else(|| panic!("prompts are a list: {t}"));
            assert!((3..=5).contains(&prompts.len()), "3 to 5 prompts: {t}");
            assert!(prompts.iter().all(|p| p.as_str().is_some_and(|p| !p.trim().is_empty())), "{t}");
        }
        for title in ["Hypos", "Eating out", "Foot care", "Eyes and kidneys", "Exercise and walking", "Stress and low mood", "Talking to your care team", "Medication experiences", "Sick days", "Festive eating", "Sleep"] {
            id_of(&list, title);
        }
        // Every group sees the same library; the coordinator too.
        assert_eq!(topics(&w.f2_api, w.group_b).await.len(), list.len());
        assert_eq!(topics(&w.c_api, g).await.len(), list.len());

        // Proposing a new title makes the group's own topic, on its board.
        let path = format!("/api/v1/groups/{g}/topics");
        let res = w.f1_api.post(&path, &json!({"title": "  Gardening  ", "description": "Growing food", "prompts": "What do you grow?\n\nWho helps?"})).await;
        res.expect(201);
        let garden = res.json();
        let garden_id = garden["id"].as_i64().expect("id");
        assert_eq!(res.location(), format!("/api/v1/groups/{g}/topics/{garden_id}"));
        assert_eq!((garden["title"].as_str(), garden["status"].as_str(), garden["votes"].as_i64(), garden["group_id"].as_i64()), (Some("Gardening"), Some("proposed"), Some(0), Some(g)), "{garden}");
        assert_eq!(garden["prompts"], json!(["What do you grow?", "Who helps?"]));

        // A title matching a library topic (in any case) proposes that topic: nothing new.
        let hypos = id_of(&list, "Hypos");
        let res = w.f1_api.post(&path, &json!({"title": "hypos"})).await;
        res.expect(201);
        assert_eq!(res.json()["id"], hypos, "the library's Hypos, not a new topic: {}", res.text);
        assert_eq!(res.json()["status"], "proposed");
        assert_eq!(propose(&w.c_api, g, "HYPOS").await, hypos);
        assert_eq!(propose(&w.f1_api, g, "gardening").await, garden_id, "the group's own topic again");
        let after = topics(&w.f1_api, g).await;
        assert_eq!(after.len(), list.len() + 1, "only Gardening is new");
        assert_eq!(after.iter().filter(|t| t["title"].as_str().is_some_and(|s| s.eq_ignore_ascii_case("hypos"))).count(), 1);
        let on_board: Vec<&str> = after.iter().filter(|t| t["status"] != "library").filter_map(|t| t["title"].as_str()).collect();
        assert_eq!(on_board.len(), 2, "{on_board:?}");

        // The board is the group's own: group B's list has no Gardening, and Hypos is still
        // only in the library there.
        let b_list = topics(&w.f2_api, w.group_b).await;
        assert!(!b_list.iter().any(|t| t["title"] == "Gardening"), "group A's own topic shows to group B");
        assert_eq!(b_list.iter().find(|t| t["id"] == hypos).expect("hypos")["status"], "library");
        // Group B proposing "Gardening" gets a topic of its own, not group A's.
        let b_garden = propose(&w.f2_api, w.group_b, "Gardening").await;
        assert_ne!(b_garden, garden_id);

        // Bad input: 422 naming title, nothing created.
        for body in [json!({}), json!({"title": ""}), json!({"title": "   "}), json!({"title": "t".repeat(121)}), json!({"title": {"nested": true}}), json!({"title": null})] {
            w.f1_api.post(&path, &body).await.expect_invalid_fields(&["title"]);
        }
        w.f1_api.post(&path, &json!({"title": "Fine", "description": "d".repeat(1001)})).await.expect_invalid_fields(&["description"]);
        w.f1_api.post(&path, &json!({"title": "Fine", "prompts": "p".repeat(3001)})).await.expect_invalid_fields(&["prompts"]);
        w.f1_api.post(&path, &json!({"title": "t".repeat(120)})).await.expect(201);
        let res = w.f1_api.send("POST", &path, Some(("application/json", b"{not json".to_vec())), &[]).await;
        res.expect_json_error(400, "bad_request");
        let res = w.f1_api.send("POST", &path, Some(("text/plain", b"title=Sleep".to_vec())), &[]).await;
        res.expect_json_error(400, "bad_request");
        w.f1_api.post("/api/v1/groups/999999/topics", &json!({"title": "Lost"})).await.expect_json_error(404, "not_found");
        assert_eq!(topics(&w.f1_api, g).await.len(), list.len() + 2);

        // The board page: the library, and what is on the board.
        let board = w.f1b.get(&format!("/groups/{g}/topics")).await;
        board.expect(200).expect_contains("Gardening").expect_contains("Foot care").expect_contains("Hypos");

        // The form: 422 with the message next to the field, what was typed kept.
        let res = w.f1b.post_form(&format!("/groups/{g}/topics"), &[("title", "")]).await;
        res.expect(422).expect_field_error("title", "Enter the topic, in a few words.");
        let long = "w".repeat(121);
        let res = w.f1b.post_form(&format!("/groups/{g}/topics"), &[("title", &long)]).await;
        res.expect(422).expect_field_error("title", "Use 120 characters or fewer.").expect_value("title", &long);
        w.f1b.post_form(&format!("/groups/{g}/topics"), &[("title", "Sleep")]).await.expect_redirect(&format!("/groups/{g}/topics"));
        // The way back is only ever a path on this site.
        for evil in ["//evil.example", "/\\evil.example", "/\t/evil.example"] {
            w.f1b.post_form(&format!("/groups/{g}/topics"), &[("title", "Sleep"), ("back", evil)]).await.expect_redirect(&format!("/groups/{g}/topics"));
        }
        assert_eq!(topic(&w.f1_api, g, id_of(&list, "Sleep")).await["status"], "proposed");
        // Only local places to go back to.
        let res = w.f1b.post_form(&format!("/groups/{g}/topics"), &[("title", "Sleep"), ("back", "//evil.example/x")]).await;
        res.expect_redirect(&format!("/groups/{g}/topics"));

        // A second instance on the same database does not plant the library twice.
        let second = Api::new(&app.another_instance().await, w.c_api.token.clone());
        assert_eq!(topics(&second, g).await.len(), list.len() + 2);
        assert_eq!(topics(&second, w.group_b).await.iter().filter(|t| t["status"] == "library").count(), library.len());
    }
}

both_backends! {
    async fn a_member_proposes_from_their_link_and_the_topic_comes_with_their_vote(app: TestApp) {
        let w = World::build(&app).await;
        let g = w.group_a;
        let link = issue_link(&app, &w.f1b, w.member_a).await;
        let member = app.browser();
        let res = link_post(&member, &link, "/topics", &[("title", "Allotments")]).await;
        res.expect_redirect(&format!("{link}#topics"));
        let list = topics(&w.f1_api, g).await;
        let id = id_of(&list, "Allotments");
        let t = topic(&w.f1_api, g, id).await;
        assert_eq!((t["status"].as_str(), t["votes"].as_i64()), (Some("proposed"), Some(1)), "{t}");
        // The page shows it with the member's vote, and a way to take it back.
        let page = member.get(&link).await;
        page.expect(200).expect_contains("Allotments").expect_contains(&format!("action=\"{link}/topics/{id}?_part="));
        let topics_part = section(&page.text, "topics-title");
        assert!(topics_part.contains("Allotments – 1 vote"), "{topics_part}");
        assert!(topics_part.contains("Take back my vote"), "{topics_part}");

        // Proposing a library topic from the link puts it on the board with the vote.
        link_post(&member, &link, "/topics", &[("title", "foot care")]).await.expect(303);
        let foot = id_of(&list, "Foot care");
        assert_eq!(votes(&w.f1_api, g, foot).await, 1);
        assert_eq!(topics(&w.f1_api, g).await.len(), list.len(), "no new topic for a library title");

        // Bad input: the message next to the field on the member's page, nothing added.
        let res = link_post(&member, &link, "/topics", &[("title", " ")]).await;
        res.expect(422).expect_field_error("title", "Enter the topic, in a few words.");
        res.expect_contains(MEMBER_A);
        let long = "a".repeat(121);
        let res = link_post(&member, &link, "/topics", &[("title", &long)]).await;
        res.expect(422).expect_field_error("title", "Use 120 characters or fewer.").expect_value("title", &long);
        assert_eq!(topics(&w.f1_api, g).await.len(), list.len());

    }
}

both_backends! {
    async fn people_proposing_the_same_new_topic_at_the_same_moment_get_one_topic(app: TestApp) {
        // Two members tapping "suggest" on the same new topic while the facilitator and the
        // coordinator type it in: every one of them is told it is on the board, there is one
        // topic, and both members' votes are on it.
        let w = World::build(&app).await;
        let g = w.group_a;
        let other = add_member(&w.cb, g, &[("preferred_name", "Olive Other")]).await;
        let link = issue_link(&app, &w.f1b, w.member_a).await;
        let other_link = issue_link(&app, &w.f1b, other).await;
        let (mb, ob) = (app.browser(), app.browser());
        mb.csrf_from(&link).await;
        ob.csrf_from(&other_link).await;
        let (p1, p2) = (format!("{link}/topics"), format!("{other_link}/topics"));
        let api_path = format!("/api/v1/groups/{g}/topics");
        let mut refused = Vec::new();
        for title in ["Knitting", "Allotments", "Choirs", "Dog walking", "Board games"] {
            let body = json!({ "title": title });
            let fields = [("title", title)];
            let (a, b, c, d) = tokio::join!(
                mb.post_form(&p1, &fields),
                ob.post_form(&p2, &fields),
                w.f1_api.post(&api_path, &body),
                w.c_api.post(&api_path, &body),
            );
            for r in [&a, &b, &c, &d] {
                if !matches!(r.status.as_u16(), 201 | 303) {
                    refused.push(format!("{title}: {} {}: {} {}", r.method, r.path, r.status, html::text_of(&excerpt(&r.text)).chars().take(160).collect::<String>()));
                }
            }
            let list = topics(&w.f1_api, g).await;
            let id = id_of(&list, title);
            let v = votes(&w.f1_api, g, id).await;
            if v != 2 {
                refused.push(format!("{title}: {v} votes, not the two members' 2"));
            }
        }
        assert!(refused.is_empty(), "proposals made at the same moment were refused:\n{}", refused.join("\n"));
    }
}

both_backends! {
    async fn one_vote_per_member_per_topic_however_many_arrive_at_once(app: TestApp) {
        let w = World::build(&app).await;
        let g = w.group_a;
        let list = topics(&w.f1_api, g).await;
        let a = w.member_a;
        let a2 = add_member(&w.cb, g, &[("preferred_name", "Quincy Quick")]).await;
        let link = issue_link(&app, &w.f1b, a).await;
        let link2 = issue_link(&app, &w.f1b, a2).await;
        let mb = app.browser();
        mb.csrf_from(&link).await;
        let mb2 = app.browser();
        mb2.csrf_from(&link2).await;

        // Ten votes of one member at once, on a library topic not yet on the board (so the
        // board row is made in the same race): through the API as the facilitator and the
        // coordinator, and taps on the member's link.
        for title in ["Foot care", "Sleep"] {
            let t = id_of(&list, title);
            let api_path = format!("/api/v1/topics/{t}/votes");
            let tap = format!("{link}/topics/{t}");
            let body = json!({"member_id": a});
            let results = tokio::join!(
                w.f1_api.post(&api_path, &body),
                mb.post_form(&tap, &[("vote", "true")]),
                w.c_api.post(&api_path, &body),
                mb.post_form(&tap, &[("vote", "true")]),
                w.f1_api.post(&api_path, &body),
                mb.post_form(&tap, &[("vote", "true")]),
                w.c_api.post(&api_path, &body),
                w.f1_api.post(&api_path, &body),
                mb.post_form(&tap, &[("vote", "true")]),
                w.f1_api.post(&api_path, &body),
            );
            let all = [&results.0, &results.1, &results.2, &results.3, &results.4, &results.5, &results.6, &results.7, &results.8, &results.9];
            for r in all {
                assert!(matches!(r.status.as_u16(), 201 | 303), "{} {}: {} {}", r.method, r.path, r.status, excerpt(&r.text));
                if r.status.as_u16() == 303 {
                    assert_eq!(r.location(), format!("{link}#topics"));
                }
            }
            let v = topic(&w.f1_api, g, t).await;
            assert_eq!((v["votes"].as_i64(), v["status"].as_str()), (Some(1), Some("proposed")), "{title}: {v}");
            assert_eq!(app.store.votes_of(&app.member_access(a).await).await.expect("votes").iter().filter(|x| x.get() == t).count(), 1);
        }
        let foot = id_of(&list, "Foot care");
        let api_path = format!("/api/v1/topics/{foot}/votes");
        // The answer is the topic as the group sees it.
        let res = w.f1_api.post(&api_path, &json!({"member_id": a2})).await;
        res.expect(201);
        assert_eq!((res.json()["id"].as_i64(), res.json()["votes"].as_i64()), (Some(foot), Some(2)));
        // Both members voting at once, twice each.
        let (tap1, tap2) = (format!("{link}/topics/{foot}"), format!("{link2}/topics/{foot}"));
        let (body1, body2) = (json!({"member_id": a}), json!({"member_id": a2}));
        let results = tokio::join!(
            mb2.post_form(&tap2, &[("vote", "true")]),
            w.f1_api.post(&api_path, &body2),
            mb.post_form(&tap1, &[("vote", "true")]),
            w.f1_api.post(&api_path, &body1),
        );
        for r in [&results.0, &results.1, &results.2, &results.3] {
            assert!(matches!(r.status.as_u16(), 201 | 303), "{} {}: {}", r.method, r.path, r.status);
        }
        assert_eq!(votes(&w.f1_api, g, foot).await, 2);

        // Votes can be taken back (DELETE, or vote=false from the link), and given again.
        let res = w.f1_api.send("DELETE", &format!("/api/v1/topics/{foot}/votes/{a}"), None, &[]).await;
        res.expect(200);
        assert_eq!(res.json()["votes"], 1);
        w.f1_api.send("DELETE", &format!("/api/v1/topics/{foot}/votes/{a}"), None, &[]).await.expect(200);
        assert_eq!(votes(&w.f1_api, g, foot).await, 1, "taking back twice takes back one vote");
        mb2.post_form(&format!("{link2}/topics/{foot}"), &[("vote", "false")]).await.expect_redirect(&format!("{link2}#topics"));
        assert_eq!(votes(&w.f1_api, g, foot).await, 0);
        mb.post_form(&format!("{link}/topics/{foot}"), &[("vote", "true")]).await.expect(303);
        assert_eq!(votes(&w.f1_api, g, foot).await, 1);
        let page = mb.get(&link).await;
        assert!(section(&page.text, "topics-title").contains("Foot care – 1 vote"));
        let page2 = mb2.get(&link2).await;
        let mine = section(&page2.text, "topics-title");
        assert!(mine.contains("Vote for Foot care") && !mine.contains("Take back my vote for Foot care"), "{mine}");

        // A member of group B cannot vote on group A's own topic, by any way in.
        let own = propose(&w.f1_api, g, "Gardening").await;
        let link_b = issue_link(&app, &w.f2b, w.member_b).await;
        let bb = app.browser();
        link_post(&bb, &link_b, &format!("/topics/{own}"), &[("vote", "true")]).await.expect(404);
        w.f2_api.post(&format!("/api/v1/topics/{own}/votes"), &json!({"member_id": w.member_b})).await.expect_json_error(404, "not_found");
        w.c_api.post(&format!("/api/v1/topics/{own}/votes"), &json!({"member_id": w.member_b})).await.expect_json_error(404, "not_found");
        // Nor can either facilitator vote for the other group's members.
        w.f2_api.post(&format!("/api/v1/topics/{own}/votes"), &json!({"member_id": a})).await.expect_json_error(404, "not_found");
        w.f1_api.post(&format!("/api/v1/topics/{foot}/votes"), &json!({"member_id": w.member_b})).await.expect_json_error(404, "not_found");
        w.f2_api.send("DELETE", &format!("/api/v1/topics/{foot}/votes/{a}"), None, &[]).await.expect_json_error(404, "not_found");
        assert_eq!(votes(&w.f1_api, g, own).await, 0);
        assert_eq!(votes(&w.f1_api, g, foot).await, 1);
        // A library topic's votes are counted per group.
        link_post(&bb, &link_b, &format!("/topics/{foot}"), &[("vote", "true")]).await.expect(303);
        assert_eq!(votes(&w.f2_api, w.group_b, foot).await, 1);
        assert_eq!(votes(&w.f1_api, g, foot).await, 1);

        // Bad input.
        w.f1_api.post(&api_path, &json!({})).await.expect_invalid_fields(&["member_id"]);
        w.f1_api.post(&api_path, &json!({"member_id": "Zebedee"})).await.expect_invalid_fields(&["member_id"]);
        w.f1_api.post(&api_path, &json!({"member_id": 999999})).await.expect_json_error(404, "not_found");
        w.f1_api.post("/api/v1/topics/999999/votes", &json!({"member_id": a})).await.expect_json_error(404, "not_found");
        link_post(&mb, &link, "/topics/999999", &[("vote", "true")]).await.expect(404);
        assert_eq!(votes(&w.f1_api, g, foot).await, 1, "refused votes count for nothing");
    }
}

both_backends! {
    async fn a_show_of_hands_in_the_brainstorm_and_one_tap_to_agree(app: TestApp) {
        let w = World::build(&app).await;
        let g = w.group_a;
        let list = topics(&w.f1_api, g).await;
        let a = w.member_a;
        let a2 = add_member(&w.cb, g, &[("preferred_name", "Quincy Quick")]).await;
        let a3 = add_member(&w.cb, g, &[("preferred_name", "Rosa Rapid")]).await;
        let today = plan_id(&w.f1_api, g, &days_from_now(0)).await;
        let next = plan_id(&w.f1_api, g, &days_from_now(28)).await;
        for m in [a, a2, a3] {
            sign_in(&w.f1_api, today, m).await;
        }

        // Topics called out, added in the brainstorm step.
        let page = run_at(&w.f1b, &w.f1_api, today, "next_meeting").await;
        // The box belongs to the step's form: "Add" saves it (and the rest of the step), and so
        // does moving on, so a topic typed and not added is not lost.
        let pos = step_of(&w.f1_api, today, "next_meeting").await.to_string();
        page.expect_contains("id=\"brainstorm\"").expect_contains("name=\"new_topic\" type=\"text\" autocomplete=\"off\" form=\"notes\"")
            .expect_contains(&format!("form=\"notes\" formaction=\"/meetings/{today}/run/steps/{pos}\""));
        let back = format!("/meetings/{today}/run#brainstorm");
        w.f1b.post_form(&format!("/meetings/{today}/run/steps/{pos}"), &[("new_topic", "Travel and holidays")]).await.expect_redirect(&back);
        w.f1b.post_form(&format!("/meetings/{today}/run/step"), &[("step", &pos), ("position", &pos), ("new_topic", "Gardening")]).await
            .expect_redirect(&format!("/meetings/{today}/run"));
        // Too long a topic is refused by its field, and nothing moves.
        w.f1b.post_form(&format!("/meetings/{today}/run/step"), &[("step", "0"), ("new_topic", &"t".repeat(121))]).await.expect(422);
        assert_eq!(crate::meetings::meeting(&w.f1_api, today).await["current_step"].as_u64(), pos.parse().ok());
        let travel = id_of(&list, "Travel and holidays");
        let garden = id_of(&topics(&w.f1_api, g).await, "Gardening");
        let page = w.f1b.get(&format!("/meetings/{today}/run")).await;
        let brainstorm = section(&page.text, "brainstorm-title");
        assert!(brainstorm.contains("Travel and holidays – 0 votes") && brainstorm.contains("Gardening – 0 votes"), "{brainstorm}");
        // A checkbox for each member present, in a show-of-hands form for each topic.
        for m in [a, a2, a3] {
            page.expect_contains(&format!("id=\"vote-{garden}-{m}\" name=\"member\" value=\"{m}\""));
        }
        page.expect_contains(&format!("name=\"meeting_id\" value=\"{next}\""));

        // The show of hands: the members ticked get a vote each, once.
        let act = format!("/groups/{g}/topics/{garden}");
        let (a_s, a2_s, a3_s) = (a.to_string(), a2.to_string(), a3.to_string());
        w.f1b.post_form(&act, &[("do", "votes"), ("member", &a_s), ("member", &a2_s), ("back", &back)]).await.expect_redirect(&back);
        assert_eq!(votes(&w.f1_api, g, garden).await, 2);
        w.f1b.post_form(&act, &[("do", "votes"), ("member", &a_s), ("member", &a2_s), ("member", &a3_s), ("back", &back)]).await.expect(303);
        assert_eq!(votes(&w.f1_api, g, garden).await, 3, "those who had voted already are not counted twice");
        w.f1b.post_form(&format!("/groups/{g}/topics/{travel}"), &[("do", "votes"), ("member", &a_s)]).await.expect_redirect(&format!("/groups/{g}/topics"));
        assert_eq!(votes(&w.f1_api, g, travel).await, 1);
        // Nobody ticked: no votes, no harm.
        w.f1b.post_form(&act, &[("do", "votes")]).await.expect(303);
        assert_eq!(votes(&w.f1_api, g, garden).await, 3);
        // A member of another group, or something that is not a member: refused, nothing counted.
        w.f1b.post_form(&format!("/groups/{g}/topics/{travel}"), &[("do", "votes"), ("member", &w.member_b.to_string())]).await.expect(404);
        w.cb.post_form(&format!("/groups/{g}/topics/{travel}"), &[("do", "votes"), ("member", &w.member_b.to_string())]).await.expect(404);
        w.f1b.post_form(&format!("/groups/{g}/topics/{travel}"), &[("do", "votes"), ("member", "Quincy")]).await.expect(400);
        assert_eq!(votes(&w.f2_api, w.group_b, travel).await, 0);
        let page = w.f1b.get(&format!("/meetings/{today}/run")).await;
        let brainstorm = section(&page.text, "brainstorm-title");
        assert!(brainstorm.contains("Gardening – 3 votes") && brainstorm.contains("Travel and holidays – 1 vote"), "{brainstorm}");

        // One tap agrees the topic for the next meeting.
        w.f1b.post_form(&act, &[("do", "agree"), ("meeting_id", &next.to_string()), ("back", &back)]).await.expect_redirect(&back);
        assert_eq!(meeting(&w.f1_api, next).await["topic"], "Gardening");
        let t = topic(&w.f1_api, g, garden).await;
        assert_eq!((t["status"].as_str(), t["meeting_id"].as_i64()), (Some("agreed"), Some(next)), "{t}");
        let page = w.f1b.get(&format!("/meetings/{today}/run")).await;
        assert!(section(&page.text, "brainstorm-title").contains("topic: Gardening"));
        // The member sees it on their link, agreed.
        let link = issue_link(&app, &w.f1b, a).await;
        let mb = app.browser();
        let mine = mb.get(&link).await;
        let part = section(&mine.text, "topics-title");
        assert!(part.contains("Gardening") && part.contains("Agreed for a meeting"), "{part}");
    }
}

both_backends! {
    async fn a_topic_goes_from_proposed_to_agreed_to_covered_and_back(app: TestApp) {
        let w = World::build(&app).await;
        let g = w.group_a;
        let list = topics(&w.f1_api, g).await;
        let m1 = plan_id(&w.f1_api, g, &days_from_now(0)).await;
        let m2 = plan_id(&w.f1_api, g, &days_from_now(28)).await;
        let garden = propose(&w.f1_api, g, "Gardening").await;
        let hypos = id_of(&list, "Hypos");
        let put = |t: i64| format!("/api/v1/groups/{g}/topics/{t}");

        // Agreed through the API: the meeting's topic.
        let res = w.f1_api.put(&put(garden), &json!({"status": "agreed", "meeting_id": m1})).await;
        res.expect(200);
        assert_eq!((res.json()["status"].as_str(), res.json()["meeting_id"].as_i64()), (Some("agreed"), Some(m1)), "{}", res.text);
        assert_eq!(meeting(&w.f1_api, m1).await["topic"], "Gardening");
        // Another topic agreed for the same meeting (through the board's form): it takes its
        // place, and the first goes back to proposed.
        w.f1b.post_form(&format!("/groups/{g}/topics/{hypos}"), &[("do", "agree"), ("meeting_id", &m1.to_string())]).await.expect_redirect(&format!("/groups/{g}/topics"));
        assert_eq!(meeting(&w.f1_api, m1).await["topic"], "Hypos");
        assert_eq!(topic(&w.f1_api, g, hypos).await["status"], "agreed");
        let t = topic(&w.f1_api, g, garden).await;
        assert_eq!((t["status"].as_str(), t["meeting_id"].clone()), (Some("proposed"), Value::Null), "{t}");
        // Votes do not undo an agreement.
        w.f1_api.post(&format!("/api/v1/topics/{hypos}/votes"), &json!({"member_id": w.member_a})).await.expect(201);
        assert_eq!(topic(&w.f1_api, g, hypos).await["status"], "agreed");

        // The discussion step shows the agreed topic, its prompts and the reminder.
        let page = run_at(&w.f1b, &w.f1_api, m1, "topic").await;
        let part = section(&page.text, "topic-title");
        assert!(part.contains("Hypos"), "{part}");
        for p in topic(&w.f1_api, g, hypos).await["prompts"].as_array().expect("prompts") {
            assert!(part.contains(p.as_str().expect("prompt")), "prompt {p} missing: {part}");
        }
        assert!(part.contains("We do not give advice about medication"), "{part}");
        // The coordinator sees the same (topics are not private).
        assert!(w.cb.get(&format!("/meetings/{m1}/run")).await.text.contains("What are your early signs of a hypo?"));

        // Ending the meeting marks the topic covered.
        w.f1b.post_form(&format!("/meetings/{m1}/end"), &[("confirm", "yes")]).await.expect_redirect(&format!("/meetings/{m1}/notes"));
        let t = topic(&w.f1_api, g, hypos).await;
        assert_eq!(t["status"], "covered", "{t}");
        let covered_at = t["last_covered_at"].as_i64().unwrap_or_else(|| panic!("no last_covered_at: {t}"));
        assert!((jiff::Timestamp::now().as_second() - covered_at).abs() < 120, "{t}");
        assert_eq!(topic(&w.f1_api, g, garden).await["status"], "proposed", "only the agreed topic is covered");
        let board = w.f1b.get(&format!("/groups/{g}/topics")).await;
        board.expect(200).expect_contains("last covered");
        // Group B's board knows nothing of it.
        let other = topics(&w.f2_api, w.group_b).await;
        let b_hypos = other.iter().find(|t| t["id"] == hypos).expect("hypos");
        assert_eq!((b_hypos["status"].as_str(), b_hypos["last_covered_at"].clone()), (Some("library"), Value::Null));

        // Set aside, and back to proposed; covered by hand.
        let res = w.f1_api.put(&put(garden), &json!({"status": "set_aside"})).await;
        res.expect(200);
        assert_eq!(res.json()["status"], "set_aside");
        w.f1b.get(&format!("/groups/{g}/topics")).await.expect_contains("Kept for later (1)");
        w.f1b.post_form(&format!("/groups/{g}/topics/{garden}"), &[("do", "proposed")]).await.expect(303);
        assert_eq!(topic(&w.f1_api, g, garden).await["status"], "proposed");
        w.f1b.post_form(&format!("/groups/{g}/topics/{garden}"), &[("do", "set_aside")]).await.expect(303);
        assert_eq!(topic(&w.f1_api, g, garden).await["status"], "set_aside");
        let res = w.c_api.put(&put(garden), &json!({"status": "proposed"})).await;
        res.expect(200);
        assert_eq!(res.json()["status"], "proposed");
        w.f1b.post_form(&format!("/groups/{g}/topics/{garden}"), &[("do", "covered")]).await.expect(303);
        let t = topic(&w.f1_api, g, garden).await;
        assert_eq!(t["status"], "covered");
        assert!(t["last_covered_at"].is_i64(), "{t}");
        // A library topic can go straight to agreed for the next meeting.
        let sleep = id_of(&list, "Sleep");
        w.f1_api.put(&put(sleep), &json!({"status": "agreed", "meeting_id": m2})).await.expect(200);
        assert_eq!(meeting(&w.f1_api, m2).await["topic"], "Sleep");

        // Bad input, and meetings of another group: refused, nothing changed.
        let before = topics(&w.f1_api, g).await;
        w.f1_api.put(&put(garden), &json!({"status": "maybe"})).await.expect_invalid_fields(&["status"]);
        w.f1_api.put(&put(garden), &json!({})).await.expect_invalid_fields(&["status"]);
        w.f1_api.put(&put(garden), &json!({"status": "library"})).await.expect_invalid_fields(&["status"]);
        w.f1_api.put(&put(garden), &json!({"status": "agreed"})).await.expect_invalid_fields(&["meeting_id"]);
        w.f1_api.put(&put(garden), &json!({"status": "agreed", "meeting_id": "next"})).await.expect_invalid_fields(&["meeting_id"]);
        let b_meeting = plan_id(&w.f2_api, w.group_b, &days_from_now(30)).await;
        w.f1_api.put(&put(garden), &json!({"status": "agreed", "meeting_id": b_meeting})).await.expect_json_error(404, "not_found");
        w.c_api.put(&put(garden), &json!({"status": "agreed", "meeting_id": b_meeting})).await.expect_json_error(404, "not_found");
        w.f1_api.put(&put(999999), &json!({"status": "proposed"})).await.expect_json_error(404, "not_found");
        let b_own = propose(&w.f2_api, w.group_b, "Birdwatching").await;
        w.f1_api.put(&put(b_own), &json!({"status": "proposed"})).await.expect_json_error(404, "not_found");
        let act = format!("/groups/{g}/topics/{garden}");
        w.f1b.post_form(&act, &[("do", "agree")]).await.expect(400);
        w.f1b.post_form(&act, &[("do", "agree"), ("meeting_id", "soon")]).await.expect(400);
        w.f1b.post_form(&act, &[("do", "agree"), ("meeting_id", &b_meeting.to_string())]).await.expect(404);
        w.f1b.post_form(&act, &[("do", "dance")]).await.expect(400);
        w.f1b.post_form(&act, &[]).await.expect(400);
        w.f1b.post_form(&format!("/groups/{g}/topics/{b_own}"), &[("do", "proposed")]).await.expect(404);
        assert_eq!(topics(&w.f1_api, g).await, before);
        assert_eq!(meeting(&w.f2_api, b_meeting).await["topic"], "");
        assert!(!topics(&w.f1_api, g).await.iter().any(|t| t["id"] == b_own));
    }
}

both_backends! {
    async fn groups_edit_and_retire_their_own_topics_and_only_coordinators_the_library(app: TestApp) {
        let w = World::build(&app).await;
        let g = w.group_a;
        let list = topics(&w.f1_api, g).await;
        let garden = propose(&w.f1_api, g, "Gardening").await;
        let knit = propose(&w.f1_api, g, "Knitting").await;
        let edit = |t: i64| format!("/groups/{g}/topics/{t}/edit");

        // The topic page offers the form for the group's own topic.
        w.f1b.get(&format!("/groups/{g}/topics/{garden}")).await.expect(200).expect_contains(&format!("action=\"{}\"", edit(garden))).expect_value("title", "Gardening");
        w.f1b
            .post_form(&edit(garden), &[("title", "Gardening and allotments"), ("description", "Growing your own food"), ("prompts", "What do you grow?\r\n\r\n  Who helps you?  \nWhat have you learned?")])
            .await
            .expect_redirect(&format!("/groups/{g}/topics/{garden}"));
        let t = topic(&w.f1_api, g, garden).await;
        assert_eq!(t["title"], "Gardening and allotments");
        assert_eq!(t["description"], "Growing your own food");
        assert_eq!(t["prompts"], json!(["What do you grow?", "Who helps you?", "What have you learned?"]));
        assert_eq!(t["status"], "proposed", "editing keeps its place on the board");
        let page = w.f1b.get(&format!("/groups/{g}/topics/{garden}")).await;
        page.expect_contains("Who helps you?");

        // Bad input: 422 with the messages next to the fields, nothing saved.
        let res = w.f1b.post_form(&edit(garden), &[("title", ""), ("description", "kept")]).await;
        res.expect(422).expect_field_error("title", "Enter the topic, in a few words.").expect_value("description", "kept");
        let res = w.f1b.post_form(&edit(garden), &[("title", "Fine"), ("description", &"d".repeat(1001)), ("prompts", &"p".repeat(3001))]).await;
        res.expect(422).expect_field_error("description", "Use 1000 characters or fewer.").expect_field_error("prompts", "Use 3000 characters or fewer.");
        // Two of the group's topics cannot share a name.
        let res = w.f1b.post_form(&edit(knit), &[("title", "gardening AND allotments")]).await;
        res.expect(422).expect_field_error("title", "There is already a topic with this name.");
        assert_eq!(topic(&w.f1_api, g, garden).await["title"], "Gardening and allotments");
        assert_eq!(topic(&w.f1_api, g, knit).await["title"], "Knitting");

        // Retired: marked so, and no longer offered in the library once off the board.
        w.f1b.post_form(&edit(knit), &[("title", "Knitting"), ("retired", "true")]).await.expect(303);
        assert_eq!(topic(&w.f1_api, g, knit).await["retired"], true);
        // The coordinator can edit the group's topics too.
        w.cb.post_form(&edit(knit), &[("title", "Knitting and crochet"), ("retired", "true")]).await.expect(303);
        assert_eq!(topic(&w.f1_api, g, knit).await["title"], "Knitting and crochet");

        // A library topic: the facilitator may not change it (403), a coordinator may, for all.
        let eyes = id_of(&list, "Eyes and kidneys");
        w.f1b.get(&format!("/groups/{g}/topics/{eyes}")).await.expect(200).expect_lacks(&format!("action=\"{}\"", edit(eyes))).expect_contains("A coordinator can change it");
        let res = w.f1b.post_form(&edit(eyes), &[("title", "Eyes")]).await;
        res.expect(403);
        assert_eq!(topic(&w.f1_api, g, eyes).await["title"], "Eyes and kidneys");
        w.f2b.post_form(&format!("/groups/{}/topics/{eyes}/edit", w.group_b), &[("title", "Eyes")]).await.expect(403);
        // Refused before what was typed is read: no form of errors for someone who may not.
        w.f1b.post_form(&edit(eyes), &[("title", "")]).await.expect(403);
        w.cb.get(&format!("/groups/{g}/topics/{eyes}")).await.expect(200).expect_contains(&format!("action=\"{}\"", edit(eyes)));
        w.cb.post_form(&edit(eyes), &[("title", "Eyes, kidneys and check-ups"), ("description", "Screening"), ("prompts", "One\nTwo\nThree")]).await.expect(303);
        assert_eq!(topic(&w.f1_api, g, eyes).await["title"], "Eyes, kidneys and check-ups");
        assert_eq!(topic(&w.f2_api, w.group_b, eyes).await["title"], "Eyes, kidneys and check-ups", "the library is shared");

        // The other group's facilitator can do nothing with group A's own topic.
        let before = topic(&w.f1_api, g, garden).await;
        w.f2b.get(&format!("/groups/{g}/topics/{garden}")).await.expect(404).expect_lacks("Gardening");
        w.f2b.post_form(&edit(garden), &[("title", "Taken over")]).await.expect(404);
        w.f2b.post_form(&format!("/groups/{}/topics/{garden}/edit", w.group_b), &[("title", "Taken over")]).await.expect(404);
        w.f2b.get(&format!("/groups/{}/topics/{garden}", w.group_b)).await.expect(404).expect_lacks("Gardening");
        w.f2b.post_form(&edit(garden), &[("title", "")]).await.expect(404).expect_lacks("Gardening");
        assert_eq!(topic(&w.f1_api, g, garden).await, before);
    }
}

both_backends! {
    async fn a_refused_show_of_hands_counts_nobody(app: TestApp) {
        // A show of hands naming someone who is not in the group is refused as a whole: the
        // members named before them are not counted either.
        let w = World::build(&app).await;
        let g = w.group_a;
        let a2 = add_member(&w.cb, g, &[("preferred_name", "Quincy Quick")]).await;
        let travel = id_of(&topics(&w.f1_api, g).await, "Travel and holidays");
        let act = format!("/groups/{g}/topics/{travel}");
        let (a, a2, b) = (w.member_a.to_string(), a2.to_string(), w.member_b.to_string());
        w.f1b.post_form(&act, &[("do", "votes"), ("member", &a), ("member", &a2), ("member", &b)]).await.expect(404);
        w.cb.post_form(&act, &[("do", "votes"), ("member", &a), ("member", "999999")]).await.expect(404);
        let t = topic(&w.f1_api, g, travel).await;
        assert_eq!(t["votes"], 0, "a refused show of hands still counted votes: {t}");
        assert_eq!(t["status"], "library", "a refused show of hands still put the topic on the board: {t}");
        assert!(app.store.votes_of(&app.member_access(w.member_a).await).await.expect("votes").is_empty());
    }
}

both_backends! {
    async fn a_meeting_keeps_only_the_topic_agreed_for_it(app: TestApp) {
        // The meeting's topic follows the board: when the agreed topic moves to another
        // meeting, or is set aside, the meeting it left no longer announces it (to the group
        // on the run-sheet, and to members on their links).
        let w = World::build(&app).await;
        let g = w.group_a;
        let m1 = plan_id(&w.f1_api, g, &days_from_now(14)).await;
        let m2 = plan_id(&w.f1_api, g, &days_from_now(42)).await;
        let garden = propose(&w.f1_api, g, "Gardening").await;
        let put = format!("/api/v1/groups/{g}/topics/{garden}");
        w.f1_api.put(&put, &json!({"status": "agreed", "meeting_id": m1})).await.expect(200);
        assert_eq!(meeting(&w.f1_api, m1).await["topic"], "Gardening");
        // Moved to the later meeting.
        w.f1_api.put(&put, &json!({"status": "agreed", "meeting_id": m2})).await.expect(200);
        assert_eq!(topic(&w.f1_api, g, garden).await["meeting_id"], m2);
        assert_eq!(meeting(&w.f1_api, m2).await["topic"], "Gardening");
        let left_behind = meeting(&w.f1_api, m1).await["topic"].clone();
        // Set aside.
        w.f1_api.put(&put, &json!({"status": "set_aside"})).await.expect(200);
        let set_aside = meeting(&w.f1_api, m2).await["topic"].clone();
        assert_eq!(
            (left_behind.as_str(), set_aside.as_str()),
            (Some(""), Some("")),
            "meetings still announce a topic no longer agreed for them (the first after the topic moved away, the second after it was set aside)"
        );
    }
}
