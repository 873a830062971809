//! New passwords that are too easy to guess are refused wherever a password is chosen (ASVS
//! V6.2.4, V6.2.11, V6.2.12): the first coordinator's, a new staff member's from the command
//! line's form, a change, and a reset link's; the message says why, next to the field.

use hearth::domain::access::Role;

use crate::both_backends;
use crate::helpers::*;

both_backends! {
    async fn guessable_passwords_are_refused_everywhere_one_is_chosen(app: TestApp) {
        // The first coordinator, on the setup page.
        let b = app.browser();
        b.csrf_from("/setup").await;
        let setup = |password: &'static str| {
            vec![
                ("name", "Ada Lovelace"),
                ("email", "ada@example.org"),
                ("password", password),
                ("password_confirm", password),
            ]
        };
        b.post_form("/setup", &setup("Password123!")).await
            .expect(422).expect_field_error("password", "most common passwords");
        b.post_form("/setup", &setup("lovelace-ada-1815")).await
            .expect(422).expect_field_error("password", "your name or email address");
        b.post_form("/setup", &setup("hearth 2025!")).await
            .expect(422).expect_field_error("password", "anyone would try for this site");

        // A change of password: the same rules, with one's own name.
        let fern = app.create_account("fern@example.org", "Fern Facilitator", Role::Facilitator).await;
        let fb = app.signed_in(&fern.email, PASSWORD).await;
        let change = |new: &'static str| {
            vec![("current_password", PASSWORD), ("password", new), ("password_confirm", new)]
        };
        fb.post_form("/account/password", &change("qwertyuiop")).await
            .expect(422).expect_field_error("password", "most common passwords");
        fb.post_form("/account/password", &change("aaaaaaaaaaaaaa")).await
            .expect(422).expect_field_error("password", "one character again");
        fb.post_form("/account/password", &change("fern facilitator 1")).await
            .expect(422).expect_field_error("password", "your name or email address");
        fb.post_form("/account/password", &change("tea at four on the green bench")).await
            .expect_redirect("/account");
        // A long passphrase (ASVS V6.2.9: 64 characters and more) is taken whole, and signs in;
        // the same with its last letter changed does not.
        let long = "when the hall is cold we keep our coats on and the kettle boils twice, said May";
        assert!(long.chars().count() > 64);
        let fb = app.signed_in(&fern.email, "tea at four on the green bench").await;
        fb.post_form("/account/password", &[("current_password", "tea at four on the green bench"), ("password", long), ("password_confirm", long)]).await
            .expect_redirect("/account");
        app.signed_in(&fern.email, long).await;
        let other = app.browser();
        other.csrf_from("/signin").await;
        let almost = format!("{}x", &long[..long.len() - 1]);
        other.post_form("/signin", &[("email", &fern.email), ("password", &almost)]).await
            .expect(401);

        // A reset link.
        let (_, cb) = app.coordinator().await;
        let res = cb.post_form(&format!("/staff/{}/reset-link", fern.id), &[]).await;
        let link = html::secret_link(&res.text).expect("link");
        let path = link[link.find("/reset/").expect("path")..].to_string();
        let anon = app.browser();
        anon.csrf_from(&path).await;
        anon.post_form(&path, &[("password", "iloveyou2024"), ("password_confirm", "iloveyou2024")]).await
            .expect(422).expect_field_error("password", "most common passwords");
        anon.post_form(&path, &[("password", "a kettle on the hob"), ("password_confirm", "a kettle on the hob")]).await
            .expect(303);
    }
}

/// Runs `hearth serve --demo` with these arguments on a new SQLite file, which it refuses;
/// what it said.
fn demo_refused(args: &[&str]) -> String {
    let path = std::env::temp_dir().join(format!("hearth-test-{}.db", random_hex(16)));
    let out = std::process::Command::new(env!("CARGO_BIN_EXE_hearth"))
        .args([
            "--database",
            &format!("sqlite://{}", path.display()),
            "serve",
            "--demo",
        ])
        .args(args)
        .output()
        .expect("run hearth");
    for suffix in ["", "-wal", "-shm"] {
        let _ = std::fs::remove_file(format!("{}{suffix}", path.display()));
    }
    assert!(!out.status.success(), "the demo was served with {args:?}");
    String::from_utf8_lossy(&out.stderr).into_owned()
}

/// The demo's passwords are published, so `serve --demo` refuses an https address (ASVS
/// V6.3.2: no default accounts where it matters), and says why; nor is it served on an
/// address other computers reach, nor behind a proxy (ASVS V15.2.3).
#[tokio::test]
async fn the_demo_is_refused_on_an_https_address() {
    let said = demo_refused(&[
        "--bind",
        "127.0.0.1:0",
        "--public-url",
        "https://groups.example.org",
    ]);
    assert!(said.contains("passwords are published"), "{said}");
    for args in [
        &["--bind", "0.0.0.0:0"][..],
        &["--bind", "[::]:0"][..],
        &["--bind", "127.0.0.1:0", "--trust-forwarded"][..],
    ] {
        let said = demo_refused(args);
        assert!(
            said.contains("only on this computer") && said.contains("--bind 127.0.0.1:"),
            "{args:?}: {said}"
        );
    }
}
