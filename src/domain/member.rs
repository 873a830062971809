//! Members (peers): who they are, how to reach them, what they need, and what they agreed to.
//! There is deliberately no diagnosis field: Hearth asks for none.

use serde::Serialize;

use super::{
    FieldErrors, RawInput, choice, looks_like_email, optional_date, optional_text, required_text,
};

/// A member as stored.
#[derive(Debug, Clone, Serialize, sqlx::FromRow)]
pub struct Member {
    pub id: i64,
    pub group_id: i64,
    pub preferred_name: String,
    pub full_name: String,
    pub phone: String,
    pub email: String,
    /// `phone`, `text`, `email` or `post`.
    pub preferred_contact: String,
    /// Needs tags, comma-separated in storage; see [`Member::needs_list`].
    #[serde(serialize_with = "needs_as_list")]
    pub needs: String,
    pub needs_note: String,
    /// `yes`, `no` or `not_asked`.
    pub happy_to_share_story: String,
    pub joined_on: Option<String>,
    pub left_on: Option<String>,
}

fn needs_as_list<S: serde::Serializer>(needs: &str, s: S) -> Result<S::Ok, S::Error> {
    s.collect_seq(split_needs(needs))
}

fn split_needs(needs: &str) -> impl Iterator<Item = &str> {
    needs.split(',').map(str::trim).filter(|n| !n.is_empty())
}

/// The kinds of need a member may tell us about.
pub const NEEDS: [(&str, &str); 5] = [
    ("hearing", "Hearing"),
    ("sight", "Sight"),
    ("mobility", "Mobility"),
    ("dietary", "Dietary"),
    ("other", "Other"),
];

pub const CONTACT_PREFS: [(&str, &str); 4] = [
    ("phone", "Phone call"),
    ("text", "Text message"),
    ("email", "Email"),
    ("post", "Post"),
];

pub const STORY: [(&str, &str); 3] = [
    ("yes", "Happy to share their story"),
    ("no", "Prefers not to share their story"),
    ("not_asked", "Not asked yet"),
];

fn label(table: &[(&'static str, &'static str)], key: &str) -> &'static str {
    table
        .iter()
        .find(|(k, _)| *k == key)
        .map(|(_, l)| *l)
        .unwrap_or("Not known")
}

impl Member {
    pub fn needs_list(&self) -> Vec<&str> {
        split_needs(&self.needs).collect()
    }
    pub fn needs_labels(&self) -> Vec<&'static str> {
        split_needs(&self.needs).map(|n| label(&NEEDS, n)).collect()
    }
    pub fn has_needs(&self) -> bool {
        !self.needs.is_empty() || !self.needs_note.is_empty()
    }
    pub fn contact_label(&self) -> &'static str {
        label(&CONTACT_PREFS, &self.preferred_contact)
    }
    pub fn story_label(&self) -> &'static str {
        label(&STORY, &self.happy_to_share_story)
    }
    pub fn is_active(&self) -> bool {
        self.left_on.is_none()
    }
    pub fn to_raw(&self) -> RawInput {
        let mut raw = RawInput::default();
        raw.set("preferred_name", &self.preferred_name);
        raw.set("full_name", &self.full_name);
        raw.set("phone", &self.phone);
        raw.set("email", &self.email);
        raw.set("preferred_contact", &self.preferred_contact);
        for n in self.needs_list() {
            raw.push("needs", n);
        }
        raw.set("needs_note", &self.needs_note);
        raw.set("happy_to_share_story", &self.happy_to_share_story);
        if let Some(d) = &self.joined_on {
            raw.set("joined_on", d);
        }
        if let Some(d) = &self.left_on {
            raw.set("left_on", d);
        }
        raw
    }
}

/// A valid member, ready to store.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct MemberInput {
    pub preferred_name: String,
    pub full_name: String,
    pub phone: String,
    pub email: String,
    pub preferred_contact: &'static str,
    /// Canonical comma-separated needs tags, in the order of [`NEEDS`].
    pub needs: String,
    pub needs_note: String,
    pub happy_to_share_story: &'static str,
    pub joined_on: Option<String>,
    pub left_on: Option<String>,
}

/// Phone numbers: digits, spaces and the usual punctuation, at least 6 digits.
fn parse_phone(text: &str) -> Result<String, &'static str> {
    let digits = text.chars().filter(char::is_ascii_digit).count();
    let allowed = text
        .chars()
        .all(|c| c.is_ascii_digit() || " +()-.".contains(c));
    if !allowed || !(6..=16).contains(&digits) {
        Err("Enter a phone number using digits, like 07700 900123.")
    } else {
        Ok(text.to_string())
    }
}

impl TryFrom<&RawInput> for MemberInput {
    type Error = FieldErrors;
    fn try_from(raw: &RawInput) -> Result<Self, FieldErrors> {
        let mut e = FieldErrors::new();
        let preferred_name = required_text(
            raw,
            "preferred_name",
            80,
            "Enter the name they like to be called.",
            &mut e,
        );
        let full_name = optional_text(raw, "full_name", 160, &mut e);
        let phone = match raw.text("phone") {
            p if p.is_empty() => p,
            p => parse_phone(&p).unwrap_or_else(|m| {
                e.add("phone", m);
                p
            }),
        };
        let email = raw.text("email");
        if !email.is_empty() && !looks_like_email(&email) {
            e.add("email", "Enter an email address like name@example.org.");
        }
        let preferred_contact = choice(
            raw,
            "preferred_contact",
            &[
                ("phone", "phone"),
                ("text", "text"),
                ("email", "email"),
                ("post", "post"),
            ],
            "phone",
            "Choose phone, text, email or post.",
            &mut e,
        );
        if preferred_contact == "email" && email.is_empty() && e.get("email").is_none() {
            e.add(
                "email",
                "Enter an email address, or choose another way to keep in touch.",
            );
        }
        let mut needs = Vec::new();
        for given in raw.all("needs") {
            // A CSV cell may hold several needs separated by ; or ,
            for n in given
                .split([';', ','])
                .map(|n| n.trim().to_ascii_lowercase())
            {
                if n.is_empty() {
                    continue;
                }
                if NEEDS.iter().any(|(k, _)| *k == n) {
                    if !needs.contains(&n) {
                        needs.push(n);
                    }
                } else if e.get("needs").is_none() {
                    e.add("needs", format!("{n:?} is not a need we know. Use hearing, sight, mobility, dietary or other."));
                }
            }
        }
        needs.sort_by_key(|n| NEEDS.iter().position(|(k, _)| k == n));
        let needs_note = optional_text(raw, "needs_note", 2000, &mut e);
        let happy_to_share_story = choice(
            raw,
            "happy_to_share_story",
            &[("yes", "yes"), ("no", "no"), ("not_asked", "not_asked")],
            "not_asked",
            "Choose yes, no or not asked yet.",
            &mut e,
        );
        let joined_on = optional_date(raw, "joined_on", &mut e);
        let left_on = optional_date(raw, "left_on", &mut e);
        if let (Some(j), Some(l)) = (joined_on, left_on)
            && l < j
        {
            e.add(
                "left_on",
                "The date they left must be after the date they joined.",
            );
        }
        e.finish(|| MemberInput {
            preferred_name,
            full_name,
            phone,
            email: email.to_lowercase(),
            preferred_contact,
            needs: needs.join(","),
            needs_note,
            happy_to_share_story,
            joined_on: joined_on.map(|d| d.to_string()),
            left_on: left_on.map(|d| d.to_string()),
        })
    }
}

/// A consent record as stored.
#[derive(Debug, Clone, Serialize, sqlx::FromRow)]
pub struct Consent {
    pub id: i64,
    pub member_id: i64,
    /// `contact` (to be contacted) or `records` (to have records kept).
    pub kind: String,
    /// How it was given: in person, by phone, in writing, through the personal link.
    pub how_given: String,
    pub note: String,
    pub given_at: i64,
    pub withdrawn_at: Option<i64>,
    pub recorded_by: String,
}

pub const CONSENT_KINDS: [(&str, &str); 2] = [
    ("contact", "To be contacted about the group"),
    ("records", "To have records kept about them"),
];

pub const CONSENT_HOW: [(&str, &str); 4] = [
    ("in_person", "In person"),
    ("phone", "By phone"),
    ("in_writing", "In writing"),
    ("personal_link", "Through their personal link"),
];

impl Consent {
    pub fn kind_label(&self) -> &'static str {
        label(&CONSENT_KINDS, &self.kind)
    }
    pub fn how_label(&self) -> &'static str {
        label(&CONSENT_HOW, &self.how_given)
    }
    pub fn is_current(&self) -> bool {
        self.withdrawn_at.is_none()
    }
}

#[derive(Debug, Clone)]
pub struct ConsentInput {
    pub kind: &'static str,
    pub how_given: &'static str,
    pub note: String,
}

impl TryFrom<&RawInput> for ConsentInput {
    type Error = FieldErrors;
    fn try_from(raw: &RawInput) -> Result<Self, FieldErrors> {
        let mut e = FieldErrors::new();
        let kind = match raw.text("kind").as_str() {
            "contact" => "contact",
            "records" => "records",
            _ => {
                e.add("kind", "Choose what they agreed to.");
                "contact"
            }
        };
        let how_given = match raw.text("how_given").as_str() {
            "in_person" => "in_person",
            "phone" => "phone",
            "in_writing" => "in_writing",
            "personal_link" => "personal_link",
            _ => {
                e.add("how_given", "Choose how they gave their agreement.");
                "in_person"
            }
        };
        let note = optional_text(raw, "note", 1000, &mut e);
        e.finish(|| ConsentInput {
            kind,
            how_given,
            note,
        })
    }
}

/// Erasing a member is confirmed by typing their preferred name (spaces around it and letter
/// case aside), so it cannot be done by one tap or to the wrong person.
pub fn check_erasure_confirm(raw: &RawInput, preferred_name: &str) -> Result<(), FieldErrors> {
    let typed = raw.text("confirm");
    let mut errors = FieldErrors::new();
    if typed.is_empty() {
        errors.add(
            "confirm",
            format!("Type their name, {preferred_name}, to confirm."),
        );
    } else if typed.to_lowercase() != preferred_name.trim().to_lowercase() {
        errors.add(
            "confirm",
            format!("That is not their name. Type {preferred_name} exactly as shown, to confirm."),
        );
    }
    if errors.is_empty() {
        Ok(())
    } else {
        Err(errors)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn raw(pairs: &[(&str, &str)]) -> RawInput {
        RawInput::from_pairs(
            pairs
                .iter()
                .map(|(k, v)| (k.to_string(), v.to_string()))
                .collect(),
        )
    }

    #[test]
    fn only_the_preferred_name_is_required() {
        let m = MemberInput::try_from(&raw(&[("preferred_name", "Ada")])).expect("valid");
        assert_eq!(m.preferred_contact, "phone");
        assert_eq!(m.happy_to_share_story, "not_asked");
        assert!(MemberInput::try_from(&raw(&[])).is_err());
    }

    #[test]
    fn needs_are_canonical() {
        let m = MemberInput::try_from(&raw(&[
            ("preferred_name", "Ada"),
            ("needs", "Sight; hearing"),
            ("needs", "hearing"),
        ]))
        .expect("valid");
        assert_eq!(m.needs, "hearing,sight");
        let e = MemberInput::try_from(&raw(&[("preferred_name", "Ada"), ("needs", "diagnosis")]))
            .expect_err("unknown need");
        assert!(e.get("needs").is_some());
    }

    #[test]
    fn contact_details_are_checked() {
        let e = MemberInput::try_from(&raw(&[
            ("preferred_name", "Ada"),
            ("phone", "call me"),
            ("email", "nope"),
            ("preferred_contact", "pigeon"),
            ("joined_on", "2026-05-01"),
            ("left_on", "2026-04-01"),
        ]))
        .expect_err("invalid");
        for f in ["phone", "email", "preferred_contact", "left_on"] {
            assert!(e.get(f).is_some(), "{f}: {e}");
        }
        let e = MemberInput::try_from(&raw(&[
            ("preferred_name", "Ada"),
            ("preferred_contact", "email"),
        ]))
        .expect_err("email needed");
        assert!(e.get("email").is_some());
    }
}
