//! The one way Hearth writes CSV files, so no export can forget a guard. Every cell goes
//! through [`guard`] (a leading apostrophe on anything a spreadsheet would run as a formula)
//! and is quoted when it holds a comma, a quote, a line break or a semicolon: spreadsheets set
//! to split on semicolons (common in Europe) would otherwise start a new cell there, and a
//! cell such as `note;=HYPERLINK(…)` would become a formula. Files start with a byte-order mark
//! so spreadsheet programs read accents right, and lines end with CRLF (RFC 4180).

/// A CSV file being written.
pub struct CsvOut {
    text: String,
}

impl CsvOut {
    /// A file with its header row.
    pub fn with_header<I>(header: I) -> Self
    where
        I: IntoIterator,
        I::Item: AsRef<str>,
    {
        let mut out = CsvOut {
            text: String::from('\u{feff}'),
        };
        out.row(header);
        out
    }

    /// One row: each cell guarded and quoted as needed.
    pub fn row<I>(&mut self, cells: I)
    where
        I: IntoIterator,
        I::Item: AsRef<str>,
    {
        for (i, cell) in cells.into_iter().enumerate() {
            if i > 0 {
                self.text.push(',');
            }
            let guarded = guard(cell.as_ref());
            if guarded.contains([',', '"', '\n', '\r', ';']) {
                self.text.push('"');
                self.text.push_str(&guarded.replace('"', "\"\""));
                self.text.push('"');
            } else {
                self.text.push_str(&guarded);
            }
        }
        self.text.push_str("\r\n");
    }

    /// The file's text.
    pub fn finish(self) -> String {
        self.text
    }
}

/// A cell a spreadsheet would run as a formula (starting `=`, `+`, `-`, `@`, a tab or a
/// carriage return) gets a leading apostrophe. Member imports take it off again.
pub fn guard(cell: &str) -> String {
    if cell.starts_with(['=', '+', '-', '@', '\t', '\r']) {
        format!("'{cell}")
    } else {
        cell.to_string()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_cell_is_guarded_and_quoted_where_a_spreadsheet_would_split_it() {
        let mut out = CsvOut::with_header(["name", "note"]);
        out.row(["=1+1", "fine"]);
        out.row(["Ada", "tea;=HYPERLINK(\"http://evil.example\")"]);
        out.row(["Ben, Jr", "said \"hello\"\nthen left"]);
        out.row(["+44 7700", "@SUM(A1)"]);
        let text = out.finish();
        assert_eq!(
            text,
            "\u{feff}name,note\r\n'=1+1,fine\r\nAda,\"tea;=HYPERLINK(\"\"http://evil.example\"\")\"\r\n\"Ben, Jr\",\"said \"\"hello\"\"\nthen left\"\r\n'+44 7700,'@SUM(A1)\r\n"
        );
        // Read back by a CSV reader, every cell is whole.
        let mut reader = csv::Reader::from_reader(text.trim_start_matches('\u{feff}').as_bytes());
        let rows: Vec<Vec<String>> = reader
            .records()
            .map(|r| r.expect("row").iter().map(str::to_string).collect())
            .collect();
        assert_eq!(rows[1][1], "tea;=HYPERLINK(\"http://evil.example\")");
        assert_eq!(rows[2][0], "Ben, Jr");
    }
}
