//! Query strings that pages and the API both take.

use serde::Deserialize;

use crate::domain::RawInput;

/// `?from=&to=`: a range of dates, as typed.
#[derive(Deserialize, Default)]
pub struct RangeQuery {
    #[serde(default)]
    from: Option<String>,
    #[serde(default)]
    to: Option<String>,
}

impl RangeQuery {
    /// The bounds as given in a whole query's fields.
    pub fn from_raw(raw: &RawInput) -> RangeQuery {
        RangeQuery {
            from: raw.get("from").map(str::to_string),
            to: raw.get("to").map(str::to_string),
        }
    }

    pub fn raw(&self) -> RawInput {
        let mut raw = RawInput::default();
        raw.set("from", self.from.as_deref().unwrap_or(""));
        raw.set("to", self.to.as_deref().unwrap_or(""));
        raw
    }

    /// For the API: a bound given empty (`?to=`) is a mistake to name, not "no bound" (a page's
    /// form sends empty boxes, and there it means "not set").
    pub fn empty_bounds(&self) -> crate::domain::FieldErrors {
        let mut e = crate::domain::FieldErrors::new();
        for (name, v) in [("from", &self.from), ("to", &self.to)] {
            if v.as_deref().is_some_and(|v| v.trim().is_empty()) {
                e.add(name, "Give a date as YYYY-MM-DD, or leave it out.");
            }
        }
        e
    }
}

/// `?q=`: words to search a group's records for.
#[derive(Deserialize, Default)]
pub struct SearchQuery {
    #[serde(default)]
    pub q: Option<String>,
}

/// A whole query string as input fields, for forms of many fields (a search with its sort and
/// page); one that cannot be read is a clear 400.
pub fn raw_of_query(query: Option<&str>) -> crate::error::AppResult<RawInput> {
    serde_urlencoded::from_str::<Vec<(String, String)>>(query.unwrap_or(""))
        .map(RawInput::from_pairs)
        .map_err(|_| crate::error::AppError::BadRequest("The address could not be read.".into()))
}
