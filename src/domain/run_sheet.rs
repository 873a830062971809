//! What a run-sheet page holds that may not be saved yet: the step's ticks and notes, the
//! round-up, the "since last time" lines and a topic typed in the brainstorm. Every button on the run-sheet (save, next,
//! previous, a chosen step, end) submits the one form these belong to, so whichever is pressed,
//! what was typed is saved before the page moves on, with or without JavaScript.

use super::{FieldErrors, RawInput};
use crate::domain::ids::{MemberId, PlanId};

/// A step's ticked prompts and notes, as the form sends them.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StepText {
    pub position: i64,
    /// The ticked prompts ("0,2"), when the form had a checklist.
    pub checked: Option<String>,
    pub notes: Option<String>,
    /// What the notes box showed before this edit (`notes~was`), when the page sent it: the
    /// edit then replaces only that text (see `merge_text`).
    pub notes_was: Option<String>,
}

/// One "since last time" line.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CheckinLine {
    pub member_id: MemberId,
    pub note: String,
    pub private: bool,
}

/// The round-up's three boxes.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RoundUp {
    pub good: String,
    pub not_so_good: String,
    pub sharing: String,
    /// What each box showed before this edit (`round_up_good~was`, …), when the page sent it.
    pub was: Option<[String; 3]>,
}

/// Who made an edit, for the line that marks their words when two edits meet.
pub const MERGED_MARK: &str = "added by";

/// A text box saved from a page (or a phone catching up) that showed `was`, now holding `new`,
/// while the saved text is `current`. An edit replaces only the text it was made from: if the
/// saved text is still `was`, `new` replaces it. If someone else changed it meanwhile, nothing
/// of theirs is lost: what this edit added is put after it, marked with whose it is (only the
/// words added when the edit kept `was` at its start; the whole text otherwise). Without `was`
/// (an older page, the API) the edit replaces the text, as it always has.
pub fn merge_text(current: &str, was: Option<&str>, new: &str, who: &str) -> String {
    let Some(was) = was else {
        return new.to_string();
    };
    if current == was || current == new {
        return new.to_string();
    }
    if new == was {
        // This edit changed nothing here: the other one stands.
        return current.to_string();
    }
    let added = match new.strip_prefix(was) {
        Some(rest) if !was.is_empty() => rest.trim_start(),
        _ => new.trim(),
    };
    if added.is_empty() || current.contains(added) {
        return current.to_string();
    }
    if current.trim().is_empty() {
        return added.to_string();
    }
    format!("{}\n\n({MERGED_MARK} {who}) {added}", current.trim_end())
}

/// Everything a run-sheet form carried; each part is `None` or empty when the page did not
/// show it, and is then left as it was.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct RunSheetText {
    pub step: Option<StepText>,
    pub round_up: Option<RoundUp>,
    pub checkins: Vec<CheckinLine>,
    /// A topic someone called out, typed in the brainstorm and not added yet.
    pub new_topic: Option<super::topic::TopicInput>,
    /// Notes typed by a goal in the goals step, by plan, without an outcome chosen.
    pub review_notes: Vec<(PlanId, String)>,
}

impl RunSheetText {
    /// Reads the carried text. `position` is the step the form belongs to (from the address,
    /// or the form's `position` field); without one, the step's own fields are ignored.
    pub fn parse(raw: &RawInput, position: Option<i64>) -> Result<Self, FieldErrors> {
        let mut e = FieldErrors::new();
        let position = position.or_else(|| raw.text("position").parse().ok());
        let step = position.map(|position| {
            let checked = raw.get("checklist").map(|_| {
                raw.all("checked")
                    .iter()
                    .filter_map(|c| c.trim().parse::<usize>().ok())
                    .map(|c| c.to_string())
                    .collect::<Vec<_>>()
                    .join(",")
            });
            let notes = raw.get("notes").map(|n| n.replace("\r\n", "\n"));
            if notes.as_ref().is_some_and(|n| n.chars().count() > 8000) {
                e.add("notes", "Use 8000 characters or fewer.");
            }
            StepText {
                position,
                checked,
                notes,
                notes_was: raw.get("notes~was").map(|n| n.replace("\r\n", "\n")),
            }
        });
        let round_up = if ["round_up_good", "round_up_not_so_good", "round_up_sharing"]
            .iter()
            .any(|f| raw.get(f).is_some())
        {
            let was = |f: &str| {
                raw.get(&format!("{f}~was"))
                    .map(|v| v.trim().replace("\r\n", "\n"))
            };
            let was = match (
                was("round_up_good"),
                was("round_up_not_so_good"),
                was("round_up_sharing"),
            ) {
                (Some(a), Some(b), Some(c)) => Some([a, b, c]),
                _ => None,
            };
            Some(RoundUp {
                good: super::optional_text(raw, "round_up_good", 4000, &mut e),
                not_so_good: super::optional_text(raw, "round_up_not_so_good", 4000, &mut e),
                sharing: super::optional_text(raw, "round_up_sharing", 4000, &mut e),
                was,
            })
        } else {
            None
        };
        let mut checkins = Vec::new();
        for key in raw.keys() {
            let Some(id) = key.strip_prefix("checkin_shown.") else {
                continue;
            };
            let Ok(member_id) = id.parse::<MemberId>() else {
                continue;
            };
            let field = format!("checkin.{member_id}");
            let note = super::optional_text(raw, &field, 1000, &mut e);
            // Private unless unticked: the box sends its field only when ticked.
            let private = raw.get(&format!("checkin_private.{member_id}")).is_some();
            checkins.push(CheckinLine {
                member_id,
                note,
                private,
            });
        }
        let new_topic = match raw.text("new_topic") {
            t if t.is_empty() => None,
            title => {
                let mut r = RawInput::default();
                r.set("title", title);
                match super::topic::TopicInput::try_from(&r) {
                    Ok(t) => Some(t),
                    Err(errors) => {
                        for err in errors.0 {
                            e.add("new_topic", err.message);
                        }
                        None
                    }
                }
            }
        };
        let mut review_notes = Vec::new();
        for key in raw.keys() {
            if let Some(id) = key.strip_prefix("review_note.")
                && let Ok(plan_id) = id.parse::<PlanId>()
            {
                let note = super::optional_text(raw, key, 1000, &mut e);
                if !note.is_empty() {
                    review_notes.push((plan_id, note));
                }
            }
        }
        e.finish(|| Self {
            step,
            round_up,
            checkins,
            new_topic,
            review_notes,
        })
    }

    pub fn is_empty(&self) -> bool {
        self.step.is_none()
            && self.round_up.is_none()
            && self.checkins.is_empty()
            && self.new_topic.is_none()
            && self.review_notes.is_empty()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn raw(pairs: &[(&str, &str)]) -> RawInput {
        RawInput::of(pairs)
    }

    #[test]
    fn a_next_button_carries_what_was_typed() {
        let t = RunSheetText::parse(
            &raw(&[
                ("position", "7"),
                ("checklist", "1"),
                ("checked", "0"),
                ("checked", "2"),
                ("notes", "Went well\r\nthanks"),
                ("round_up_good", "Laughter"),
                ("checkin_shown.4", "1"),
                ("checkin.4", "Better week"),
                ("checkin_shown.5", "1"),
                ("checkin.5", ""),
                ("checkin_private.5", "true"),
                ("step", "8"),
            ]),
            None,
        )
        .expect("parses");
        assert_eq!(
            t.step,
            Some(StepText {
                position: 7,
                checked: Some("0,2".into()),
                notes: Some("Went well\nthanks".into()),
                notes_was: None,
            })
        );
        assert_eq!(
            t.round_up.as_ref().map(|r| r.good.as_str()),
            Some("Laughter")
        );
        assert_eq!(t.round_up.as_ref().map(|r| r.sharing.as_str()), Some(""));
        assert_eq!(
            t.checkins,
            vec![
                CheckinLine {
                    member_id: MemberId(4),
                    note: "Better week".into(),
                    private: false
                },
                CheckinLine {
                    member_id: MemberId(5),
                    note: String::new(),
                    private: true
                },
            ]
        );
    }

    #[test]
    fn a_form_from_before_carries_nothing() {
        let t = RunSheetText::parse(&raw(&[("step", "3")]), None).expect("parses");
        assert!(t.is_empty());
        let long = "x".repeat(8001);
        let e = RunSheetText::parse(&raw(&[("position", "1"), ("notes", &long)]), None)
            .expect_err("too long");
        assert_eq!(e.0[0].field, "notes");
    }
}

#[cfg(test)]
mod merge_tests {
    use super::merge_text;

    #[test]
    fn an_edit_replaces_only_the_text_it_was_made_from() {
        // Nobody else changed it: the edit stands, even one that removes words.
        assert_eq!(
            merge_text("Tea", Some("Tea"), "Tea and cake", "Fern"),
            "Tea and cake"
        );
        assert_eq!(
            merge_text("Tea and cake", Some("Tea and cake"), "Tea", "Fern"),
            "Tea"
        );
        // Without what the box showed: as before, the edit replaces the text.
        assert_eq!(merge_text("Other words", None, "Mine", "Fern"), "Mine");
        // Both phones added to the same text: both additions are kept, the later one marked.
        assert_eq!(
            merge_text(
                "Tea. Gus: biscuits",
                Some("Tea."),
                "Tea. Fern: cake",
                "Fern"
            ),
            "Tea. Gus: biscuits\n\n(added by Fern) Fern: cake"
        );
        // Rewritten on this phone while the other changed it: both texts kept whole.
        assert_eq!(
            merge_text("Gus wrote this", Some("First"), "Fern rewrote it", "Fern"),
            "Gus wrote this\n\n(added by Fern) Fern rewrote it"
        );
        // This phone changed nothing, or its words are there already: nothing to add.
        assert_eq!(
            merge_text("Gus wrote this", Some("First"), "First", "Fern"),
            "Gus wrote this"
        );
        assert_eq!(
            merge_text("First more", Some("First"), "First more", "Fern"),
            "First more"
        );
        assert_eq!(
            merge_text("First. Gus. more", Some("First."), "First. more", "Fern"),
            "First. Gus. more"
        );
        // The same edit sent again (a phone catching up twice) adds nothing the second time.
        let once = merge_text("A. B", Some("A."), "A. C", "Fern");
        assert_eq!(merge_text(&once, Some("A."), "A. C", "Fern"), once);
        // The other phone emptied it: this phone's words are kept, unmarked.
        assert_eq!(
            merge_text("", Some("Old"), "Old and new", "Fern"),
            "and new"
        );
    }
}
