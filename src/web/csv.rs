//! CSV that Excel opens correctly: UTF-8 with a BOM, CRLF line ends, every
//! field quoted when it needs to be, and formula-looking cells defused.

use actix_web::HttpResponse;
use actix_web::http::header;

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
            push_cell(&mut self.out, cell);
        }
        self.out.push_str("\r\n");
    }

    pub fn finish(self) -> String {
        self.out
    }

    /// An attachment response; `filename` should be ASCII.
    pub fn into_response(self, filename: &str) -> HttpResponse {
        HttpResponse::Ok()
            .content_type("text/csv; charset=utf-8")
            .insert_header((
                header::CONTENT_DISPOSITION,
                format!("attachment; filename=\"{filename}\""),
            ))
            .body(self.out)
    }
}

fn push_cell(out: &mut String, cell: &str) {
    // A cell Excel would run as a formula (=, +, -, @ first) gets a leading quote.
    let defused = matches!(cell.chars().next(), Some('=' | '+' | '@' | '\t' | '\r'))
        || (cell.starts_with('-')
            && cell.len() > 1
            && !cell[1..].chars().all(|c| c.is_ascii_digit() || c == '.'));
    let needs_quotes = defused || cell.contains([',', '"', '\n', '\r']);
    if needs_quotes {
        out.push('"');
        if defused {
            out.push('\'');
        }
        out.push_str(&cell.replace('"', "\"\""));
        out.push('"');
    } else {
        out.push_str(cell);
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
        let text = csv.finish();
        assert!(text.starts_with('\u{FEFF}'));
        assert_eq!(
            text.trim_start_matches('\u{FEFF}'),
            "資産番号,備考\r\nSRV-001,\"a,b \"\"c\"\"\"\r\n-5,\"'=HYPERLINK(\"\"x\"\")\"\r\n\"'--x\",\r\n"
        );
    }
}
