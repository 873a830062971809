//! Venues: where groups meet, and what a facilitator and members need to know about them.

use super::text_enum::text_enum;
use super::{FieldErrors, RawInput, flag, optional_number, optional_text, pick, required_text};
use crate::domain::ids::VenueId;

/// A venue as stored.
#[derive(Debug, Clone, sqlx::FromRow)]
pub struct Venue {
    pub id: VenueId,
    pub name: String,
    pub address: String,
    pub how_to_get_there: String,
    pub toilets: String,
    pub fire_exits: String,
    pub step_free: StepFree,
    pub hearing_loop: bool,
    pub accessible_toilet: bool,
    pub parking: bool,
    pub quiet_room: bool,
    pub requires_sign_in_sheet: bool,
    pub capacity: Option<i64>,
    pub booking_contact: String,
    pub notes: String,
}

text_enum! {
    /// Whether people who cannot manage steps can get in and around.
    pub enum StepFree {
        Fully = ("fully", "Fully step-free"),
        Partly = ("partly", "Partly step-free"),
        No = ("no", "Not step-free"),
    }
}

impl Venue {
    pub fn step_free_label(&self) -> &'static str {
        self.step_free.label()
    }

    /// The access features this venue has, as plain words.
    pub fn access_features(&self) -> Vec<&'static str> {
        let mut out = vec![self.step_free_label()];
        for (has, label) in [
            (self.hearing_loop, "Hearing loop"),
            (self.accessible_toilet, "Accessible toilet"),
            (self.parking, "Parking"),
            (self.quiet_room, "Quiet room"),
        ] {
            if has {
                out.push(label);
            }
        }
        out
    }

    pub fn to_raw(&self) -> RawInput {
        let mut raw = RawInput::default();
        raw.set("name", &self.name);
        raw.set("address", &self.address);
        raw.set("how_to_get_there", &self.how_to_get_there);
        raw.set("toilets", &self.toilets);
        raw.set("fire_exits", &self.fire_exits);
        raw.set("step_free", self.step_free.as_str());
        for (k, v) in [
            ("hearing_loop", self.hearing_loop),
            ("accessible_toilet", self.accessible_toilet),
            ("parking", self.parking),
            ("quiet_room", self.quiet_room),
            ("requires_sign_in_sheet", self.requires_sign_in_sheet),
        ] {
            raw.set(k, v.to_string());
        }
        if let Some(c) = self.capacity {
            raw.set("capacity", c.to_string());
        }
        raw.set("booking_contact", &self.booking_contact);
        raw.set("notes", &self.notes);
        raw
    }
}

/// A valid venue, ready to store.
#[derive(Debug, Clone)]
pub struct VenueInput {
    pub name: String,
    pub address: String,
    pub how_to_get_there: String,
    pub toilets: String,
    pub fire_exits: String,
    pub step_free: StepFree,
    pub hearing_loop: bool,
    pub accessible_toilet: bool,
    pub parking: bool,
    pub quiet_room: bool,
    pub requires_sign_in_sheet: bool,
    pub capacity: Option<i64>,
    pub booking_contact: String,
    pub notes: String,
}

impl TryFrom<&RawInput> for VenueInput {
    type Error = FieldErrors;
    fn try_from(raw: &RawInput) -> Result<Self, FieldErrors> {
        let mut e = FieldErrors::new();
        let name = required_text(raw, "name", 120, "Enter the venue's name.", &mut e);
        let address = optional_text(raw, "address", 1000, &mut e);
        let how_to_get_there = optional_text(raw, "how_to_get_there", 2000, &mut e);
        let toilets = optional_text(raw, "toilets", 1000, &mut e);
        let fire_exits = optional_text(raw, "fire_exits", 1000, &mut e);
        let step_free = pick(
            raw,
            "step_free",
            StepFree::No,
            "Choose fully, partly or not step-free.",
            &mut e,
        );
        let hearing_loop = flag(raw, "hearing_loop", &mut e);
        let accessible_toilet = flag(raw, "accessible_toilet", &mut e);
        let parking = flag(raw, "parking", &mut e);
        let quiet_room = flag(raw, "quiet_room", &mut e);
        let requires_sign_in_sheet = flag(raw, "requires_sign_in_sheet", &mut e);
        let capacity = optional_number(raw, "capacity", 1..=10_000, &mut e);
        let booking_contact = optional_text(raw, "booking_contact", 500, &mut e);
        let notes = optional_text(raw, "notes", 4000, &mut e);
        e.finish(|| VenueInput {
            name,
            address,
            how_to_get_there,
            toilets,
            fire_exits,
            step_free,
            hearing_loop,
            accessible_toilet,
            parking,
            quiet_room,
            requires_sign_in_sheet,
            capacity,
            booking_contact,
            notes,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn venue_parses_and_names_errors() {
        let ok = RawInput::from_pairs(vec![
            ("name".into(), "Garden centre café".into()),
            ("hearing_loop".into(), "on".into()),
            ("step_free".into(), "fully".into()),
            ("capacity".into(), "20".into()),
        ]);
        let v = VenueInput::try_from(&ok).expect("valid");
        assert!(v.hearing_loop && !v.parking);
        assert_eq!(v.capacity, Some(20));
        let bad = RawInput::from_pairs(vec![
            ("step_free".into(), "maybe".into()),
            ("capacity".into(), "-3".into()),
            ("parking".into(), "perhaps".into()),
        ]);
        let e = VenueInput::try_from(&bad).expect_err("invalid");
        for f in ["name", "step_free", "capacity", "parking"] {
            assert!(e.get(f).is_some(), "{f}");
        }
    }
}
