//! The file's data rows, read one at a time and as often as needed: the
//! import reads the text three times (the tags it names, the check, the
//! writing) instead of holding every record, and every checked row, at once.
//! At 100,000 rows those held about 200 MB; a pass over the text costs a few
//! tens of milliseconds.

use super::import::{ImportError, one_line};
use super::*;
use csv::StringRecord;

/// A decoded CSV file whose header has been checked: where each column is.
pub(super) struct File<'t> {
    text: &'t str,
    /// Where every line of the text ends, to number records as Excel does.
    newlines: Vec<usize>,
    pub(super) columns: HashMap<&'static str, usize>,
}

impl<'t> File<'t> {
    fn reader(text: &'t str) -> csv::Reader<&'t [u8]> {
        csv::ReaderBuilder::new()
            .flexible(true)
            .from_reader(text.as_bytes())
    }

    /// Reads and checks the header line: every column a register field, none twice, the required ones there.
    pub(super) fn open(text: &'t str) -> Result<File<'t>, ImportError> {
        let mut reader = Self::reader(text);
        let headers = reader
            .headers()
            .map_err(|e| one_line(1, format!("見出し行を読めません: {e}")))?;
        let mut columns: HashMap<&'static str, usize> = HashMap::new();
        let mut faults = Vec::new();
        for (i, h) in headers.iter().enumerate() {
            let h = h.trim();
            match HEADERS.iter().find(|name| **name == h) {
                Some(name) if columns.contains_key(name) => {
                    faults.push(format!("見出し「{h}」が重複しています。"))
                }
                Some(name) => {
                    columns.insert(name, i);
                }
                None if h.is_empty() => {}
                None => faults.push(format!("見出し「{h}」は台帳の項目ではありません。")),
            }
        }
        for name in REQUIRED {
            if !columns.contains_key(name) {
                faults.push(format!("見出し「{name}」がありません。"));
            }
        }
        if !faults.is_empty() {
            return Err(one_line(1, faults.join(" ")));
        }
        let newlines = text
            .bytes()
            .enumerate()
            .filter(|(_, b)| *b == b'\n')
            .map(|(i, _)| i)
            .collect();
        Ok(File {
            text,
            newlines,
            columns,
        })
    }

    /// The line a record starts on as Excel numbers it (the header is line 1),
    /// from the byte where csv says the record starts. csv's own line count
    /// differs between files: it reads a CRLF's LF with the next record, so an LF
    /// file's lines came out one too high (issue 13 item 16). The record's first
    /// byte after any line ends left before it decides, the same for both.
    pub(super) fn line_at(&self, position: Option<&csv::Position>) -> u64 {
        let Some(p) = position else { return 0 };
        let text = self.text.as_bytes();
        let mut at = usize::try_from(p.byte())
            .unwrap_or(usize::MAX)
            .min(text.len());
        while matches!(text.get(at), Some(b'\r' | b'\n')) {
            at += 1;
        }
        self.newlines.partition_point(|&n| n < at) as u64 + 1
    }

    /// Calls `f` with each record after the header, in order (or the error that
    /// made it unreadable), through one reused record; stops at `f`'s first error.
    pub(super) fn each<E>(
        &self,
        mut f: impl FnMut(Result<Record<'_>, csv::Error>) -> Result<(), E>,
    ) -> Result<(), E> {
        let mut reader = Self::reader(self.text);
        let mut record = StringRecord::new();
        loop {
            match reader.read_record(&mut record) {
                Ok(true) => f(Ok(Record {
                    r: &record,
                    line: self.line_at(record.position()),
                    columns: &self.columns,
                }))?,
                Ok(false) => return Ok(()),
                Err(e) => f(Err(e))?,
            }
        }
    }
}

/// One CSV record with its columns found by header name.
#[derive(Clone, Copy)]
pub(super) struct Record<'a> {
    r: &'a StringRecord,
    line: u64,
    columns: &'a HashMap<&'static str, usize>,
}

impl<'a> Record<'a> {
    /// The cell under the header `name`, trimmed and without Excel's protecting `'`.
    pub(super) fn cell(&self, name: &str) -> &'a str {
        self.raw(name).map(|c| from_excel(c.trim())).unwrap_or("")
    }

    /// The cell as written, when the column is there.
    pub(super) fn raw(&self, name: &str) -> Option<&'a str> {
        self.columns.get(name).and_then(|i| self.r.get(*i))
    }

    /// The line the record starts on, as Excel numbers it.
    pub(super) fn line(&self) -> u64 {
        self.line
    }

    /// A blank line Excel left behind.
    pub(super) fn is_blank(&self) -> bool {
        self.r.iter().all(|c| c.trim().is_empty())
    }
}
