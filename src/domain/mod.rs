//! Domain types: what Hearth keeps, parsed from raw input into values that are known to be valid.
//!
//! Both the HTML forms and the JSON API hand their input over as a [`RawInput`] (field name to
//! values), so one parser per type serves both, and both report errors field by field.

pub mod access;
pub mod account;
pub mod audit;
pub mod contact;
pub mod csv_out;
pub mod group;
pub mod ical;
pub mod ids;
pub mod insight;
pub mod meeting;
pub mod meeting_status;
pub mod member;
pub mod member_csv;
pub mod password;
pub mod poll;
pub mod programme;
pub mod run_sheet;
pub mod series;
pub mod social;
pub mod text_enum;
pub mod topic;
pub mod venue;

use serde::Serialize;

/// One problem with one field, in plain English.
#[derive(Debug, Clone, Serialize, PartialEq, Eq)]
pub struct FieldError {
    pub field: String,
    pub message: String,
}

impl FieldError {
    /// The field's name in words: "start_time" becomes "Start time".
    pub fn label(&self) -> String {
        let words = self.field.replace('_', " ");
        let mut chars = words.chars();
        match chars.next() {
            Some(first) => first.to_uppercase().chain(chars).collect(),
            None => String::new(),
        }
    }
}

/// Every problem found in one submission, in the order of the form's fields.
#[derive(Debug, Clone, Default, Serialize, PartialEq, Eq)]
#[serde(transparent)]
pub struct FieldErrors(pub Vec<FieldError>);

impl FieldErrors {
    pub fn new() -> Self {
        Self::default()
    }
    pub fn single(field: &str, message: impl Into<String>) -> Self {
        let mut e = Self::new();
        e.add(field, message);
        e
    }
    pub fn add(&mut self, field: &str, message: impl Into<String>) {
        self.0.push(FieldError {
            field: field.to_string(),
            message: message.into(),
        });
    }
    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }
    pub fn get(&self, field: &str) -> Option<&str> {
        self.0
            .iter()
            .find(|e| e.field == field)
            .map(|e| e.message.as_str())
    }
    pub fn iter(&self) -> impl Iterator<Item = &FieldError> {
        self.0.iter()
    }
    /// Ok(value) when nothing was wrong, else the errors.
    pub fn finish<T>(self, value: impl FnOnce() -> T) -> Result<T, FieldErrors> {
        if self.is_empty() {
            Ok(value())
        } else {
            Err(self)
        }
    }
}

impl std::fmt::Display for FieldErrors {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let parts: Vec<String> = self
            .0
            .iter()
            .map(|e| format!("{}: {}", e.field, e.message))
            .collect();
        f.write_str(&parts.join("; "))
    }
}

/// Input as it arrived: field names with their values, from a form or a JSON object.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct RawInput {
    pairs: Vec<(String, String)>,
    /// Fields a JSON body gave as something other than a string (a number, true/false, a
    /// list), with what they were: a text field given one of those is refused, not read as
    /// its text ("false" as a venue's name).
    not_text: Vec<(String, &'static str)>,
}

impl RawInput {
    /// Fields written out in code (tests, the demo).
    pub fn of(pairs: &[(&str, &str)]) -> Self {
        Self::from_pairs(
            pairs
                .iter()
                .map(|(k, v)| (k.to_string(), v.to_string()))
                .collect(),
        )
    }

    pub fn from_pairs(pairs: Vec<(String, String)>) -> Self {
        Self {
            pairs,
            not_text: Vec::new(),
        }
    }

    /// What a field was given as, when a JSON body gave it as something other than text.
    pub fn not_text(&self, key: &str) -> Option<&'static str> {
        self.not_text
            .iter()
            .find(|(k, _)| k == key)
            .map(|(_, kind)| *kind)
    }

    /// A JSON object's fields: strings, numbers and booleans become text, arrays become repeated
    /// values, null means absent. Anything else is named as a field error.
    pub fn from_json(value: serde_json::Value) -> Result<Self, FieldErrors> {
        use serde_json::Value;
        let Value::Object(map) = value else {
            return Err(FieldErrors::single("body", "Send a JSON object."));
        };
        let mut pairs = Vec::new();
        let mut not_text = Vec::new();
        let mut errors = FieldErrors::new();
        for (key, value) in map {
            let nested = matches!(&value, Value::Object(_))
                || matches!(&value, Value::Array(items) if items.iter().any(|i| i.is_object() || i.is_array()));
            if nested && !STRUCTURED_FIELDS.contains(&key.as_str()) {
                errors.add(&key, "This must be text, a number or true/false.");
                continue;
            }
            match &value {
                Value::Number(_) => not_text.push((key.clone(), "a number")),
                Value::Bool(_) => not_text.push((key.clone(), "true or false")),
                Value::Array(_) => not_text.push((key.clone(), "a list")),
                _ => {}
            }
            flatten_json(key, value, &mut pairs, &mut errors);
        }
        errors.finish(|| Self { pairs, not_text })
    }

    /// Fields given in `other` replace those here (used for partial updates through the API).
    pub fn merged_with(mut self, other: RawInput) -> Self {
        let given: std::collections::HashSet<String> = other
            .pairs
            .iter()
            .map(|(k, _)| k.trim_end_matches("[]").to_string())
            .collect();
        self.pairs.retain(|(k, _)| !given.contains(k.as_str()));
        self.pairs
            .extend(other.pairs.into_iter().filter(|(k, _)| !k.ends_with("[]")));
        self.not_text.extend(other.not_text);
        self
    }

    pub fn set(&mut self, key: &str, value: impl Into<String>) {
        self.pairs.retain(|(k, _)| k != key);
        self.pairs.push((key.to_string(), value.into()));
    }

    pub fn push(&mut self, key: &str, value: impl Into<String>) {
        self.pairs.push((key.to_string(), value.into()));
    }

    /// The first value of a field, untrimmed.
    pub fn get(&self, key: &str) -> Option<&str> {
        self.pairs
            .iter()
            .find(|(k, _)| k == key)
            .map(|(_, v)| v.as_str())
    }

    /// A field's text, trimmed; empty when absent.
    pub fn text(&self, key: &str) -> String {
        self.get(key).unwrap_or("").trim().to_string()
    }

    /// A yes-or-no a form's button sends as `true` or `false`; anything else (or nothing) is
    /// refused rather than guessed (ASVS V2.2.1: positive validation).
    pub fn flag(&self, key: &str) -> Result<bool, String> {
        match self.text(key).as_str() {
            "true" => Ok(true),
            "false" => Ok(false),
            _ => Err(format!(
                "The form did not say yes or no ({key}). Please go back and press the button again."
            )),
        }
    }

    /// Every value given for a field (checkbox groups, JSON arrays).
    pub fn all(&self, key: &str) -> Vec<&str> {
        self.pairs
            .iter()
            .filter(|(k, _)| k == key)
            .map(|(_, v)| v.as_str())
            .filter(|v| !v.trim().is_empty())
            .collect()
    }

    pub fn contains(&self, key: &str, value: &str) -> bool {
        self.all(key).iter().any(|v| v.trim() == value)
    }

    pub fn keys(&self) -> impl Iterator<Item = &str> {
        self.pairs.iter().map(|(k, _)| k.as_str())
    }
}

/// The only fields whose JSON value may be an object or a list of objects (a poll's options,
/// a poll's answers by option); anywhere else an object is a mistake and is named as one.
const STRUCTURED_FIELDS: [&str; 2] = ["options", "answers"];

/// One JSON field as raw pairs: an object's fields become `key.field`, a list of objects
/// becomes `key.0.field`, `key.1.field` and so on (how forms name rows too).
fn flatten_json(
    key: String,
    value: serde_json::Value,
    pairs: &mut Vec<(String, String)>,
    errors: &mut FieldErrors,
) {
    use serde_json::Value;
    match value {
        Value::String(s) => pairs.push((key, s)),
        // A whole number written with a fraction (`3.0`) is the whole number.
        Value::Number(n) => pairs.push((
            key,
            match n.as_f64() {
                Some(f) if !n.is_i64() && !n.is_u64() && f.fract() == 0.0 && f.abs() < 9e15 => {
                    format!("{}", f as i64)
                }
                _ => n.to_string(),
            },
        )),
        Value::Bool(b) => pairs.push((key, b.to_string())),
        // An explicit null or empty list still counts as "given".
        Value::Null => pairs.push((format!("{key}[]"), String::new())),
        Value::Object(map) => {
            for (sub, v) in map {
                flatten_json(format!("{key}.{sub}"), v, pairs, errors);
            }
        }
        Value::Array(items) => {
            if items.is_empty() {
                pairs.push((format!("{key}[]"), String::new()));
            }
            for (i, v) in items.into_iter().enumerate() {
                match v {
                    Value::Object(_) => flatten_json(format!("{key}.{i}"), v, pairs, errors),
                    Value::Array(_) => {
                        errors.add(&key, "This must be a list of text, numbers or objects.")
                    }
                    // A null in a list is refused, never dropped: `[null]` is not "none".
                    Value::Null => errors.add(&key, "A list must not hold null."),
                    other => flatten_json(key.clone(), other, pairs, errors),
                }
            }
        }
    }
}

/// A text field a JSON body gave as a number, true/false or a list: named as an error.
fn given_as_other_than_text(raw: &RawInput, field: &str, errors: &mut FieldErrors) -> bool {
    match raw.not_text(field) {
        Some(kind) => {
            errors.add(field, format!("Give this as text in quotes, not {kind}."));
            true
        }
        None => false,
    }
}

/// A required piece of text, at most `max` characters.
pub(crate) fn required_text(
    raw: &RawInput,
    field: &str,
    max: usize,
    missing: &str,
    errors: &mut FieldErrors,
) -> String {
    if given_as_other_than_text(raw, field, errors) {
        return String::new();
    }
    let value = raw.text(field);
    if value.is_empty() {
        errors.add(field, missing);
    } else if value.chars().count() > max {
        errors.add(field, format!("Use {max} characters or fewer."));
    }
    value
}

/// Optional text, at most `max` characters; line breaks kept.
pub(crate) fn optional_text(
    raw: &RawInput,
    field: &str,
    max: usize,
    errors: &mut FieldErrors,
) -> String {
    if given_as_other_than_text(raw, field, errors) {
        return String::new();
    }
    let value = raw.text(field).replace("\r\n", "\n");
    if value.chars().count() > max {
        errors.add(field, format!("Use {max} characters or fewer."));
    }
    value
}

/// A yes/no field: a ticked box ("on") or JSON true; absent means no.
pub(crate) fn flag(raw: &RawInput, field: &str, errors: &mut FieldErrors) -> bool {
    match raw.text(field).to_ascii_lowercase().as_str() {
        "" | "false" | "off" | "no" | "0" => false,
        "true" | "on" | "yes" | "1" => true,
        _ => {
            errors.add(field, "Answer yes or no.");
            false
        }
    }
}

/// An optional whole number within a range.
pub(crate) fn optional_number(
    raw: &RawInput,
    field: &str,
    range: std::ops::RangeInclusive<i64>,
    errors: &mut FieldErrors,
) -> Option<i64> {
    let what = match field {
        "usual_meeting_length" => "the usual meeting length in minutes",
        "number_of_meetings" => "how many meetings the group will have",
        "capacity" => "how many people fit",
        "duration_minutes" => "how long it lasts, in minutes",
        "minutes" => "how many minutes the step takes",
        "reminder_hours" => "how many hours before a meeting the reminder goes (0 for none)",
        _ => "the number",
    };
    let text = raw.text(field);
    if text.is_empty() {
        return None;
    }
    match text.parse::<i64>() {
        Ok(n) if range.contains(&n) => Some(n),
        Ok(_) => {
            errors.add(
                field,
                format!(
                    "Enter a number from {} to {}. This is {what}.",
                    range.start(),
                    range.end()
                ),
            );
            None
        }
        Err(_) => {
            errors.add(
                field,
                format!("Enter a whole number, like 12. This is {what}."),
            );
            None
        }
    }
}

/// An optional calendar date written as YYYY-MM-DD (what a date input sends).
pub(crate) fn optional_date(
    raw: &RawInput,
    field: &str,
    errors: &mut FieldErrors,
) -> Option<jiff::civil::Date> {
    let text = raw.text(field);
    if text.is_empty() {
        return None;
    }
    match text.parse::<jiff::civil::Date>() {
        Ok(d) if d.year() >= 1900 && d.year() <= 2200 => Some(d),
        _ => {
            errors.add(field, "Enter a real date, like 2026-03-31.");
            None
        }
    }
}

/// One value of a text enum from a form field: `default` when nothing was given, and
/// `message` as the field's error for anything else it does not know.
pub(crate) fn pick<T: std::str::FromStr + Copy>(
    raw: &RawInput,
    field: &str,
    default: T,
    message: &str,
    errors: &mut FieldErrors,
) -> T {
    if raw.text(field).is_empty() {
        return default;
    }
    pick_required(raw, field, default, message, errors)
}

/// One value of a text enum from a form field that must be answered: `message` as the field's
/// error when it was left empty or holds anything else (`placeholder` then stands in, unused,
/// since the form fails).
pub(crate) fn pick_required<T: std::str::FromStr + Copy>(
    raw: &RawInput,
    field: &str,
    placeholder: T,
    message: &str,
    errors: &mut FieldErrors,
) -> T {
    raw.text(field).parse().unwrap_or_else(|_| {
        errors.add(field, message);
        placeholder
    })
}

/// A simple, forgiving email check: something@something.something, no spaces.
pub(crate) fn looks_like_email(text: &str) -> bool {
    let Some((local, domain)) = text.rsplit_once('@') else {
        return false;
    };
    !local.is_empty()
        && domain.contains('.')
        && !domain.starts_with('.')
        && !domain.ends_with('.')
        && !text.chars().any(|c| c.is_whitespace() || c.is_control())
        && text.len() <= 254
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn json_becomes_raw_input() {
        let raw = RawInput::from_json(serde_json::json!({
            "name": "Tuesday group", "usual_meeting_length": 90, "hearing_loop": true,
            "needs": ["hearing", "sight"], "left_on": null
        }))
        .expect("valid");
        assert_eq!(raw.text("name"), "Tuesday group");
        assert_eq!(raw.text("usual_meeting_length"), "90");
        assert_eq!(raw.text("hearing_loop"), "true");
        assert_eq!(raw.all("needs"), vec!["hearing", "sight"]);
        assert!(RawInput::from_json(serde_json::json!([1])).is_err());
        let nested = RawInput::from_json(serde_json::json!({
            "options": [{"date": "2026-03-10", "venue_id": 3}], "answers": {"7": "yes"}
        }))
        .expect("valid");
        assert_eq!(nested.text("options.0.date"), "2026-03-10");
        assert_eq!(nested.text("options.0.venue_id"), "3");
        assert_eq!(nested.text("answers.7"), "yes");
        assert!(RawInput::from_json(serde_json::json!({"name": [[1]]})).is_err());
        assert!(RawInput::from_json(serde_json::json!({"name": {"a": 1}})).is_err());
        assert!(RawInput::from_json(serde_json::json!({"needs": [{"a": 1}]})).is_err());
    }

    #[test]
    fn merging_replaces_given_fields_only() {
        let base = RawInput::from_pairs(vec![
            ("name".into(), "A".into()),
            ("needs".into(), "hearing".into()),
            ("phone".into(), "1".into()),
        ]);
        let update =
            RawInput::from_json(serde_json::json!({"name": "B", "needs": []})).expect("valid");
        let merged = base.merged_with(update);
        assert_eq!(merged.text("name"), "B");
        assert!(merged.all("needs").is_empty());
        assert_eq!(merged.text("phone"), "1");
    }

    #[test]
    fn emails() {
        assert!(looks_like_email("ada@example.org"));
        assert!(!looks_like_email("ada@example"));
        assert!(!looks_like_email("ada example@x.org"));
        assert!(!looks_like_email("@x.org"));
    }
}
