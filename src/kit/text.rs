//! The character checks every text input shares: control characters (refused
//! on every input, issue 11 item 10) and the invisible characters that can
//! disguise a name (refused in names of people and organisations, item 11).

/// A control character no input may carry: NUL and the rest of C0, DEL and C1
/// (Unicode's `Cc`). Tab and line breaks are whitespace that multi-line input
/// carries (a textarea of asset tags); single-line fields refuse them too, in
/// [`first_control`].
pub fn is_forbidden_control(c: char) -> bool {
    c.is_control() && !matches!(c, '\t' | '\n' | '\r')
}

/// The first character of `text` that no input may carry.
pub fn first_forbidden_control(text: &str) -> Option<char> {
    text.chars().find(|c| is_forbidden_control(*c))
}

/// The first control character of any kind, line breaks and tabs included:
/// the check of a single-line field.
pub fn first_control(text: &str) -> Option<char> {
    text.chars().find(|c| c.is_control())
}

/// Characters that change how a name looks without being seen: direction
/// marks, embeddings, overrides and isolates (a right-to-left override turns
/// 「山田」+RLO+「子花」 into what reads as another name), zero-width
/// characters, and the other invisible format characters and fillers.
/// Ideographic variation selectors (U+E0100–E01EF), which pick the right
/// glyph of a kanji in a person's name, are not among them.
pub fn is_disguising(c: char) -> bool {
    matches!(c,
        '\u{00AD}'                      // soft hyphen
        | '\u{034F}'                    // combining grapheme joiner
        | '\u{061C}'                    // Arabic letter mark
        | '\u{115F}' | '\u{1160}'       // Hangul fillers
        | '\u{17B4}' | '\u{17B5}'       // Khmer inherent vowels (invisible)
        | '\u{180B}'..='\u{180F}'       // Mongolian selectors and vowel separator
        | '\u{200B}'..='\u{200F}'       // zero-width space/non-joiner/joiner, LRM, RLM
        | '\u{202A}'..='\u{202E}'       // bidi embeddings and overrides
        | '\u{2060}'..='\u{2064}'       // word joiner, invisible operators
        | '\u{2066}'..='\u{206F}'       // bidi isolates, deprecated format characters
        | '\u{3164}'                    // Hangul filler
        | '\u{FE00}'..='\u{FE0F}'       // variation selectors (not the ideographic ones)
        | '\u{FEFF}'                    // zero-width no-break space (BOM)
        | '\u{FFA0}'                    // half-width Hangul filler
        | '\u{FFF9}'..='\u{FFFB}'       // interlinear annotation
        | '\u{1D173}'..='\u{1D17A}'     // musical format characters
        | '\u{E0001}'
        | '\u{E0020}'..='\u{E007F}'     // tag characters
    )
}

/// The first disguising character of `text`.
pub fn first_disguising(text: &str) -> Option<char> {
    text.chars().find(|c| is_disguising(*c))
}

/// A character as a message names it: `U+202E`.
pub fn code_point(c: char) -> String {
    format!("U+{:04X}", c as u32)
}

/// A person-readable name or title: trimmed, 1..=max characters, no control characters.
pub fn clean_text(input: &str, max_chars: usize) -> Result<String, String> {
    let text = input.trim();
    if text.is_empty() {
        return Err("入力してください。".into());
    }
    if text.chars().count() > max_chars {
        return Err(format!("{max_chars}文字以内で入力してください。"));
    }
    if let Some(c) = first_control(text) {
        return Err(format!("制御文字（{}）は使えません。", code_point(c)));
    }
    Ok(text.to_owned())
}

/// The name of a person or an organisation: as [`clean_text`], and without
/// the invisible characters that could make it read as another name on the
/// guard's screen (right-to-left overrides, zero-width characters …).
pub fn clean_name(input: &str, max_chars: usize) -> Result<String, String> {
    let name = clean_text(input, max_chars)?;
    if let Some(c) = first_disguising(&name) {
        return Err(format!(
            "名前に見えない文字（方向制御・ゼロ幅など、{}）は使えません。",
            code_point(c)
        ));
    }
    Ok(name)
}

/// An optional name: blank means absent.
pub fn clean_optional_name(
    input: Option<&str>,
    max_chars: usize,
) -> Result<Option<String>, String> {
    optional(input, |name| clean_name(name, max_chars))
}

/// An optional text field: blank means absent.
pub fn clean_optional(input: Option<&str>, max_chars: usize) -> Result<Option<String>, String> {
    optional(input, |text| clean_text(text, max_chars))
}

fn optional(
    input: Option<&str>,
    clean: impl FnOnce(&str) -> Result<String, String>,
) -> Result<Option<String>, String> {
    match input.map(str::trim) {
        None | Some("") => Ok(None),
        Some(text) => clean(text).map(Some),
    }
}

/// Percent-encodes text for a URL path or query value (keeps `/`, as record paths do).
pub fn percent_encode(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for byte in text.bytes() {
        match byte {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'_' | b'.' | b'~' | b'/' => {
                out.push(byte as char)
            }
            _ => out.push_str(&format!("%{byte:02X}")),
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn control_characters() {
        assert_eq!(first_forbidden_control("a\u{0}b"), Some('\u{0}'));
        assert_eq!(first_forbidden_control("a\u{7F}"), Some('\u{7F}'));
        assert_eq!(first_forbidden_control("a\u{85}"), Some('\u{85}'));
        assert_eq!(first_forbidden_control("SRV-1\nSRV-2\r\n\t"), None);
        assert_eq!(first_control("SRV-1\nSRV-2"), Some('\n'));
        assert_eq!(first_control("山田 太郎"), None);
    }

    #[test]
    fn disguising_characters() {
        for c in [
            '\u{202E}', '\u{2066}', '\u{200B}', '\u{200D}', '\u{2060}', '\u{FEFF}',
        ] {
            assert_eq!(first_disguising(&format!("山田{c}花子")), Some(c));
        }
        // A kanji with its ideographic variation selector is a real name.
        assert_eq!(first_disguising("葛\u{E0100}飾 区"), None);
        assert_eq!(first_disguising("ＡＢＣ株式会社"), None);
        assert_eq!(code_point('\u{202E}'), "U+202E");
    }

    #[test]
    fn names_and_texts_are_cleaned() {
        assert!(clean_text("a\u{0}b", 10).is_err());
        assert!(clean_text(&"あ".repeat(11), 10).is_err());
        assert!(clean_text("a\nb", 10).is_err());
        assert!(clean_name("山田\u{202E}子花", 10).is_err());
        assert!(clean_name("佐藤\u{200B}", 10).is_err());
        assert_eq!(clean_name(" 佐藤 花子 ", 10).unwrap(), "佐藤 花子");
        assert_eq!(clean_optional_name(Some(" "), 10).unwrap(), None);
    }
}

/// A number as an IME user types it, in the half-width form `str::parse`
/// reads (issue 13 item 8): full-width digits and signs become ASCII, spaces
/// around it (full-width too) go, and thousands separators (`,` or `，`) are
/// dropped when they group digits by three. `None` when separators sit
/// anywhere else (「1,2」 is not a number).
pub fn half_width_number(text: &str) -> Option<String> {
    let mut out = String::with_capacity(text.len());
    for c in text
        .trim_matches(|c: char| c.is_whitespace() || c == '\u{3000}')
        .chars()
    {
        out.push(match c {
            '０'..='９' => char::from(b'0' + (c as u32 - '０' as u32) as u8),
            '－' | '−' | 'ー' => '-',
            '＋' => '+',
            '．' => '.',
            '，' => ',',
            c => c,
        });
    }
    if !out.contains(',') {
        return Some(out);
    }
    let unsigned = out.trim_start_matches(['-', '+']);
    let integer = unsigned.split('.').next().unwrap_or("");
    let mut groups = integer.split(',');
    let first = groups.next().unwrap_or("");
    let grouped = (1..=3).contains(&first.len())
        && groups.all(|g| g.len() == 3)
        && integer.chars().all(|c| c.is_ascii_digit() || c == ',');
    grouped.then(|| out.replace(',', ""))
}

/// Parses a number typed into any form or CSV cell: blank is `Ok(None)`,
/// anything that is not a number after [`half_width_number`] is `Err(())`.
pub(crate) fn parse_number<T: std::str::FromStr>(text: &str) -> Result<Option<T>, ()> {
    let Some(normal) = half_width_number(text) else {
        return Err(());
    };
    if normal.is_empty() {
        return Ok(None);
    }
    normal.parse().map(Some).map_err(|_| ())
}

/// A whole number with thousands separators, as amounts are read: 38500 → 「38,500」.
pub fn grouped(n: i64) -> String {
    let digits = n.unsigned_abs().to_string();
    let mut out = String::with_capacity(digits.len() + digits.len() / 3 + 1);
    if n < 0 {
        out.push('-');
    }
    for (i, c) in digits.chars().enumerate() {
        if i > 0 && (digits.len() - i).is_multiple_of(3) {
            out.push(',');
        }
        out.push(c);
    }
    out
}

#[cfg(test)]
mod number_tests {
    use super::*;

    #[test]
    fn numbers_as_typed_with_an_ime() {
        assert_eq!(parse_number::<i64>("２"), Ok(Some(2)));
        assert_eq!(parse_number::<i32>("１０"), Ok(Some(10)));
        assert_eq!(parse_number::<i64>("38,500"), Ok(Some(38500)));
        assert_eq!(parse_number::<i64>("３８，５００"), Ok(Some(38500)));
        assert_eq!(parse_number::<i64>("1,234,567"), Ok(Some(1234567)));
        assert_eq!(parse_number::<i64>("　１２　"), Ok(Some(12)));
        assert_eq!(parse_number::<f64>("－１．５"), Ok(Some(-1.5)));
        assert_eq!(parse_number::<i64>(""), Ok(None));
        assert_eq!(parse_number::<i64>("1,2"), Err(()));
        assert_eq!(parse_number::<i64>("1,2345"), Err(()));
        assert_eq!(parse_number::<i64>("十"), Err(()));
        assert_eq!(parse_number::<i64>("1O"), Err(()));
        assert_eq!(grouped(38500), "38,500");
        assert_eq!(grouped(-1234567), "-1,234,567");
        assert_eq!(grouped(999), "999");
    }
}
