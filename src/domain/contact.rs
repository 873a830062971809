//! The contact record (the guide's contact record sheet): each contact a facilitator has with
//! a member between meetings, and any follow-up it needs.

use crate::domain::ids::{GroupId, MemberId};
use serde::Serialize;

use super::text_enum::text_enum;
use super::{FieldErrors, RawInput, optional_date, optional_text, pick_required, required_text};

#[derive(Debug, Clone, Serialize, sqlx::FromRow)]
pub struct Contact {
    pub id: i64,
    pub group_id: GroupId,
    pub member_id: MemberId,
    pub member_name: String,
    /// YYYY-MM-DD
    pub contacted_on: String,
    /// phone, text, email, in_person or letter.
    pub how: ContactWay,
    pub about: String,
    pub follow_up: String,
    pub follow_up_by: Option<String>,
    pub follow_up_done: bool,
    pub recorded_by: i64,
    pub recorded_by_name: String,
}

text_enum! {
    /// How someone was in touch with a member.
    pub enum ContactWay {
        Phone = ("phone", "Phone call"),
        Text = ("text", "Text message"),
        Email = ("email", "Email"),
        InPerson = ("in_person", "In person"),
        Letter = ("letter", "Letter"),
    }
}

impl Contact {
    pub fn how_label(&self) -> &'static str {
        self.how.label()
    }
    pub fn date_label(&self) -> String {
        crate::labels::date_label(&self.contacted_on)
    }
    pub fn follow_up_label(&self) -> String {
        match &self.follow_up_by {
            Some(d) => format!("{} (by {})", self.follow_up, crate::labels::date_label(d)),
            None => self.follow_up.clone(),
        }
    }
    pub fn has_follow_up(&self) -> bool {
        !self.follow_up.is_empty()
    }
}

#[derive(Debug, Clone)]
pub struct ContactInput {
    pub contacted_on: String,
    pub how: ContactWay,
    pub about: String,
    pub follow_up: String,
    pub follow_up_by: Option<String>,
}

impl TryFrom<&RawInput> for ContactInput {
    type Error = FieldErrors;
    fn try_from(raw: &RawInput) -> Result<Self, FieldErrors> {
        let mut e = FieldErrors::new();
        let contacted_on = match raw.text("contacted_on").as_str() {
            "" => {
                e.add("contacted_on", "Enter the date of the contact.");
                None
            }
            _ => optional_date(raw, "contacted_on", &mut e),
        };
        let how = pick_required(
            raw,
            "how",
            ContactWay::Phone,
            "Choose how you were in touch.",
            &mut e,
        );
        let about = required_text(
            raw,
            "about",
            2000,
            "Say what the contact was about.",
            &mut e,
        );
        let follow_up = optional_text(raw, "follow_up", 1000, &mut e);
        let follow_up_by = optional_date(raw, "follow_up_by", &mut e).map(|d| d.to_string());
        if follow_up_by.is_some() && follow_up.is_empty() && e.get("follow_up").is_none() {
            e.add(
                "follow_up",
                "Say what the follow-up is, or leave its date empty.",
            );
        }
        e.finish(|| ContactInput {
            contacted_on: contacted_on.map(|d| d.to_string()).unwrap_or_default(),
            how,
            about,
            follow_up,
            follow_up_by,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn contact_input() {
        let raw = RawInput::from_pairs(vec![
            ("contacted_on".into(), "2026-11-02".into()),
            ("how".into(), "phone".into()),
            ("about".into(), "Asked how the new job is going".into()),
        ]);
        assert!(ContactInput::try_from(&raw).is_ok());
        let bad = RawInput::from_pairs(vec![
            ("how".into(), "pigeon".into()),
            ("follow_up_by".into(), "2026-11-09".into()),
        ]);
        let e = ContactInput::try_from(&bad).expect_err("bad");
        for f in ["contacted_on", "how", "about", "follow_up"] {
            assert!(e.get(f).is_some(), "{f}");
        }
    }
}
