//! A form being shown: the values typed (kept when the form comes back with errors) and the
//! error for each field. Templates ask it for values, checked boxes and messages.

use crate::domain::{FieldErrors, RawInput};

#[derive(Debug, Clone, Default)]
pub struct Form {
    pub raw: RawInput,
    pub errors: FieldErrors,
}

impl Form {
    pub fn blank() -> Form {
        Form::default()
    }
    pub fn from_raw(raw: RawInput) -> Form {
        Form {
            raw,
            errors: FieldErrors::new(),
        }
    }
    pub fn with_errors(raw: RawInput, errors: FieldErrors) -> Form {
        Form { raw, errors }
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
