//! A form being shown: the values typed (kept when the form comes back with errors) and the
//! error for each field. Templates ask it for values, checked boxes and messages.

use crate::domain::{FieldErrors, RawInput};

#[derive(Debug, Clone, Default)]
pub struct Form {
    pub raw: RawInput,
    pub errors: FieldErrors,
    /// Set when it is a part of a page that is one form (`web::page_form`).
    part: Option<Box<Part>>,
}

#[derive(Debug, Clone, Default)]
struct Part {
    name: String,
    /// What its text boxes showed before anything typed was put back.
    was: RawInput,
    /// It shows what was typed and not saved (another part of the page was refused).
    kept: bool,
}

impl Form {
    pub fn blank() -> Form {
        Form::default()
    }
    pub fn from_raw(raw: RawInput) -> Form {
        Form {
            raw,
            ..Form::default()
        }
    }
    pub fn with_errors(raw: RawInput, errors: FieldErrors) -> Form {
        Form {
            raw,
            errors,
            ..Form::default()
        }
    }
    /// This form as the part `name` of a page that is one form: its fields are sent as
    /// `name.field`, with what each text box showed, and what was typed in it comes back when
    /// another part of the page was refused (`web::page_form`). A form shown with its errors
    /// showed nothing saved, so anything in it counts as typed.
    pub fn part(mut self, name: impl Into<String>) -> Form {
        let name = name.into();
        let was = if self.errors.is_empty() {
            self.raw.clone()
        } else {
            RawInput::default()
        };
        let mut kept = false;
        if let Some(typed) = super::page_form::kept(&name) {
            self.raw = typed;
            kept = true;
        }
        self.part = Some(Box::new(Part { name, was, kept }));
        self
    }
    /// The name a field is sent with.
    pub fn name(&self, field: &str) -> String {
        match &self.part {
            Some(part) => format!("{}.{field}", part.name),
            None => field.to_string(),
        }
    }
    /// Whether it shows what was typed and not saved.
    pub fn is_kept(&self) -> bool {
        self.part.as_ref().is_some_and(|p| p.kept)
    }
    /// Whether this form is a part of a page form.
    pub fn in_page(&self) -> bool {
        self.part.is_some()
    }
    /// What a field showed before anything typed was put back.
    pub fn was(&self, field: &str) -> String {
        self.part
            .as_ref()
            .and_then(|p| p.was.get(field))
            .unwrap_or("")
            .to_string()
    }
    pub fn value(&self, field: &str) -> String {
        self.raw.get(field).unwrap_or("").to_string()
    }
    pub fn is(&self, field: &str, value: &str) -> bool {
        self.raw.text(field) == value
    }
    /// A checkbox, or one box of a group, is ticked.
    pub fn checked(&self, field: &str) -> bool {
        matches!(
            self.raw.text(field).to_ascii_lowercase().as_str(),
            "true" | "on" | "yes" | "1"
        )
    }
    pub fn has(&self, field: &str, value: &str) -> bool {
        self.raw.contains(field, value)
    }
    pub fn error(&self, field: &str) -> Option<String> {
        self.errors.get(field).map(str::to_string)
    }
    pub fn has_errors(&self) -> bool {
        !self.errors.is_empty()
    }
}
