//! Members (peers): who they are, how to reach them, what they need, and what they agreed to.
//! There is deliberately no diagnosis field: Hearth asks for none.

use crate::domain::ids::MemberId;
use serde::Serialize;

use super::text_enum::text_enum;
use super::{
    FieldErrors, RawInput, looks_like_email, optional_date, optional_text, pick, pick_required,
    required_text,
};

/// A member as stored.
#[derive(Debug, Clone, sqlx::FromRow)]
pub struct Member {
    pub id: super::ids::MemberId,
    pub group_id: super::ids::GroupId,
    pub preferred_name: String,
    pub full_name: String,
    pub phone: String,
    pub email: String,
    pub preferred_contact: ContactPref,
    /// What they need from the group; a list in JSON, comma-separated text in storage.
    pub needs: Needs,
    pub needs_note: String,
    pub happy_to_share_story: StoryConsent,
    pub joined_on: Option<String>,
    pub left_on: Option<String>,
}

text_enum! {
    /// A kind of need a member may tell us about.
    pub enum Need {
        Hearing = ("hearing", "Hearing"),
        Sight = ("sight", "Sight"),
        Mobility = ("mobility", "Mobility"),
        Dietary = ("dietary", "Dietary"),
        Other = ("other", "Other"),
    }
}

text_enum! {
    /// How a member likes to be kept in touch with.
    pub enum ContactPref {
        Phone = ("phone", "Phone call"),
        Text = ("text", "Text message"),
        Email = ("email", "Email"),
        Post = ("post", "Post"),
    }
}

text_enum! {
    /// Whether a member is happy to share their story.
    pub enum StoryConsent {
        Yes = ("yes", "Happy to share their story"),
        No = ("no", "Prefers not to share their story"),
        NotAsked = ("not_asked", "Not asked yet"),
    }
}

/// A member's needs: each at most once, in the order [`Need`] declares them. Stored as
/// comma-separated text ("hearing,sight"), sent as a list.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Needs(Vec<Need>);

impl Needs {
    /// The needs given, each once, in canonical order.
    pub fn new(given: impl IntoIterator<Item = Need>) -> Needs {
        let mut needs: Vec<Need> = Vec::new();
        for n in given {
            if !needs.contains(&n) {
                needs.push(n);
            }
        }
        needs.sort_by_key(|n| Need::ALL.iter().position(|k| k == n));
        Needs(needs)
    }
    pub fn iter(&self) -> impl Iterator<Item = Need> + '_ {
        self.0.iter().copied()
    }
    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }
    pub fn contains(&self, need: Need) -> bool {
        self.0.contains(&need)
    }
}

impl std::fmt::Display for Needs {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        for (i, n) in self.0.iter().enumerate() {
            if i > 0 {
                f.write_str(",")?;
            }
            f.write_str(n.as_str())?;
        }
        Ok(())
    }
}

impl std::str::FromStr for Needs {
    type Err = super::text_enum::UnknownValue;
    /// The stored form: tags separated by commas.
    fn from_str(s: &str) -> Result<Needs, Self::Err> {
        s.split(',')
            .map(str::trim)
            .filter(|n| !n.is_empty())
            .map(str::parse)
            .collect::<Result<Vec<Need>, _>>()
            .map(Needs::new)
    }
}

impl PartialEq<&str> for Needs {
    /// Equal to its stored text: "hearing,sight".
    fn eq(&self, other: &&str) -> bool {
        if other.is_empty() {
            return self.is_empty();
        }
        let mut given = other.split(',');
        self.iter().all(|n| given.next() == Some(n.as_str())) && given.next().is_none()
    }
}

impl Serialize for Needs {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.collect_seq(self.0.iter())
    }
}

super::text_enum::stored_as_text!(owned Needs);

impl Member {
    pub fn needs_list(&self) -> Vec<&'static str> {
        self.needs.iter().map(Need::as_str).collect()
    }
    pub fn needs_labels(&self) -> Vec<&'static str> {
        self.needs.iter().map(Need::label).collect()
    }
    pub fn has_needs(&self) -> bool {
        !self.needs.is_empty() || !self.needs_note.is_empty()
    }
    pub fn contact_label(&self) -> &'static str {
        self.preferred_contact.label()
    }
    pub fn story_label(&self) -> &'static str {
        self.happy_to_share_story.label()
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
        raw.set("preferred_contact", self.preferred_contact.as_str());
        for n in self.needs_list() {
            raw.push("needs", n);
        }
        raw.set("needs_note", &self.needs_note);
        raw.set("happy_to_share_story", self.happy_to_share_story.as_str());
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
    pub preferred_contact: ContactPref,
    pub needs: Needs,
    pub needs_note: String,
    pub happy_to_share_story: StoryConsent,
    pub joined_on: Option<String>,
    pub left_on: Option<String>,
}

/// Phone numbers: digits, spaces and the usual punctuation, at least 6 digits.
/// The longest phone number as typed, spaces and signs included.
pub const MAX_PHONE_CHARS: usize = 40;

pub(crate) fn parse_phone(text: &str) -> Result<String, &'static str> {
    // Spaces and dashes are allowed, but not without end: a number is kept and shown as typed.
    if text.chars().count() > MAX_PHONE_CHARS {
        return Err("Enter a phone number of at most 40 characters, like 07700 900123.");
    }
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
        let preferred_contact = pick(
            raw,
            "preferred_contact",
            ContactPref::Phone,
            "Choose phone, text, email or post.",
            &mut e,
        );
        if preferred_contact == ContactPref::Email && email.is_empty() && e.get("email").is_none() {
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
                match n.parse::<Need>() {
                    Ok(need) => needs.push(need),
                    Err(_) if e.get("needs").is_none() => {
                        e.add("needs", format!("{n:?} is not a need we know. Use hearing, sight, mobility, dietary or other."));
                    }
                    Err(_) => {}
                }
            }
        }
        let needs = Needs::new(needs);
        let needs_note = optional_text(raw, "needs_note", 2000, &mut e);
        let happy_to_share_story = pick(
            raw,
            "happy_to_share_story",
            StoryConsent::NotAsked,
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
                "The date they left cannot be before the date they joined.",
            );
        }
        e.finish(|| MemberInput {
            preferred_name,
            full_name,
            phone,
            email: email.to_lowercase(),
            preferred_contact,
            needs,
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
    pub member_id: MemberId,
    pub kind: ConsentKind,
    pub how_given: ConsentHow,
    pub note: String,
    pub given_at: i64,
    pub withdrawn_at: Option<i64>,
    pub recorded_by: String,
}

text_enum! {
    /// What a member agreed to.
    pub enum ConsentKind {
        Contact = ("contact", "To be contacted about the group"),
        Records = ("records", "To have records kept about them"),
    }
}

text_enum! {
    /// How a member gave their agreement.
    pub enum ConsentHow {
        InPerson = ("in_person", "In person"),
        Phone = ("phone", "By phone"),
        InWriting = ("in_writing", "In writing"),
        PersonalLink = ("personal_link", "Through their personal link"),
    }
}

impl Consent {
    pub fn kind_label(&self) -> &'static str {
        self.kind.label()
    }
    pub fn how_label(&self) -> &'static str {
        self.how_given.label()
    }
    pub fn is_current(&self) -> bool {
        self.withdrawn_at.is_none()
    }
}

#[derive(Debug, Clone)]
pub struct ConsentInput {
    pub kind: ConsentKind,
    pub how_given: ConsentHow,
    pub note: String,
}

impl TryFrom<&RawInput> for ConsentInput {
    type Error = FieldErrors;
    fn try_from(raw: &RawInput) -> Result<Self, FieldErrors> {
        let mut e = FieldErrors::new();
        let kind = pick_required(
            raw,
            "kind",
            ConsentKind::Contact,
            "Choose what they agreed to.",
            &mut e,
        );
        let how_given = pick_required(
            raw,
            "how_given",
            ConsentHow::InPerson,
            "Choose how they gave their agreement.",
            &mut e,
        );
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
        RawInput::of(pairs)
    }

    /// Spaces and signs are allowed in a phone number, but not without end.
    #[test]
    fn a_phone_number_has_an_end() {
        assert!(parse_phone("07700 900123").is_ok());
        assert!(parse_phone("+44 (0) 7700-900-123").is_ok());
        let padded = format!("07700{}900123", " ".repeat(40));
        assert_eq!(
            parse_phone(&padded),
            Err("Enter a phone number of at most 40 characters, like 07700 900123.")
        );
        assert!(
            parse_phone(&format!("07700{}900123", "-".repeat(29))).is_ok(),
            "40 is allowed"
        );
    }

    #[test]
    fn only_the_preferred_name_is_required() {
        let m = MemberInput::try_from(&raw(&[("preferred_name", "Ada")])).expect("valid");
        assert_eq!(m.preferred_contact, ContactPref::Phone);
        assert_eq!(m.happy_to_share_story, StoryConsent::NotAsked);
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
