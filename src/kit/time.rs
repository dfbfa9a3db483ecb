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

/// Parses an RFC 3339 time (any offset) or a bare date (midnight in Tokyo) into UTC.
pub fn parse_instant(text: &str) -> Option<NaiveDateTime> {
    let text = text.trim();
    if let Ok(t) = DateTime::parse_from_rfc3339(text) {
        return Some(t.naive_utc());
    }
    let date = NaiveDate::parse_from_str(text, "%Y-%m-%d").ok()?;
    let local = tokyo()
        .from_local_datetime(&date.and_hms_opt(0, 0, 0)?)
        .single()?;
    Some(local.naive_utc())
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

/// 「令和8年11月25日 09:05:03」 in Tokyo time.
pub fn wareki_datetime(utc: NaiveDateTime) -> String {
    let local = to_tokyo(utc);
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
    }
}
