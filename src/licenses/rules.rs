//! License vocabulary, the install-permission state machine and the compliance
//! arithmetic (第14条, 第15条). Pure: no database, no web.

use crate::kit::vocabulary::vocabulary;
use chrono::NaiveDate;

vocabulary!(
    /// How a license counts.
    LicenseKind {
        Device = "device" / "デバイスライセンス",
        User = "user" / "ユーザーライセンス",
        Site = "site" / "サイトライセンス",
        Subscription = "subscription" / "サブスクリプション",
    }
);

vocabulary!(
    /// 第14条: what an install request asks for.
    InstallChange {
        New = "new" / "新規導入",
        Upgrade = "upgrade" / "バージョンアップ",
        Setting = "setting" / "設定変更",
    }
);

vocabulary!(
    /// An install request's state.
    RequestState {
        Requested = "requested" / "申請中",
        Approved = "approved" / "許可",
        Rejected = "rejected" / "却下",
    }
);

vocabulary!(
    /// Why an installation no longer counts.
    ReleaseReason {
        Uninstalled = "uninstalled" / "アンインストール",
        Superseded = "superseded" / "新しい版に置換",
        Disposed = "disposed" / "機器廃棄",
    }
);

/// A request may be decided only while it is `requested`.
pub fn can_decide(state: RequestState) -> bool {
    state == RequestState::Requested
}

/// One license as the compliance arithmetic sees it.
#[derive(Debug, Clone, Copy)]
pub struct Entitlement {
    pub kind: LicenseKind,
    /// `None` only for a site license: no limit.
    pub seats: Option<i32>,
    pub valid_from: Option<NaiveDate>,
    pub valid_until: Option<NaiveDate>,
}

impl Entitlement {
    /// In force on `today` (the last day of validity included).
    pub fn in_force(&self, today: NaiveDate) -> bool {
        self.valid_from.is_none_or(|d| d <= today) && self.valid_until.is_none_or(|d| d >= today)
    }
}

/// The compliance figures of one software product.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Compliance {
    /// Seats of the licenses in force; `None` when a site license in force sets no limit.
    pub seats: Option<i64>,
    pub installed: i64,
    /// Installations beyond the seats (0 when within them).
    pub over_by: i64,
    /// Days until the first license in force ends (0 = ends today); `None` when none ends.
    pub expiring_in_days: Option<i64>,
    /// Licenses whose validity has ended.
    pub expired_licenses: i64,
    pub unapproved_installs: i64,
}

/// Seats of the licenses in force against the devices the software is installed on.
/// Expired or not-yet-valid licenses count for nothing; a site license without a
/// seat count covers any number of installations.
pub fn compliance(
    entitlements: &[Entitlement],
    installed: i64,
    unapproved_installs: i64,
    today: NaiveDate,
) -> Compliance {
    let mut seats: Option<i64> = Some(0);
    let mut expiring_in_days: Option<i64> = None;
    let mut expired_licenses = 0;
    for e in entitlements {
        if e.valid_until.is_some_and(|d| d < today) {
            expired_licenses += 1;
        }
        if !e.in_force(today) {
            continue;
        }
        seats = match (seats, e.seats) {
            (Some(total), Some(n)) => Some(total + i64::from(n)),
            _ => None,
        };
        if let Some(until) = e.valid_until {
            let days = (until - today).num_days();
            expiring_in_days = Some(expiring_in_days.map_or(days, |d: i64| d.min(days)));
        }
    }
    let over_by = seats.map_or(0, |s| (installed - s).max(0));
    Compliance {
        seats,
        installed,
        over_by,
        expiring_in_days,
        expired_licenses,
        unapproved_installs,
    }
}

/// Whether a product needs the manager's attention: over-use, installs without
/// permission, or a license ending within `warn_days`.
pub fn needs_attention(c: &Compliance, warn_days: i64) -> bool {
    c.over_by > 0 || c.unapproved_installs > 0 || c.expiring_in_days.is_some_and(|d| d <= warn_days)
}

/// Days before the end of a license from which the page warns.
pub const EXPIRY_WARNING_DAYS: i64 = 60;

/// A version string: printable, 1–64 characters.
pub fn clean_version(input: &str) -> Result<String, String> {
    let v = input.trim();
    if v.is_empty() {
        return Err("バージョンを入力してください。".into());
    }
    if v.chars().count() > 64 || v.chars().any(char::is_control) {
        return Err("バージョンは制御文字を含まない64文字以内です。".into());
    }
    Ok(v.to_owned())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn d(y: i32, m: u32, day: u32) -> NaiveDate {
        NaiveDate::from_ymd_opt(y, m, day).unwrap()
    }

    fn lic(seats: Option<i32>, until: Option<NaiveDate>) -> Entitlement {
        Entitlement {
            kind: if seats.is_some() {
                LicenseKind::Device
            } else {
                LicenseKind::Site
            },
            seats,
            valid_from: None,
            valid_until: until,
        }
    }

    #[test]
    fn seats_add_up_and_overuse_is_counted() {
        let today = d(2026, 11, 25);
        let c = compliance(&[lic(Some(2), None), lic(Some(1), None)], 5, 1, today);
        assert_eq!(c.seats, Some(3));
        assert_eq!(c.over_by, 2);
        assert_eq!(c.unapproved_installs, 1);
        assert_eq!(c.expiring_in_days, None);
        assert!(needs_attention(&c, 60));
        let fine = compliance(&[lic(Some(3), None)], 3, 0, today);
        assert_eq!(fine.over_by, 0);
        assert!(!needs_attention(&fine, 60));
    }

    #[test]
    fn expired_licenses_count_for_nothing() {
        let today = d(2026, 11, 25);
        let c = compliance(
            &[
                lic(Some(5), Some(d(2026, 11, 24))),
                lic(Some(1), Some(d(2026, 11, 25))),
            ],
            2,
            0,
            today,
        );
        assert_eq!(c.seats, Some(1));
        assert_eq!(c.over_by, 1);
        assert_eq!(c.expiring_in_days, Some(0), "ends today, still in force");
        assert_eq!(c.expired_licenses, 1);
        let none = compliance(&[], 1, 1, today);
        assert_eq!((none.seats, none.over_by), (Some(0), 1));
    }

    #[test]
    fn a_site_license_has_no_limit_and_the_nearest_end_is_reported() {
        let today = d(2026, 11, 25);
        let c = compliance(
            &[
                lic(None, Some(d(2027, 1, 24))),
                lic(Some(1), Some(d(2026, 12, 5))),
            ],
            500,
            0,
            today,
        );
        assert_eq!(c.seats, None);
        assert_eq!(c.over_by, 0);
        assert_eq!(c.expiring_in_days, Some(10));
        assert!(needs_attention(&c, 60));
        assert!(!needs_attention(&c, 5));
    }

    #[test]
    fn not_yet_valid_licenses_do_not_count() {
        let today = d(2026, 11, 25);
        let mut future = lic(Some(10), None);
        future.valid_from = Some(d(2027, 4, 1));
        assert_eq!(compliance(&[future], 1, 0, today).over_by, 1);
    }

    #[test]
    fn only_requested_can_be_decided() {
        assert!(can_decide(RequestState::Requested));
        assert!(!can_decide(RequestState::Approved));
        assert!(!can_decide(RequestState::Rejected));
        assert_eq!(
            InstallChange::parse("upgrade"),
            Some(InstallChange::Upgrade)
        );
        assert!(clean_version(" ").is_err());
        assert_eq!(clean_version(" 24.1 ").unwrap(), "24.1");
    }
}
