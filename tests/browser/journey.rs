//! The first coordinator's journey through Hearth, in a real browser: setup, signing out and in,
//! a group, a venue, a member, a CSV import, a personal link; forms with bad input; every page
//! checked with axe-core.

use fantoccini::Locator;
use serde_json::Value;

use crate::harness::{Browser, TempDir, run};

const NAME: &str = "Grace Hopper";
const EMAIL: &str = "grace@example.org";
const PASSWORD: &str = "a long enough password";

/// The id at the end of a path like /groups/12.
fn id_in(path: &str, prefix: &str) -> i64 {
    path.strip_prefix(prefix)
        .and_then(|rest| rest.split(['/', '?', '#']).next())
        .and_then(|id| id.parse().ok())
        .unwrap_or_else(|| panic!("expected a page under {prefix}, got {path}"))
}

async fn assert_path(b: &Browser, expected: &str) {
    let path = b.path().await;
    assert_eq!(
        path, expected,
        "expected to be on {expected}, but on {path}"
    );
}

async fn assert_text(b: &Browser, needle: &str) {
    let body = b.body_text().await;
    assert!(
        body.contains(needle),
        "expected {needle:?} on {}; the page says:\n{body}",
        b.path().await
    );
}

/// The error summary is shown, has focus, links to every field in error, and following a link
/// puts the focus in that field.
async fn assert_error_summary(b: &Browser, fields: &[&str]) {
    let state = b
        .client
        .execute(
            r##"var s = document.querySelector('.error-summary');
            if (!s) { return null; }
            var links = Array.prototype.map.call(s.querySelectorAll('a[href^="#"]'), function (a) {
                var id = a.getAttribute('href').slice(1);
                var target = document.getElementById(id);
                return { id: id, text: a.textContent.trim(), exists: !!target,
                    invalid: target ? target.getAttribute('aria-invalid') : null,
                    describedby: target ? (target.getAttribute('aria-describedby') || '') : '' };
            });
            return { focused: document.activeElement === s, role: s.getAttribute('role'), links: links };"##,
            vec![],
        )
        .await
        .expect("read the error summary");
    assert!(
        !state.is_null(),
        "no error summary on {} after bad input",
        b.path().await
    );
    assert_eq!(
        state["focused"],
        Value::Bool(true),
        "the error summary should have the focus when the page opens: {state}"
    );
    let links = state["links"].as_array().cloned().unwrap_or_default();
    for field in fields {
        let link = links
            .iter()
            .find(|l| l["id"] == *field)
            .unwrap_or_else(|| panic!("the error summary does not link to #{field}: {state}"));
        assert_eq!(
            link["exists"],
            Value::Bool(true),
            "#{field} is not on the page"
        );
        assert!(
            !link["text"].as_str().unwrap_or_default().is_empty(),
            "the link to #{field} has no text"
        );
    }
    for link in &links {
        assert_eq!(
            link["exists"],
            Value::Bool(true),
            "the error summary links to a field that is not on the page: {link}"
        );
    }
    // Following the first link moves the focus into that field.
    let first = fields[0];
    let anchor = b
        .client
        .find(Locator::Css(&format!(".error-summary a[href='#{first}']")))
        .await
        .expect("summary link");
    anchor.click().await.expect("follow the summary link");
    let focused = b
        .client
        .execute(
            "return document.activeElement ? document.activeElement.id : null;",
            vec![],
        )
        .await
        .expect("active element");
    assert_eq!(
        focused,
        Value::String(first.to_string()),
        "following the error summary's link should put the focus in #{first}"
    );
}

async fn sign_in(b: &mut Browser) {
    b.fill("email", EMAIL).await;
    b.fill("password", PASSWORD).await;
    b.press("Sign in").await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn first_coordinator_journey() {
    run("journey", |mut b| async move {
        // A new install sends everyone to the setup page.
        b.client.goto(&b.url("/")).await.expect("open /");
        assert_path(&b, "/setup").await;
        b.prove_checks_catch_problems().await;
        b.client.refresh().await.expect("reload /setup");
        b.check("setup").await;
        b.look_at("setup").await;

        // Setup with bad input: the summary names each field.
        b.fill("name", NAME).await;
        b.fill("email", "not an email").await;
        b.fill("password", "short").await;
        b.fill("password_confirm", "different").await;
        b.press("Create my account").await;
        b.check("setup with errors").await;
        assert_error_summary(&b, &["email", "password"]).await;

        b.fill("name", NAME).await;
        b.fill("email", EMAIL).await;
        b.fill("password", PASSWORD).await;
        b.fill("password_confirm", PASSWORD).await;
        b.press("Create my account").await;
        b.check("home, first visit").await;
        assert_path(&b, "/").await;
        assert_text(&b, "Hello, Grace").await;

        // The setup page is refused once an account exists.
        b.client.goto(&b.url("/setup")).await.expect("open /setup");
        assert_text(&b, "Hearth is already set up").await;
        let body = b.body_text().await;
        assert!(
            !body.contains("Create my account"),
            "the setup form is offered again:\n{body}"
        );
        b.check("setup refused").await;

        // Sign out, then sign in again (first with a wrong password).
        b.visit("/", "home").await;
        b.press("Sign out").await;
        assert_path(&b, "/signin").await;
        assert_text(&b, "You have signed out").await;
        b.check("sign in").await;
        b.look_at("signin").await;
        b.fill("email", EMAIL).await;
        b.fill("password", "not the password").await;
        b.press("Sign in").await;
        b.check("sign in with wrong password").await;
        assert_text(&b, "There is a problem").await;
        sign_in(&mut b).await;
        assert_path(&b, "/").await;
        b.check("home after signing in").await;
        b.look_at("home-empty").await;

        // A group.
        b.visit("/groups/new", "new group form").await;
        b.fill("name", "Thursday Friends").await;
        b.fill("description", "A relaxed group for anyone living with a long-term illness.")
            .await;
        b.press("Add the group").await;
        let group_path = b.path().await;
        let group_id = id_in(&group_path, "/groups/");
        b.check("group page, new").await;
        assert_text(&b, "Thursday Friends has been added").await;

        // A group form with bad input.
        b.visit(&format!("/groups/{group_id}/edit"), "edit group form")
            .await;
        b.fill("name", "").await;
        b.fill("usual_meeting_length", "an hour").await;
        b.press("Save changes").await;
        b.check("group form with errors").await;
        assert_error_summary(&b, &["name", "usual_meeting_length"]).await;

        // A venue: first with bad input, then right.
        b.visit("/venues/new", "new venue form").await;
        b.fill("capacity", "lots").await;
        b.press("Add the venue").await;
        b.check("venue form with errors").await;
        assert_error_summary(&b, &["name", "capacity"]).await;
        b.look_at("venue-form-errors").await;
        b.fill("name", "St Anne's Community Centre").await;
        b.fill("address", "14 Mill Lane\nHexley\nHX2 4PL").await;
        b.fill("how_to_get_there", "Buses 12 and 40 stop outside.").await;
        b.fill("toilets", "Along the corridor on the left.").await;
        b.fill("fire_exits", "The double doors at the back of the hall.")
            .await;
        b.choose("step_free", "fully").await;
        b.choose("hearing_loop", "true").await;
        b.choose("accessible_toilet", "true").await;
        b.fill("capacity", "30").await;
        b.fill("booking_contact", "Janet, 01632 960 123").await;
        b.press("Add the venue").await;
        let venue_id = id_in(&b.path().await, "/venues/");
        b.check("venue page").await;
        assert_text(&b, "St Anne's Community Centre has been added").await;
        b.visit("/venues", "venues list").await;
        b.look_at("venues-list").await;

        // The group meets at the venue.
        b.visit(&format!("/groups/{group_id}/edit"), "edit group form")
            .await;
        b.select("usual_venue_id", &venue_id.to_string()).await;
        b.press("Save changes").await;
        assert_path(&b, &format!("/groups/{group_id}")).await;
        b.check("group page").await;
        assert_text(&b, "St Anne's Community Centre").await;
        b.look_at("group").await;

        // A member, added by hand (first with bad input).
        b.visit(
            &format!("/groups/{group_id}/members/new"),
            "new member form",
        )
        .await;
        b.fill("preferred_name", "").await;
        b.fill("email", "ada@").await;
        b.press("Add this member").await;
        b.check("member form with errors").await;
        assert_error_summary(&b, &["preferred_name", "email"]).await;
        b.fill("preferred_name", "Ada").await;
        b.fill("full_name", "Ada Lovelace").await;
        b.fill("phone", "07700 900123").await;
        b.fill("email", "ada@example.org").await;
        b.choose("needs", "hearing").await;
        b.fill("needs_note", "Sits near the front, uses the hearing loop.")
            .await;
        b.press("Add this member").await;
        let member_id = id_in(&b.path().await, "/members/");
        b.check("member page").await;
        assert_text(&b, "Ada has been added to Thursday Friends").await;
        b.look_at("member").await;

        // Import a CSV file: a file with a wrong row is refused, with the row named.
        let files = TempDir::new("csv");
        let bad = files.path().join("bad.csv");
        std::fs::write(
            &bad,
            "preferred_name,email,preferred_contact\nBarbara,barbara@example.org,email\n,nobody@example.org,email\nCharles,charles@,phone\n",
        )
        .expect("write bad.csv");
        b.visit(
            &format!("/groups/{group_id}/members/import"),
            "import form",
        )
        .await;
        b.upload("file", &bad).await;
        b.press("Check the file").await;
        b.check("import preview with errors").await;
        assert_text(&b, "2 of 3 rows need changing").await;
        assert_text(&b, "Nothing has been imported").await;
        let focused = b
            .client
            .execute(
                "return document.activeElement && document.activeElement.classList.contains('error-summary');",
                vec![],
            )
            .await
            .expect("active element");
        assert_eq!(
            focused,
            Value::Bool(true),
            "the import's error summary should have the focus"
        );
        b.look_at("import-preview-errors").await;

        let good = files.path().join("members.csv");
        std::fs::write(
            &good,
            "preferred_name,full_name,phone,email,preferred_contact,needs,needs_note,happy_to_share_story,joined_on\n\
             Barbara,Barbara Liskov,,barbara@example.org,email,mobility;dietary,Needs a chair with arms,yes,2026-01-15\n\
             Charles,,01632 960 456,,phone,,,not_asked,\n\
             \"Dorothy \"\"Dot\"\"\",Dorothy Vaughan,,dot@example.org,text,sight,Large print please,no,2025-11-02\n",
        )
        .expect("write members.csv");
        b.upload("file", &good).await;
        b.press("Check the file").await;
        b.check("import preview").await;
        assert_text(&b, "All 3 rows are ready").await;
        for name in ["Barbara", "Charles", "Dorothy \"Dot\""] {
            assert_text(&b, name).await;
        }
        b.look_at("import-preview").await;
        b.press("Import 3 members").await;
        assert_path(&b, &format!("/groups/{group_id}/members")).await;
        b.check("members list after import").await;
        assert_text(&b, "3 members were imported into Thursday Friends").await;
        for name in ["Ada", "Barbara", "Charles", "Dorothy \"Dot\""] {
            assert_text(&b, name).await;
        }
        assert_text(&b, "4 members").await;
        b.look_at("members-list").await;
        b.print_to_pdf("members-list").await;
        b.check_print_layout(
            "members-list",
            &["Members", "Ada", "Barbara", "Charles", "Dorothy"],
        )
        .await;

        // Search and filters.
        b.fill("q", "Barb").await;
        b.press("Find").await;
        b.check("members list, searched").await;
        assert_text(&b, "1 member found").await;

        // Lists and other pages.
        b.visit("/groups", "groups list").await;
        assert_text(&b, "Thursday Friends").await;
        b.look_at("groups-list").await;
        b.visit("/", "home with a group").await;
        b.look_at("home").await;
        b.visit("/account", "account").await;
        b.visit("/staff", "staff").await;
        b.look_at("staff").await;
        b.visit(&format!("/venues/{venue_id}/edit"), "edit venue form")
            .await;

        // What a member can ask for (issue 18): their data, erasure, and the audit trail.
        b.visit(&format!("/members/{member_id}/data"), "member's data for staff")
            .await;
        b.visit(&format!("/members/{member_id}/erase"), "erase a member")
            .await;
        b.look_at("erase-member").await;
        b.visit("/audit", "who looked at records").await;
        b.look_at("audit").await;

        // A personal link for the member, and the page it opens.
        b.visit(&format!("/members/{member_id}"), "member page").await;
        b.press("Make a personal link").await;
        b.check("personal link made").await;
        b.look_at("personal-link-made").await;
        let link = b
            .find("#secret-link")
            .await
            .prop("value")
            .await
            .expect("read the link")
            .expect("the link has a value");
        let token_path = link
            .strip_prefix(&b.base)
            .unwrap_or_else(|| panic!("the link {link} is not on {}", b.base))
            .to_string();
        assert!(token_path.starts_with("/m/"), "unexpected link {link}");
        b.press_sign_out_if_signed_in().await;
        b.visit(&format!("{token_path}/data"), "member's own data").await;
        b.visit(&token_path, "personal link page").await;
        assert_text(&b, "Hello, Ada").await;
        b.look_at("personal-link").await;
        b.fill("email", "not an email").await;
        b.press("Save my details").await;
        b.check("personal link page with errors").await;
        assert_error_summary(&b, &["email"]).await;
        b.fill("email", "ada.l@example.org").await;
        b.press("Save my details").await;
        b.check("personal link page, saved").await;
        assert_text(&b, "Your details have been saved").await;

        b.finish();
    })
    .await;
}
