//! The row limit of an import (`DAICHO_IMPORT_MAX_ROWS`), counted as the
//! bytes arrive: a file over it is refused at once, before it is held whole
//! or parsed into records, with a message that names the limit.

use crate::error::AppError;
use crate::error::Failure;

/// Counts a CSV's records as its bytes arrive. Quoting is followed, so a
/// note with line breaks is one row; blank lines are not rows. Shift_JIS
/// needs no decoding for this: its second bytes are never `"`, `,` or a line end.
pub struct RowCounter {
    reader: csv_core::Reader,
    /// Records so far, the header included.
    records: u64,
    max_rows: u64,
}

impl RowCounter {
    pub fn new(max_rows: u64) -> RowCounter {
        RowCounter {
            reader: csv_core::Reader::new(),
            records: 0,
            max_rows,
        }
    }

    /// Counts the rows in the next piece of the file; an error once there are too many.
    pub fn feed(&mut self, mut bytes: &[u8]) -> Result<(), AppError> {
        let (mut field, mut ends) = ([0u8; 4096], [0usize; 64]);
        loop {
            let (result, read, _, _) = self.reader.read_record(bytes, &mut field, &mut ends);
            bytes = &bytes[read..];
            match result {
                csv_core::ReadRecordResult::Record => {
                    self.records += 1;
                    if self.rows() > self.max_rows {
                        return Err(too_many_rows(self.max_rows));
                    }
                }
                csv_core::ReadRecordResult::InputEmpty | csv_core::ReadRecordResult::End => {
                    return Ok(());
                }
                // The fields themselves are not kept.
                csv_core::ReadRecordResult::OutputFull
                | csv_core::ReadRecordResult::OutputEndsFull => {}
            }
        }
    }

    /// The end of the file (a last line without a line break is a row too).
    pub fn finish(&mut self) -> Result<(), AppError> {
        self.feed(&[])
    }

    /// Data rows so far (the header is not one).
    pub fn rows(&self) -> u64 {
        self.records.saturating_sub(1)
    }
}

/// 413 `too_many_rows`: the file is over `DAICHO_IMPORT_MAX_ROWS`.
pub fn too_many_rows(max_rows: u64) -> AppError {
    AppError::new(
        Failure::TooLarge,
        "too_many_rows",
        format!(
            "一度に取り込めるのは {} 行までです（DAICHO_IMPORT_MAX_ROWS）。ファイルを分けて取り込んでください。何も取り込んでいません。",
            thousands(max_rows)
        ),
    )
}

/// 200000 → "200,000".
fn thousands(n: u64) -> String {
    let digits = n.to_string();
    let mut out = String::new();
    for (i, c) in digits.chars().enumerate() {
        if i > 0 && (digits.len() - i).is_multiple_of(3) {
            out.push(',');
        }
        out.push(c);
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn count(text: &[u8], pieces: usize, max: u64) -> Result<u64, AppError> {
        let mut counter = RowCounter::new(max);
        for piece in text.chunks(pieces) {
            counter.feed(piece)?;
        }
        counter.finish()?;
        Ok(counter.rows())
    }

    #[test]
    fn rows_are_records_not_line_breaks() {
        let text = "資産番号,備考\r\nA-1,\"two\r\nlines\"\r\n\r\nA-2,x\r\nA-3,last";
        for pieces in [1, 2, 7, 4096] {
            assert_eq!(count(text.as_bytes(), pieces, 10).unwrap(), 3, "{pieces}");
        }
    }

    #[test]
    fn one_row_over_the_limit_is_refused() {
        let text = b"h\nA\nB\nC";
        assert_eq!(count(text, 3, 3).unwrap(), 3);
        let refused = count(text, 3, 2).unwrap_err();
        assert_eq!(refused.code, "too_many_rows");
        assert!(refused.message.contains("2 行まで"));
        assert!(too_many_rows(200_000).message.contains("200,000 行まで"));
    }

    #[test]
    fn a_long_field_is_still_one_row() {
        let long = format!("h\n\"{}\"\n", "x".repeat(100_000));
        assert_eq!(count(long.as_bytes(), 8192, 1).unwrap(), 1);
    }
}
