//! What the coordinators' audit page and API are asked for, parsed from the query.

use super::{FieldErrors, RawInput, optional_date, optional_number};
use crate::store::AuditFilter;

/// The filter, or the fields that are not right. Dates are whole days in UTC: `to` includes its
/// day. Unknown fields are refused, so a typing mistake is not silently ignored.
impl TryFrom<&RawInput> for AuditFilter {
    type Error = FieldErrors;

    fn try_from(raw: &RawInput) -> Result<Self, FieldErrors> {
        let mut errors = FieldErrors::new();
        for key in raw.keys() {
            if !["member_id", "account_id", "from", "to"].contains(&key) {
                errors.add(
                    key,
                    "Hearth does not know this filter: use member_id, account_id, from or to.",
                );
            }
        }
        let member_id = optional_number(raw, "member_id", 1..=i64::MAX, &mut errors);
        let account_id = optional_number(raw, "account_id", 1..=i64::MAX, &mut errors);
        let day_start = |d: jiff::civil::Date| {
            jiff::tz::TimeZone::UTC
                .to_timestamp(d.to_datetime(jiff::civil::Time::midnight()))
                .map(|t| t.as_second())
                .ok()
        };
        let from = optional_date(raw, "from", &mut errors).and_then(day_start);
        let to = optional_date(raw, "to", &mut errors)
            .and_then(|d| d.tomorrow().ok())
            .and_then(day_start);
        if let (Some(f), Some(t)) = (from, to)
            && t <= f
        {
            errors.add("to", "The end date must be on or after the start date.");
        }
        if errors.is_empty() {
            Ok(AuditFilter {
                member_id: member_id.map(super::ids::MemberId),
                account_id,
                from,
                to,
            })
        } else {
            Err(errors)
        }
    }
}
