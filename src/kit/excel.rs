//! CSV that Excel opens correctly, written one way everywhere: UTF-8 with a
//! BOM, CRLF line ends, fields quoted when they need it, and cells Excel would
//! run as a formula defused — a security rule, so it has this one home.

use std::borrow::Cow;

/// Whether Excel would take `cell` as a formula (or a DDE command): a leading
/// `=`, `+`, `@`, tab or CR, or a `-` that does not begin a plain number.
fn looks_like_formula(cell: &str) -> bool {
    match cell.chars().next() {
        Some('=' | '+' | '@' | '\t' | '\r') => true,
        Some('-') => {
            let rest = &cell[1..];
            !rest.is_empty() && !rest.chars().all(|c| c.is_ascii_digit() || c == '.')
        }
        _ => false,
    }
}

/// The cell as Excel must show it: a formula-looking text gets a leading `'`.
pub fn defuse(cell: &str) -> Cow<'_, str> {
    if looks_like_formula(cell) {
        Cow::Owned(format!("'{cell}"))
    } else {
        Cow::Borrowed(cell)
    }
}

/// The inverse of [`defuse`] for a file coming back from Excel.
pub fn undo_defuse(cell: &str) -> &str {
    match cell.strip_prefix('\'') {
        Some(rest) if looks_like_formula(rest) => rest,
        _ => cell,
    }
}

pub struct CsvWriter {
    out: String,
}

impl CsvWriter {
    /// A document beginning with the BOM and the header row.
    pub fn new(headers: &[&str]) -> CsvWriter {
        let mut writer = CsvWriter {
            out: String::from("\u{FEFF}"),
        };
        writer.row(headers.iter().copied());
        writer
    }

    pub fn row<'a>(&mut self, cells: impl IntoIterator<Item = &'a str>) {
        let mut first = true;
        for cell in cells {
            if !first {
                self.out.push(',');
            }
            first = false;
            let cell = defuse(cell);
            if cell.contains([',', '"', '\n', '\r']) || cell.starts_with('\'') {
                self.out.push('"');
                self.out.push_str(&cell.replace('"', "\"\""));
                self.out.push('"');
            } else {
                self.out.push_str(&cell);
            }
        }
        self.out.push_str("\r\n");
    }

    pub fn finish(self) -> String {
        self.out
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn excel_ready() {
        let mut csv = CsvWriter::new(&["資産番号", "備考"]);
        csv.row(["SRV-001", "a,b \"c\""]);
        csv.row(["-5", "=HYPERLINK(\"x\")"]);
        csv.row(["--x", ""]);
        csv.row(["+81", "@SUM(A1)"]);
        let text = csv.finish();
        assert!(text.starts_with('\u{FEFF}'));
        assert_eq!(
            text.trim_start_matches('\u{FEFF}'),
            "資産番号,備考\r\nSRV-001,\"a,b \"\"c\"\"\"\r\n-5,\"'=HYPERLINK(\"\"x\"\")\"\r\n\"'--x\",\r\n\"'+81\",\"'@SUM(A1)\"\r\n"
        );
    }

    #[test]
    fn defusing_is_undone_on_the_way_back() {
        for cell in [
            "=1+1", "-x", "+81", "@a", "\tx", "-5", "-1.5", "田中", "'plain", "-",
        ] {
            assert_eq!(undo_defuse(&defuse(cell)), cell, "{cell:?}");
        }
        assert_eq!(defuse("-3"), "-3");
        assert_eq!(defuse("=SUM(A1)"), "'=SUM(A1)");
    }
}
