//! Equipment vocabulary (kinds, classifications, statuses, movement states) and
//! scanner-safe asset tags (DESIGN.md §5).

use crate::kit::vocabulary::vocabulary;

vocabulary!(
    /// What a device is.
    Kind {
        Server = "server" / "サーバ",
        Network = "network" / "ネットワーク機器",
        Storage = "storage" / "ストレージ",
        Ups = "ups" / "UPS（無停電電源装置）",
        SurgeProtector = "surge_protector" / "サージ保護機器",
        Terminal = "terminal" / "端末",
        Media = "media" / "記録媒体",
        Other = "other" / "その他",
    }
);

vocabulary!(
    /// 第3条: 秘密情報 or 一般情報.
    Classification {
        Secret = "secret" / "秘密情報",
        General = "general" / "一般情報",
    }
);

vocabulary!(
    /// Where a device is in its life.
    Status {
        InService = "in_service" / "稼働中",
        Spare = "spare" / "予備",
        Stored = "stored" / "保管",
        UnderRepair = "under_repair" / "修理中",
        CarriedOut = "carried_out" / "持出中",
        Disposed = "disposed" / "廃棄済",
    }
);

vocabulary!(
    /// 第6条: how a device is protected against surges.
    SurgeProtection {
        Ups = "ups" / "UPS",
        Spd = "spd" / "SPD（避雷器・サージ保護）",
        None = "none" / "なし",
    }
);

vocabulary!(
    /// 持出 or 持込.
    Direction {
        Out = "out" / "持出",
        In = "in" / "持込",
    }
);

vocabulary!(
    /// A carry-in/out request's state; `unauthorised` is what the gate flagged (issue 14 §1).
    MovementState {
        Requested = "requested" / "申請中",
        Approved = "approved" / "承認済",
        Rejected = "rejected" / "却下",
        Completed = "completed" / "実施済",
        Returned = "returned" / "返却済",
        Cancelled = "cancelled" / "取消",
        Unauthorised = "unauthorised" / "無許可持出",
    }
);

vocabulary!(
    /// How a zone manager settled a 無許可持出.
    Settlement {
        Returned = "returned" / "返却確認",
        ApprovedAfter = "approved_after" / "事後承認",
        Incident = "incident" / "事故・障害として報告",
    }
);

vocabulary!(
    /// How a device was disposed of (第3条2項(3)); the first three erase the data.
    DisposalMethod {
        PhysicalDestruction = "physical_destruction" / "物理破壊",
        Degaussing = "degaussing" / "磁気消去",
        Overwrite = "overwrite" / "上書き消去",
        VendorCollection = "vendor_collection" / "業者引渡し（消去なし）",
        Other = "other" / "その他",
    }
);

impl DisposalMethod {
    /// Whether the method makes the stored information unrecoverable.
    pub fn erases(self) -> bool {
        matches!(
            self,
            DisposalMethod::PhysicalDestruction
                | DisposalMethod::Degaussing
                | DisposalMethod::Overwrite
        )
    }
}

/// 第3条2項(3), 第23条2項: what a disposal of a device with this classification
/// lacks, as (field, message) pairs; empty when it may go ahead.
pub fn disposal_faults(
    classification: Classification,
    method: DisposalMethod,
    certificate_number: Option<&str>,
    witnessed_by: Option<&str>,
) -> Vec<(&'static str, String)> {
    let mut faults = Vec::new();
    if classification != Classification::Secret {
        return faults;
    }
    if !method.erases() {
        faults.push((
            "method",
            "秘密情報を記録した機器は、物理破壊・磁気消去・上書き消去のいずれかで廃棄してください。"
                .to_owned(),
        ));
    }
    if certificate_number.is_none_or(|c| c.trim().is_empty()) {
        faults.push((
            "certificate_number",
            "秘密情報を記録した機器の廃棄には、消去（廃棄）証明書の番号が必要です。".to_owned(),
        ));
    }
    if witnessed_by.is_none_or(|w| w.trim().is_empty()) {
        faults.push((
            "witnessed_by",
            "秘密情報を記録した機器の廃棄には、立会者の氏名が必要です。".to_owned(),
        ));
    }
    faults
}

pub const MAX_TAG_LEN: usize = 32;

/// Why scanned or typed input is not an asset tag.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum TagError {
    Empty,
    TooLong,
    /// Kana arrived: the scanner typed through a Japanese IME.
    KanaInput,
    BadCharacter(char),
}

impl TagError {
    pub fn message(&self) -> String {
        match self {
            TagError::Empty => "資産番号を入力してください。".into(),
            TagError::TooLong => format!("資産番号は{MAX_TAG_LEN}文字以内です。"),
            TagError::KanaInput => {
                "かなが入力されました。日本語入力（IME）をオフにして、もう一度読み取ってください。"
                    .into()
            }
            TagError::BadCharacter(c) => {
                format!("資産番号に使えない文字「{c}」が含まれています（使える文字: A-Z 0-9 -）。")
            }
        }
    }
}

/// Full-width ASCII and the dash look-alikes a Japanese keyboard or IME produces, made plain.
fn to_half_width(c: char) -> char {
    match c {
        '\u{FF01}'..='\u{FF5E}' => char::from_u32(c as u32 - 0xFEE0).unwrap_or(c),
        '\u{3000}' => ' ',
        '\u{2010}' | '\u{2011}' | '\u{2012}' | '\u{2013}' | '\u{2014}' | '\u{2212}'
        | '\u{30FC}' | '\u{FF70}' => '-',
        _ => c,
    }
}

fn is_kana(c: char) -> bool {
    matches!(c, '\u{3040}'..='\u{30FF}' | '\u{FF66}'..='\u{FF9D}') && c != '\u{30FC}'
}

/// What a scanner or a person typed, made into an asset tag: full-width to
/// half-width, trimmed, upper case; a label URL (`…/e/TAG`) gives its tag.
pub fn normalize_tag(input: &str) -> Result<String, TagError> {
    let plain: String = input.chars().map(to_half_width).collect();
    let plain = plain.trim();
    let tag = match plain.rfind("/e/") {
        Some(i) => plain[i + 3..].split(['?', '#', '/']).next().unwrap_or(""),
        None => plain,
    };
    let tag = tag.trim().to_ascii_uppercase();
    if tag.is_empty() {
        return Err(TagError::Empty);
    }
    if let Some(c) = tag
        .chars()
        .find(|c| !(c.is_ascii_uppercase() || c.is_ascii_digit() || *c == '-'))
    {
        return Err(if tag.chars().any(is_kana) {
            TagError::KanaInput
        } else {
            TagError::BadCharacter(c)
        });
    }
    if tag.len() > MAX_TAG_LEN {
        return Err(TagError::TooLong);
    }
    Ok(tag)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn scanned_input_becomes_a_tag() {
        assert_eq!(normalize_tag("srv-001").unwrap(), "SRV-001");
        assert_eq!(normalize_tag("  ＳＲＶ－００１　").unwrap(), "SRV-001");
        assert_eq!(
            normalize_tag("SRVー001").unwrap(),
            "SRV-001",
            "a long-vowel mark typed for a dash"
        );
        assert_eq!(
            normalize_tag("https://daicho.example.lg.jp/e/SRV-001").unwrap(),
            "SRV-001"
        );
        assert_eq!(
            normalize_tag("http://127.0.0.1:8080/e/srv-001?x=1").unwrap(),
            "SRV-001"
        );
    }

    #[test]
    fn bad_tags_are_refused_with_a_reason() {
        assert_eq!(normalize_tag("   ").unwrap_err(), TagError::Empty);
        assert_eq!(
            normalize_tag(&"A".repeat(33)).unwrap_err(),
            TagError::TooLong
        );
        assert_eq!(
            normalize_tag("ｓｒｖ＿001").unwrap_err(),
            TagError::BadCharacter('_')
        );
        assert_eq!(normalize_tag("さーばー").unwrap_err(), TagError::KanaInput);
        assert_eq!(
            normalize_tag("SRV 001").unwrap_err(),
            TagError::BadCharacter(' ')
        );
        assert_eq!(
            normalize_tag("機器1").unwrap_err(),
            TagError::BadCharacter('機')
        );
    }

    #[test]
    fn vocabularies_round_trip() {
        for k in Kind::ALL {
            assert_eq!(Kind::parse(k.as_str()), Some(*k));
        }
        for s in Status::ALL {
            assert_eq!(Status::parse(s.as_str()), Some(*s));
        }
        assert_eq!(
            Classification::parse("secret"),
            Some(Classification::Secret)
        );
        assert_eq!(MovementState::parse("nope"), None);
    }

    #[test]
    fn secret_disposal_needs_erasure_and_evidence() {
        use DisposalMethod::*;
        let general = disposal_faults(Classification::General, VendorCollection, None, None);
        assert!(general.is_empty());
        fn fields(f: Vec<(&'static str, String)>) -> Vec<&'static str> {
            f.into_iter().map(|(k, _)| k).collect()
        }
        assert_eq!(
            fields(disposal_faults(
                Classification::Secret,
                VendorCollection,
                None,
                Some(" ")
            )),
            ["method", "certificate_number", "witnessed_by"]
        );
        assert_eq!(
            fields(disposal_faults(
                Classification::Secret,
                Degaussing,
                Some("C-1"),
                None
            )),
            ["witnessed_by"]
        );
        assert!(
            disposal_faults(
                Classification::Secret,
                Overwrite,
                Some("C-1"),
                Some("立会 太郎")
            )
            .is_empty()
        );
    }
}
