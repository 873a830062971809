//! Members as CSV: the columns Hearth reads and writes, checking every row of an import before
//! anything is stored, and writing exports that spreadsheets open safely.

use super::member::{Member, MemberInput};
use super::{FieldErrors, RawInput};

/// The columns, in the order exports use. Imports need `preferred_name`; the rest are optional.
pub const COLUMNS: [&str; 10] = [
    "preferred_name",
    "full_name",
    "phone",
    "email",
    "preferred_contact",
    "needs",
    "needs_note",
    "happy_to_share_story",
    "joined_on",
    "left_on",
];

/// One row of an import, as checked.
#[derive(Debug, Clone)]
pub struct ImportRow {
    /// The line in the file (the header is line 1).
    pub line: usize,
    pub preferred_name: String,
    pub result: Result<MemberInput, FieldErrors>,
}

impl ImportRow {
    pub fn errors(&self) -> Vec<String> {
        match &self.result {
            Ok(_) => Vec::new(),
            Err(e) => e
                .iter()
                .map(|e| format!("{}: {}", column_label(&e.field), e.message))
                .collect(),
        }
    }
    pub fn is_ok(&self) -> bool {
        self.result.is_ok()
    }
}

/// The whole file checked: either a problem with the file itself, or every row's result.
#[derive(Debug, Clone)]
pub struct ImportCheck {
    pub file_error: Option<String>,
    pub rows: Vec<ImportRow>,
}

impl ImportCheck {
    pub fn all_ok(&self) -> bool {
        self.file_error.is_none() && !self.rows.is_empty() && self.rows.iter().all(|r| r.is_ok())
    }
    pub fn error_count(&self) -> usize {
        self.rows.iter().filter(|r| !r.is_ok()).count()
    }
    pub fn valid(&self) -> Vec<MemberInput> {
        self.rows
            .iter()
            .filter_map(|r| r.result.as_ref().ok().cloned())
            .collect()
    }
}

/// A column's name in words, for messages about a row.
fn column_label(field: &str) -> &str {
    match field {
        "preferred_name" => "Preferred name",
        "full_name" => "Full name",
        "phone" => "Phone",
        "email" => "Email",
        "preferred_contact" => "Preferred contact",
        "needs" => "Needs",
        "needs_note" => "Needs note",
        "happy_to_share_story" => "Happy to share story",
        "joined_on" => "Joined on",
        "left_on" => "Left on",
        "row" => "Row",
        other => other,
    }
}

pub const MAX_IMPORT_ROWS: usize = 2000;

fn normalise_header(h: &str) -> String {
    h.trim()
        .trim_start_matches('\u{feff}')
        .to_ascii_lowercase()
        .replace([' ', '-'], "_")
}

/// Checks a CSV file of members. Nothing is stored here.
pub fn check_import(text: &str) -> ImportCheck {
    let fail = |m: String| ImportCheck {
        file_error: Some(m),
        rows: Vec::new(),
    };
    if text.trim().is_empty() {
        return fail(
            "The file is empty. Choose a CSV file with a header row and one row per member.".into(),
        );
    }
    let mut reader = csv::ReaderBuilder::new()
        .flexible(true)
        .trim(csv::Trim::All)
        .from_reader(text.as_bytes());
    let headers: Vec<String> = match reader.headers() {
        Ok(h) => h.iter().map(normalise_header).collect(),
        Err(e) => return fail(format!("The file could not be read as CSV: {e}")),
    };
    if let Some(unknown) = headers
        .iter()
        .find(|h| !h.is_empty() && !COLUMNS.contains(&h.as_str()))
    {
        return fail(format!(
            "The column {unknown:?} is not one Hearth knows. Use these column names: {}.",
            COLUMNS.join(", ")
        ));
    }
    if !headers.iter().any(|h| h == "preferred_name") {
        return fail("The first row must name the columns, including preferred_name.".into());
    }
    let mut rows = Vec::new();
    for (i, record) in reader.records().enumerate() {
        let line = i + 2;
        if rows.len() >= MAX_IMPORT_ROWS {
            return fail(format!(
                "The file has more than {MAX_IMPORT_ROWS} rows. Split it into smaller files."
            ));
        }
        let record = match record {
            Ok(r) => r,
            Err(e) => return fail(format!("Line {line} could not be read: {e}")),
        };
        if record.iter().all(|c| c.trim().is_empty()) {
            continue;
        }
        let mut raw = RawInput::default();
        for (h, value) in headers.iter().zip(record.iter()) {
            if !h.is_empty() {
                raw.push(h, strip_formula_guard(value));
            }
        }
        let mut result = MemberInput::try_from(&raw);
        if record.len() > headers.len() {
            let mut e = result.err().unwrap_or_default();
            e.add(
                "row",
                format!(
                    "This row has {} cells but the header has {}.",
                    record.len(),
                    headers.len()
                ),
            );
            result = Err(e);
        }
        rows.push(ImportRow {
            line,
            preferred_name: raw.text("preferred_name"),
            result,
        });
    }
    if rows.is_empty() {
        return fail("The file has a header row but no members under it.".into());
    }
    ImportCheck {
        file_error: None,
        rows,
    }
}

/// Exports add a leading apostrophe to cells a spreadsheet would run as a formula; imports of
/// our own exports take it off again.
fn strip_formula_guard(value: &str) -> &str {
    match value.strip_prefix('\'') {
        Some(rest) if rest.starts_with(['=', '+', '-', '@']) => rest,
        _ => value,
    }
}

/// Whether an uploaded file is of a kind the import takes, by its name's ending and the type
/// the browser gave (ASVS V5.2.2); its content is then checked in full by `check_import`.
/// A spreadsheet saved as CSV ends `.csv` (or `.txt`); browsers label it `text/csv`,
/// `text/plain`, or, on Windows with Excel, `application/vnd.ms-excel`, and some give no type
/// or a generic one. A workbook, a document or a picture is refused with what to do instead.
pub fn check_upload_kind(file_name: &str, content_type: &str) -> Result<(), String> {
    let lower = file_name.trim().to_ascii_lowercase();
    let ending = lower.rsplit_once('.').map(|(_, e)| e).unwrap_or("");
    let kind = content_type
        .split(';')
        .next()
        .unwrap_or("")
        .trim()
        .to_ascii_lowercase();
    if matches!(ending, "xlsx" | "xls" | "ods" | "numbers")
        || kind.contains("spreadsheetml")
        || kind.contains("opendocument")
    {
        return Err("This is a spreadsheet workbook, not a CSV file. In your spreadsheet, choose \"Save as\" (or \"Download\") and pick \"CSV UTF-8\", then choose that file.".into());
    }
    let name_ok = matches!(ending, "csv" | "txt");
    let type_ok = matches!(
        kind.as_str(),
        "" | "text/csv"
            | "text/plain"
            | "text/tab-separated-values"
            | "text/comma-separated-values"
            | "text/x-csv"
            | "application/csv"
            | "application/x-csv"
            | "application/vnd.ms-excel"
            | "application/octet-stream"
    );
    if name_ok && type_ok {
        Ok(())
    } else {
        Err("Only a CSV file can be imported (its name ends in .csv). Save your list from the spreadsheet as \"CSV UTF-8\" and choose that file.".into())
    }
}

/// Members as CSV text, through the one CSV writer (`csv_out`: every cell guarded).
pub fn export(members: &[Member]) -> String {
    let mut out = super::csv_out::CsvOut::with_header(COLUMNS);
    for m in members {
        out.row([
            m.preferred_name.clone(),
            m.full_name.clone(),
            m.phone.clone(),
            m.email.clone(),
            m.preferred_contact.to_string(),
            m.needs_list().join(";"),
            m.needs_note.clone(),
            m.happy_to_share_story.to_string(),
            m.joined_on.clone().unwrap_or_default(),
            m.left_on.clone().unwrap_or_default(),
        ]);
    }
    out.finish()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_csv_files_are_taken() {
        for (name, kind) in [
            ("members.csv", "text/csv"),
            ("Members.CSV", "application/vnd.ms-excel"),
            ("list.txt", "text/plain; charset=utf-8"),
            ("members.csv", ""),
            ("members.csv", "application/octet-stream"),
        ] {
            assert_eq!(check_upload_kind(name, kind), Ok(()), "{name} {kind}");
        }
        for (name, kind, says) in [
            (
                "members.xlsx",
                "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
                "workbook",
            ),
            (
                "members.csv",
                "application/vnd.oasis.opendocument.spreadsheet",
                "workbook",
            ),
            ("photo.png", "image/png", "Only a CSV file"),
            ("members.csv", "image/png", "Only a CSV file"),
            ("members", "text/csv", "Only a CSV file"),
            (
                "members.csv.exe",
                "application/x-msdownload",
                "Only a CSV file",
            ),
        ] {
            let e = check_upload_kind(name, kind).expect_err(name);
            assert!(e.contains(says), "{name}: {e}");
        }
    }

    #[test]
    fn good_file_checks_out() {
        let c = check_import("Preferred name,phone,needs\nAda,07700 900123,hearing;sight\nBen,,\n");
        assert!(c.all_ok(), "{c:?}");
        assert_eq!(c.valid().len(), 2);
        assert_eq!(c.valid()[0].needs, "hearing,sight");
    }

    #[test]
    fn every_bad_row_is_named() {
        let c =
            check_import("preferred_name,email\nAda,nope\n,ben@example.org\nCy,cy@example.org\n");
        assert!(!c.all_ok());
        assert_eq!(c.error_count(), 2);
        assert_eq!(c.rows[0].line, 2);
        assert!(c.rows[0].errors()[0].starts_with("Email"));
        assert!(c.rows[1].errors()[0].starts_with("Preferred name"));
    }

    #[test]
    fn unknown_columns_and_empty_files_are_refused() {
        assert!(check_import("name,diagnosis\nAda,x\n").file_error.is_some());
        assert!(check_import("").file_error.is_some());
        assert!(check_import("preferred_name\n").file_error.is_some());
    }

    #[test]
    fn export_guards_formulas_and_round_trips() {
        let m = Member {
            id: crate::domain::ids::MemberId(1),
            group_id: crate::domain::ids::GroupId(1),
            preferred_name: "=HYPERLINK(\"x\")".into(),
            full_name: "Ada Lovelace".into(),
            phone: "+44 7700 900123".into(),
            email: String::new(),
            preferred_contact: crate::domain::member::ContactPref::Phone,
            needs: "hearing,dietary".parse().expect("needs"),
            needs_note: String::new(),
            happy_to_share_story: crate::domain::member::StoryConsent::Yes,
            joined_on: Some("2026-01-05".into()),
            left_on: None,
        };
        let text = export(&[m]);
        assert!(text.starts_with('\u{feff}'));
        assert!(text.contains("'=HYPERLINK"));
        let back = check_import(&text);
        assert!(back.all_ok(), "{back:?}");
        let v = &back.valid()[0];
        assert_eq!(v.preferred_name, "=HYPERLINK(\"x\")");
        assert_eq!(v.phone, "+44 7700 900123");
        assert_eq!(v.needs, "hearing,dietary");
    }
}
