//! What a password must be (第11条): long enough, not guessable from who the
//! person is (login, staff number, birth date in any usual way of writing it),
//! and strong by an estimate that knows common passwords and patterns.

use chrono::{Datelike, NaiveDate};

pub const MIN_PASSWORD_CHARS: usize = 12;
pub const MAX_PASSWORD_CHARS: usize = 128;
/// How many of a person's latest passwords (the current one included) may not come back.
pub const PASSWORD_HISTORY: usize = 5;
/// zxcvbn's score: 3 is "safely unguessable: moderate protection from offline
/// slow-hash scenario" (about 10^10 guesses), what an argon2-hashed store needs.
pub const MIN_STRENGTH: u8 = 3;
/// The shortest run of a staff number's digits that counts as the number.
/// Staff numbers are 4–8 digits; four of them already single the number out
/// (a 3-digit run is the kind of fragment any password may hold by chance:
/// `123`, a year's `202`), while every 4-digit run of the number is refused.
pub const STAFF_NUMBER_RUN: usize = 4;

/// Who the password is for: what it must not contain (第11条: guessable strings).
pub struct PasswordContext<'a> {
    pub username: &'a str,
    pub display_name: &'a str,
    pub staff_number: Option<&'a str>,
    pub birth_date: Option<NaiveDate>,
}

/// Why a password was refused: a stable code and a sentence for the person.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct WeakPassword {
    pub reason: &'static str,
    pub message: &'static str,
}

fn weak(reason: &'static str, message: &'static str) -> Result<(), WeakPassword> {
    Err(WeakPassword { reason, message })
}

/// Every rule that needs nothing but the password and its owner; reuse of an
/// earlier password is checked against the stored history by the service.
pub fn check_password(password: &str, ctx: &PasswordContext<'_>) -> Result<(), WeakPassword> {
    let chars = password.chars().count();
    if chars < MIN_PASSWORD_CHARS {
        return weak("too_short", "パスワードは12文字以上にしてください。");
    }
    if chars > MAX_PASSWORD_CHARS {
        return weak("too_long", "パスワードは128文字以内にしてください。");
    }
    if password.chars().any(char::is_control) {
        return weak("control_character", "パスワードに制御文字は使えません。");
    }
    let compact = compact(password);
    let username = compact_ascii(ctx.username);
    if !username.is_empty() && compact.contains(&username) {
        return weak(
            "contains_username",
            "パスワードに利用者IDを含めないでください。",
        );
    }
    if let Some(number) = ctx.staff_number
        && staff_number_forms(number)
            .iter()
            .any(|form| compact.contains(form.as_str()))
    {
        return weak(
            "contains_staff_number",
            "パスワードに職員番号（その4桁以上の数字の並びを含む）を含めないでください。",
        );
    }
    if let Some(birth) = ctx.birth_date
        && birth_date_forms(birth)
            .iter()
            .any(|form| compact.contains(form.as_str()))
    {
        return weak(
            "contains_birth_date",
            "パスワードに生年月日（西暦・和暦のどの書き方でも）を含めないでください。",
        );
    }
    let own_words: Vec<&str> = [ctx.username, ctx.display_name]
        .into_iter()
        .chain(ctx.staff_number)
        .filter(|w| !w.is_empty())
        .collect();
    if (zxcvbn::zxcvbn(password, &own_words).score() as u8) < MIN_STRENGTH {
        return weak(
            "too_guessable",
            "推測されやすいパスワードです。よく使われる語、同じ文字や数字の並びを避け、長くしてください。",
        );
    }
    Ok(())
}

/// The password as it is compared: full-width letters and digits made
/// half-width, lower case, era names as their letters (昭和 → s, 元年 → 1年),
/// and every separator (`-/._`, spaces, 年月日) gone — so `S60.4.12`,
/// `昭和60年4月12日` and `Ｓ６０－０４－１２` all become the same digits.
fn compact(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    let mut chars = text.chars().map(half_width).peekable();
    while let Some(c) = chars.next() {
        if let Some(letter) = era_letter_of_ligature(c) {
            out.push(letter);
            continue;
        }
        if c == '元' && chars.peek() == Some(&'年') {
            out.push('1');
            continue;
        }
        if let Some(&next) = chars.peek()
            && let Some(letter) = era_letter_of_name(c, next)
        {
            chars.next();
            out.push(letter);
            continue;
        }
        if is_separator(c) {
            continue;
        }
        out.extend(c.to_lowercase());
    }
    out
}

/// ASCII text (a login, a staff number) compared the same way.
fn compact_ascii(text: &str) -> String {
    compact(text.trim())
}

/// Full-width ASCII (U+FF01–FF5E) and the ideographic space to their half-width selves.
fn half_width(c: char) -> char {
    match c {
        '\u{FF01}'..='\u{FF5E}' => char::from_u32(c as u32 - 0xFEE0).unwrap_or(c),
        '\u{3000}' => ' ',
        _ => c,
    }
}

fn is_separator(c: char) -> bool {
    c.is_whitespace()
        || matches!(
            c,
            '-' | '/'
                | '.'
                | '_'
                | ','
                | '\''
                | ':'
                | '年'
                | '月'
                | '日'
                | '・'
                | '／'
                | '．'
                | '－'
        )
}

/// The Japanese eras a living person's birth date falls in, with their start
/// dates and the letter they are abbreviated to.
const ERAS: [(&str, char, (i32, u32, u32)); 5] = [
    ("明治", 'm', (1868, 10, 23)),
    ("大正", 't', (1912, 7, 30)),
    ("昭和", 's', (1926, 12, 25)),
    ("平成", 'h', (1989, 1, 8)),
    ("令和", 'r', (2019, 5, 1)),
];

fn era_letter_of_name(first: char, second: char) -> Option<char> {
    ERAS.iter()
        .find(|(name, _, _)| name.chars().eq([first, second]))
        .map(|(_, letter, _)| *letter)
}

/// The one-character era signs (㍾㍽㍼㍻㋿).
fn era_letter_of_ligature(c: char) -> Option<char> {
    match c {
        '\u{337E}' => Some('m'),
        '\u{337D}' => Some('t'),
        '\u{337C}' => Some('s'),
        '\u{337B}' => Some('h'),
        '\u{32FF}' => Some('r'),
        _ => None,
    }
}

/// The era letter and year of a date (昭和60年 → ('s', 60)).
fn era_of(date: NaiveDate) -> Option<(char, i32)> {
    ERAS.iter()
        .rev()
        .find(|(_, _, (y, m, d))| NaiveDate::from_ymd_opt(*y, *m, *d).is_some_and(|s| date >= s))
        .map(|(_, letter, (y, _, _))| (*letter, date.year() - y + 1))
}

/// Every run of [`STAFF_NUMBER_RUN`] or more of the staff number's digits,
/// and the whole number itself.
fn staff_number_forms(number: &str) -> Vec<String> {
    let whole = compact_ascii(number);
    if whole.is_empty() {
        return Vec::new();
    }
    let mut forms = vec![whole];
    for run in number
        .split(|c: char| !c.is_ascii_digit())
        .filter(|r| r.len() >= STAFF_NUMBER_RUN)
    {
        for len in STAFF_NUMBER_RUN..=run.len() {
            for start in 0..=run.len() - len {
                forms.push(run[start..start + len].to_owned());
            }
        }
    }
    forms
}

/// The ways a birth date gets written, as [`compact`] leaves them: Western
/// (19850412, 850412, 0412, 1985412, 04121985, 12041985 …) and 和暦 with and
/// without the era's letter (s600412, 600412, s60412 …). Forms shorter than
/// four characters are left out: `412` is in too many passwords by chance.
fn birth_date_forms(date: NaiveDate) -> Vec<String> {
    let (y, m, d) = (date.year(), date.month(), date.day());
    let yy = y.rem_euclid(100);
    let month_days = [format!("{m:02}{d:02}"), format!("{m}{d}")];
    let mut forms = Vec::new();
    for md in &month_days {
        forms.push(format!("{y:04}{md}"));
        forms.push(format!("{yy:02}{md}"));
        forms.push(md.clone());
    }
    forms.push(format!("{m:02}{d:02}{y:04}"));
    forms.push(format!("{d:02}{m:02}{y:04}"));
    forms.push(format!("{m:02}{d:02}{yy:02}"));
    forms.push(format!("{d:02}{m:02}{yy:02}"));
    if let Some((letter, era_year)) = era_of(date) {
        for year in [format!("{era_year:02}"), format!("{era_year}")] {
            for md in &month_days {
                forms.push(format!("{letter}{year}{md}"));
                forms.push(format!("{year}{md}"));
            }
        }
    }
    forms.retain(|f| f.chars().count() >= 4);
    forms.sort();
    forms.dedup();
    forms
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ctx() -> PasswordContext<'static> {
        PasswordContext {
            username: "tanaka",
            display_name: "田中 一郎",
            staff_number: Some("A12345"),
            // 昭和60年4月12日
            birth_date: NaiveDate::from_ymd_opt(1985, 4, 12),
        }
    }

    fn reason(password: &str) -> &'static str {
        match check_password(password, &ctx()) {
            Ok(()) => "ok",
            Err(weak) => weak.reason,
        }
    }

    #[test]
    fn length_and_control_characters() {
        assert_eq!(reason("short-pass1"), "too_short");
        assert_eq!(reason(&"x".repeat(129)), "too_long");
        assert_eq!(reason("tab\there-is-long"), "control_character");
    }

    #[test]
    fn the_login_in_any_case_or_width() {
        assert_eq!(reason("Tanaka-is-my-name"), "contains_username");
        assert_eq!(reason("ＴＡＮＡＫＡ-Blue-Kettle"), "contains_username");
        assert_eq!(reason("my-t.a.n.a.k.a-Kettle"), "contains_username");
    }

    #[test]
    fn the_staff_number_and_every_run_of_four_of_its_digits() {
        assert_eq!(reason("Kettle-A12345-Blue"), "contains_staff_number");
        assert_eq!(reason("Kettle-12345-Blue"), "contains_staff_number");
        assert_eq!(reason("Blue-Kettle-2345x"), "contains_staff_number");
        assert_eq!(reason("Blue-Kettle-1234x"), "contains_staff_number");
        assert_eq!(reason("Blue-Kettle-１２３４x"), "contains_staff_number");
        assert_eq!(reason("Blue-Kettle-12-34x"), "contains_staff_number");
        // Three of its digits are a fragment any password may hold.
        assert_eq!(reason("Blue-Kettle-123-Moss"), "ok");
    }

    #[test]
    fn the_birth_date_written_every_usual_way() {
        for written in [
            "19850412",
            "850412",
            "0412",
            "1985-04-12",
            "1985/4/12",
            "85.4.12",
            "04/12/1985",
            "12.04.1985",
            "S600412",
            "s60.4.12",
            "600412",
            "昭和60年4月12日",
            "昭和６０年０４月１２日",
            "㍼60.4.12",
            "Ｓ６０－４－１２",
        ] {
            assert_eq!(
                reason(&format!("Blue-Kettle-{written}-x")),
                "contains_birth_date",
                "{written}"
            );
        }
        let first_year = PasswordContext {
            birth_date: NaiveDate::from_ymd_opt(1989, 1, 8),
            staff_number: None,
            ..ctx()
        };
        assert_eq!(
            check_password("Blue-Kettle-平成元年1月8日", &first_year)
                .unwrap_err()
                .reason,
            "contains_birth_date"
        );
        assert_eq!(
            check_password("Blue-Kettle-H010108", &first_year)
                .unwrap_err()
                .reason,
            "contains_birth_date"
        );
    }

    #[test]
    fn eras_begin_on_their_day() {
        let date = |y, m, d| NaiveDate::from_ymd_opt(y, m, d).unwrap();
        assert_eq!(era_of(date(1989, 1, 7)), Some(('s', 64)));
        assert_eq!(era_of(date(1989, 1, 8)), Some(('h', 1)));
        assert_eq!(era_of(date(2019, 4, 30)), Some(('h', 31)));
        assert_eq!(era_of(date(2019, 5, 1)), Some(('r', 1)));
        assert_eq!(era_of(date(1926, 12, 25)), Some(('s', 1)));
        assert_eq!(era_of(date(1900, 1, 1)), Some(('m', 33)));
    }

    #[test]
    fn guessable_passwords_are_refused_by_their_strength() {
        assert_eq!(reason("password654321"), "too_guessable");
        assert_eq!(reason("iloveyou2026"), "too_guessable");
        assert_eq!(reason("aaaaaaaaaaaa"), "too_guessable");
        assert_eq!(reason("qwertyuiopasdf"), "too_guessable");
        assert_eq!(reason("abcdefghijklmn"), "too_guessable");
    }

    #[test]
    fn good_passwords_pass() {
        assert_eq!(reason("correct horse battery"), "ok");
        assert_eq!(reason("日本語のながいパスワードです"), "ok");
        assert_eq!(reason("Kanri-Passw0rd-2026"), "ok");
        assert_eq!(reason("Shokuin-Passw0rd-2026"), "ok");
    }
}
