//! `multipart/form-data`, as a browser sends a form with a file (the register's
//! CSV upload): the parts by name, each with its bytes. Small and strict: a
//! body that does not follow the format is refused, never guessed at.

use crate::error::AppError;

pub struct Part {
    pub name: String,
    pub filename: Option<String>,
    pub data: Vec<u8>,
}

/// The boundary of a `multipart/form-data` content type.
pub fn boundary(content_type: &str) -> Option<String> {
    let (essence, params) = content_type.split_once(';')?;
    if !essence.trim().eq_ignore_ascii_case("multipart/form-data") {
        return None;
    }
    params.split(';').find_map(|p| {
        let (k, v) = p.trim().split_once('=')?;
        k.trim()
            .eq_ignore_ascii_case("boundary")
            .then(|| v.trim().trim_matches('"').to_owned())
            .filter(|b| !b.is_empty() && b.len() <= 70)
    })
}

fn find(haystack: &[u8], needle: &[u8], from: usize) -> Option<usize> {
    haystack
        .get(from..)?
        .windows(needle.len())
        .position(|w| w == needle)
        .map(|i| i + from)
}

fn bad() -> AppError {
    AppError::bad_request("bad_form", "送信されたフォームを読み取れませんでした。")
}

/// A header parameter such as `name="file"`.
fn param(header: &str, key: &str) -> Option<String> {
    header.split(';').find_map(|p| {
        let (k, v) = p.trim().split_once('=')?;
        (k.trim() == key).then(|| v.trim().trim_matches('"').to_owned())
    })
}

/// Every part of `body`, split at `--boundary` lines.
pub fn parse(body: &[u8], boundary: &str) -> Result<Vec<Part>, AppError> {
    let delimiter = format!("--{boundary}").into_bytes();
    let next = format!("\r\n--{boundary}").into_bytes();
    let mut at = find(body, &delimiter, 0).ok_or_else(bad)? + delimiter.len();
    let mut parts = vec![];
    loop {
        if body.get(at..at + 2) == Some(b"--") {
            return Ok(parts);
        }
        if body.get(at..at + 2) != Some(b"\r\n") {
            return Err(bad());
        }
        at += 2;
        let head_end = find(body, b"\r\n\r\n", at).ok_or_else(bad)?;
        let head = std::str::from_utf8(&body[at..head_end]).map_err(|_| bad())?;
        let disposition = head
            .split("\r\n")
            .find_map(|line| {
                let (k, v) = line.split_once(':')?;
                k.trim()
                    .eq_ignore_ascii_case("content-disposition")
                    .then_some(v)
            })
            .ok_or_else(bad)?;
        let name = param(disposition, "name").ok_or_else(bad)?;
        let filename = param(disposition, "filename");
        let data_start = head_end + 4;
        let data_end = find(body, &next, data_start).ok_or_else(bad)?;
        parts.push(Part {
            name,
            filename,
            data: body[data_start..data_end].to_vec(),
        });
        at = data_end + next.len();
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parts_of_a_browser_form() {
        let b = boundary("multipart/form-data; boundary=----x1").unwrap();
        let body = b"------x1\r\nContent-Disposition: form-data; name=\"csrf\"\r\n\r\nabc\r\n------x1\r\nContent-Disposition: form-data; name=\"file\"; filename=\"a.csv\"\r\nContent-Type: text/csv\r\n\r\nA,B\nC,D\n\r\n------x1--\r\n";
        let parts = parse(body, &b).unwrap();
        assert_eq!(parts.len(), 2);
        assert_eq!(
            (parts[0].name.as_str(), parts[0].data.as_slice()),
            ("csrf", &b"abc"[..])
        );
        assert_eq!(parts[1].filename.as_deref(), Some("a.csv"));
        assert_eq!(parts[1].data, b"A,B\nC,D\n");
        assert!(parse(b"garbage", &b).is_err());
        assert!(boundary("text/csv").is_none());
    }
}
