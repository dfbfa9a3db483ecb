//! Times: stored in UTC, shown in Asia/Tokyo (no daylight saving, so a fixed
//! +09:00 is exact), in 和暦 on pages and RFC 3339 in JSON.

use chrono::{DateTime, Datelike, FixedOffset, NaiveDate, NaiveDateTime, TimeZone, Timelike, Utc};

pub fn tokyo() -> FixedOffset {
    FixedOffset::east_opt(9 * 3600).expect("+09:00 is a valid offset")
}

pub fn to_tokyo(utc: NaiveDateTime) -> DateTime<FixedOffset> {
    Utc.from_utc_datetime(&utc).with_timezone(&tokyo())
}

/// RFC 3339 with the Tokyo offset: `2026-11-25T09:00:00.123456+09:00`.
pub fn rfc3339(utc: NaiveDateTime) -> String {
    to_tokyo(utc).to_rfc3339_opts(chrono::SecondsFormat::AutoSi, false)
}

pub fn serialize_utc<S: serde::Serializer>(utc: &NaiveDateTime, s: S) -> Result<S::Ok, S::Error> {
    s.serialize_str(&rfc3339(*utc))
}

pub fn serialize_utc_opt<S: serde::Serializer>(
    utc: &Option<NaiveDateTime>,
    s: S,
) -> Result<S::Ok, S::Error> {
    match utc {
        Some(t) => s.serialize_str(&rfc3339(*t)),
        None => s.serialize_none(),
    }
}

/// Parses an RFC 3339 time (any offset), a Tokyo wall-clock time as people
/// and `datetime-local` inputs write it (`2026-12-01 09:00`,
/// `2026-12-01T09:00`, `2026/12/01 09:00:30`) or a bare date (midnight in
/// Tokyo) into UTC. Full-width digits are read as typed with an IME.
pub fn parse_instant(text: &str) -> Option<NaiveDateTime> {
    let text = half_width(text);
    let text = text.trim();
    if let Ok(t) = DateTime::parse_from_rfc3339(text) {
        return Some(t.naive_utc());
    }
    let text = text.replace('/', "-");
    let wall = [
        "%Y-%m-%d %H:%M",
        "%Y-%m-%dT%H:%M",
        "%Y-%m-%d %H:%M:%S",
        "%Y-%m-%dT%H:%M:%S",
    ]
    .iter()
    .find_map(|f| NaiveDateTime::parse_from_str(&text, f).ok())
    .or_else(|| {
        NaiveDate::parse_from_str(&text, "%Y-%m-%d")
            .ok()?
            .and_hms_opt(0, 0, 0)
    })?;
    Some(tokyo().from_local_datetime(&wall).single()?.naive_utc())
}

/// Full-width digits and separators as ASCII, so that 「２０２６－１２－０１」 reads.
fn half_width(text: &str) -> String {
    text.chars()
        .map(|c| match c {
            '０'..='９' | '：' | '／' | '－' => char::from_u32(c as u32 - 0xFEE0).unwrap_or(c),
            '\u{3000}' => ' ',
            c => c,
        })
        .collect()
}

/// A date a little ahead of `now` to show as an example in messages: tomorrow in Tokyo.
fn example_day(now: NaiveDateTime) -> NaiveDate {
    to_tokyo(now).date_naive() + chrono::TimeDelta::days(1)
}

/// The message of a time that does not read, with a future example:
/// 「日時は 例：2026-12-01 09:00 のように入力してください（日付だけでも可）。」
pub fn instant_format_message(now: NaiveDateTime) -> String {
    format!(
        "日時は 例：{} 09:00 のように入力してください（日付だけでも可）。",
        example_day(now).format("%Y-%m-%d")
    )
}

/// The message of a date that does not read: 「日付は 例：2026-12-01 のように…」.
pub fn date_format_message(now: NaiveDateTime) -> String {
    format!(
        "日付は 例：{} のように入力してください。",
        example_day(now).format("%Y-%m-%d")
    )
}

/// Reads a date as typed (`2026-12-01`, `2026/12/01`, full-width digits).
pub fn parse_date(text: &str) -> Option<NaiveDate> {
    let text = half_width(text).trim().replace('/', "-");
    NaiveDate::parse_from_str(&text, "%Y-%m-%d").ok()
}

/// The era year of a date: (era name, year in era). Eras since 明治.
fn era(date: NaiveDate) -> (&'static str, i32) {
    const ERAS: [(&str, i32, u32, u32); 5] = [
        ("令和", 2019, 5, 1),
        ("平成", 1989, 1, 8),
        ("昭和", 1926, 12, 25),
        ("大正", 1912, 7, 30),
        ("明治", 1868, 1, 25),
    ];
    for (name, y, m, d) in ERAS {
        if let Some(start) = NaiveDate::from_ymd_opt(y, m, d)
            && date >= start
        {
            return (name, date.year() - y + 1);
        }
    }
    ("", date.year())
}

/// 「令和8年11月25日」; the first year of an era is 元年.
pub fn wareki_date(date: NaiveDate) -> String {
    let (name, year) = era(date);
    if name.is_empty() {
        return date.format("%Y年%-m月%-d日").to_string();
    }
    let year = if year == 1 {
        "元".to_owned()
    } else {
        year.to_string()
    };
    format!("{name}{year}年{}月{}日", date.month(), date.day())
}

/// 「令和8年11月25日 09:05:03」 in Tokyo time. A value given as a date alone
/// (stored as midnight in Tokyo) shows as the date, without 「00:00:00」.
pub fn wareki_datetime(utc: NaiveDateTime) -> String {
    let local = to_tokyo(utc);
    if local.time() == chrono::NaiveTime::MIN {
        return wareki_date(local.date_naive());
    }
    format!(
        "{} {:02}:{:02}:{:02}",
        wareki_date(local.date_naive()),
        local.hour(),
        local.minute(),
        local.second()
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn wareki_eras_and_gannen() {
        let d = |y, m, dd| NaiveDate::from_ymd_opt(y, m, dd).unwrap();
        assert_eq!(wareki_date(d(2026, 11, 25)), "令和8年11月25日");
        assert_eq!(wareki_date(d(2019, 5, 1)), "令和元年5月1日");
        assert_eq!(wareki_date(d(2019, 4, 30)), "平成31年4月30日");
        assert_eq!(wareki_date(d(1989, 1, 8)), "平成元年1月8日");
        assert_eq!(wareki_date(d(1989, 1, 7)), "昭和64年1月7日");
    }

    #[test]
    fn tokyo_times() {
        let utc = NaiveDate::from_ymd_opt(2026, 11, 24)
            .unwrap()
            .and_hms_opt(15, 30, 0)
            .unwrap();
        assert_eq!(rfc3339(utc), "2026-11-25T00:30:00+09:00");
        assert_eq!(wareki_datetime(utc), "令和8年11月25日 00:30:00");
        assert_eq!(
            parse_instant("2026-11-25"),
            Some(utc - chrono::TimeDelta::minutes(30))
        );
        assert_eq!(parse_instant("2026-11-25T00:30:00+09:00"), Some(utc));
        assert_eq!(parse_instant("yesterday"), None);
        let nine = utc + chrono::TimeDelta::hours(9) - chrono::TimeDelta::minutes(30);
        assert_eq!(parse_instant("2026-11-25 09:00"), Some(nine));
        assert_eq!(parse_instant("2026/11/25T09:00"), Some(nine));
        assert_eq!(
            parse_instant("２０２６－１１－２５　０９：００"),
            Some(nine)
        );
        let midnight = utc - chrono::TimeDelta::minutes(30);
        assert_eq!(wareki_datetime(midnight), "令和8年11月25日");
        assert_eq!(
            instant_format_message(utc),
            "日時は 例：2026-11-26 09:00 のように入力してください（日付だけでも可）。"
        );
    }
}
