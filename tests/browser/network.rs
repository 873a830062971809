//! The programme lead's view of a network (issue 21): on a seeded network of 500 groups, a
//! coordinator finds a group, a member, a concern and a facilitator's groups, at 1366 px and on
//! a 390 px phone, each in a few taps. Every page is checked (axe-core, targets of 44 px, no
//! other host, no CSP error), and the taps of each task are held to a ceiling.

use crate::harness::{App, Browser, run_on, tools_or_skip};
use hearth::domain::RawInput;
use hearth::domain::ids::GroupId;

/// As many groups as the network-scale seed (`hearth seed --network`); fewer members and years
/// keep the seeding quick, and no list here grows with either.
const GROUPS: usize = 500;
const SIZES: [(u32, u32); 2] = [(1366, 900), (390, 844)];
const MEMBER: &str = "Ottoline Quayle";
const CONCERN: &str = "Said at the door that she has stopped eating";

/// The most taps each task may take (measured; printed with --nocapture).
const CEILINGS: [(&str, usize); 4] = [
    ("find a group by its number", 3),
    ("find a member of any group", 3),
    ("find a concern", 2),
    ("find which groups a facilitator runs", 4),
];

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_programme_lead_finds_a_group_a_member_a_concern_and_a_facilitators_groups() {
    let Some(tools) = tools_or_skip() else {
        return;
    };
    let app = App::start_with_seed(GROUPS, 4, 1, |store| async move {
        // Group 313's facilitator notes a concern about a new member.
        let f = store
            .account_by_email("facilitator313@example.org")
            .await
            .expect("group 313's facilitator");
        let group = store.group(&f, GroupId(313)).await.expect("group 313");
        let member = hearth::domain::member::MemberInput::try_from(&RawInput::of(&[
            ("preferred_name", "Ottoline"),
            ("full_name", MEMBER),
        ]))
        .expect("a member");
        let member = store.create_member(&group, &member).await.expect("add her");
        let concern = hearth::domain::meeting::ConcernInput::try_from(&RawInput::of(&[
            ("member_id", &member.id.to_string()),
            ("about", "Eating"),
            ("concern", CONCERN),
            ("action_taken", "Gave her the helpline number"),
            ("who_told", "Nobody yet"),
        ]))
        .expect("a concern");
        store
            .add_concern(&group, None, &concern)
            .await
            .expect("note the concern");
    })
    .await;
    run_on(tools, app, "network", |b| async move { lead(b).await }).await;
}

async fn lead(mut b: Browser) {
    b.visit("/signin", "sign in").await;
    b.fill("email", "coordinator@example.org").await;
    b.fill("password", hearth::seed::SEED_PASSWORD).await;
    b.press("Sign in").await;
    b.take_taps();
    for (width, height) in SIZES {
        b.set_viewport(width, height).await;
        let mut counts = Vec::new();

        // A group by its number: Groups, search, open it.
        b.visit("/", "home").await;
        b.take_taps();
        nav(&b, "Groups").await;
        b.fill("q", "Group 313").await;
        b.press("Find").await;
        b.check("groups found").await;
        link(&b, "Group 313").await;
        b.check("group 313").await;
        b.expect_text("Facilitators").await;
        counts.push(b.take_taps());

        // A member of any group: Home's search box, open her.
        b.visit("/", "home").await;
        b.take_taps();
        b.fill("find-member", "Ottoline").await;
        b.press("Find").await;
        b.check("members found").await;
        link(&b, "Ottoline").await;
        b.check("the member").await;
        b.expect_text(MEMBER).await;
        counts.push(b.take_taps());

        // A concern: Home says first what needs attention; the group's concerns are a tap away.
        b.visit("/", "home").await;
        b.take_taps();
        b.expect_text("Needs attention").await;
        link(&b, "concern recorded in the last 90 days").await;
        b.check("the group's concerns").await;
        b.expect_text(CONCERN).await;
        counts.push(b.take_taps());

        // Which groups a facilitator runs: Staff, search for them, open their page.
        b.visit("/", "home").await;
        b.take_taps();
        nav(&b, "Staff").await;
        b.fill("q", "facilitator313@").await;
        b.press("Find").await;
        b.check("staff found").await;
        let person = b.find("td.name-cell a").await;
        b.click_and_wait(person).await;
        b.check("the facilitator's page").await;
        b.expect_text("Groups they facilitate").await;
        b.expect_text("Group 313").await;
        counts.push(b.take_taps());

        for ((task, ceiling), taps) in CEILINGS.iter().zip(&counts) {
            println!("{width} px: {task}: {taps} taps (at most {ceiling})");
            assert!(
                taps <= ceiling,
                "{width} px: {task} took {taps} taps, more than {ceiling}"
            );
        }
        b.look_at(&format!("network-{width}")).await;
    }
    b.finish();
}

/// Taps a menu entry (the menu wraps on a phone: every entry is always there).
async fn nav(b: &Browser, name: &str) {
    let entry = b
        .find_xpath(&format!("//nav//a[normalize-space()='{name}']"))
        .await;
    b.click_and_wait(entry).await;
}

/// Taps the first link in the page's main part whose words end with `words`.
async fn link(b: &Browser, words: &str) {
    let link = b
        .find_xpath(&format!(
            "//main//a[substring(normalize-space(), string-length(normalize-space()) - {}) = '{words}']",
            words.chars().count() - 1
        ))
        .await;
    b.click_and_wait(link).await;
}
