//! Roles, and the rules for names and passwords (第11条, 第17条, 第18条).

use chrono::{NaiveDateTime, TimeDelta};
use serde::{Deserialize, Serialize};

mod password;

pub use password::{PASSWORD_HISTORY, PasswordContext, WeakPassword, check_password};

#[derive(
    Debug,
    Clone,
    Copy,
    PartialEq,
    Eq,
    PartialOrd,
    Ord,
    Hash,
    Serialize,
    Deserialize,
    utoipa::ToSchema,
)]
#[serde(rename_all = "snake_case")]
pub enum Role {
    Admin,
    SecurityManager,
    Operator,
    Guard,
    Staff,
    Auditor,
}

impl Role {
    pub const ALL: [Role; 6] = [
        Role::Admin,
        Role::SecurityManager,
        Role::Operator,
        Role::Guard,
        Role::Staff,
        Role::Auditor,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            Role::Admin => "admin",
            Role::SecurityManager => "security_manager",
            Role::Operator => "operator",
            Role::Guard => "guard",
            Role::Staff => "staff",
            Role::Auditor => "auditor",
        }
    }

    pub fn parse(text: &str) -> Option<Role> {
        Role::ALL.into_iter().find(|r| r.as_str() == text)
    }

    /// A role read back from the database: an unknown word is a corrupted row.
    pub fn stored(text: &str) -> Result<Role, crate::kit::vocabulary::UnknownWord> {
        Role::parse(text).ok_or_else(|| crate::kit::vocabulary::UnknownWord {
            vocabulary: "Role",
            word: text.to_owned(),
        })
    }

    /// The name on screens.
    pub fn label(self) -> &'static str {
        match self {
            Role::Admin => "システム管理者",
            Role::SecurityManager => "セキュリティ管理者",
            Role::Operator => "運用管理者",
            Role::Guard => "警備・受付",
            Role::Staff => "職員等",
            Role::Auditor => "監査担当",
        }
    }
}

/// Failed sign-ins before the account locks, and for how long.
pub const MAX_FAILED_LOGINS: i32 = 5;
pub const LOCKOUT_MINUTES: i64 = 15;

/// Whether an account is locked at `now`.
pub fn is_locked(locked_until: Option<NaiveDateTime>, now: NaiveDateTime) -> bool {
    locked_until.is_some_and(|until| until > now)
}

/// After one more failure: the new count, and the lock's end if this failure locks the account.
pub fn after_failure(failed_before: i32, now: NaiveDateTime) -> (i32, Option<NaiveDateTime>) {
    let failed = failed_before.saturating_add(1);
    if failed >= MAX_FAILED_LOGINS {
        (0, Some(now + TimeDelta::minutes(LOCKOUT_MINUTES)))
    } else {
        (failed, None)
    }
}

/// Whether a password set at `changed_at` has outlived `max_age_days` (第17条).
pub fn password_expired(changed_at: NaiveDateTime, now: NaiveDateTime, max_age_days: i64) -> bool {
    now - changed_at > TimeDelta::days(max_age_days)
}

/// Login names: ASCII letters, digits, `.`, `_`, `-`, 1–64 characters, stored in lower case.
pub fn normalize_username(input: &str) -> Result<String, &'static str> {
    let name = input.trim().to_ascii_lowercase();
    if name.is_empty() || name.len() > 64 {
        return Err("利用者IDは1〜64文字で入力してください。");
    }
    if !name
        .chars()
        .all(|c| c.is_ascii_alphanumeric() || matches!(c, '.' | '_' | '-'))
    {
        return Err("利用者IDに使える文字は半角英数字と . _ - です。");
    }
    Ok(name)
}

/// Department codes: what the ward's own numbering uses (ASCII letters, digits, `-`), 1–32.
pub fn normalize_code(input: &str) -> Result<String, &'static str> {
    let code = input.trim().to_ascii_uppercase();
    if code.is_empty()
        || code.len() > 32
        || !code.chars().all(|c| c.is_ascii_alphanumeric() || c == '-')
    {
        return Err("コードは半角英数字と - で1〜32文字にしてください。");
    }
    Ok(code)
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::NaiveDate;

    #[test]
    fn lockout_after_five_failures() {
        let now = NaiveDate::from_ymd_opt(2026, 11, 25)
            .unwrap()
            .and_hms_opt(9, 0, 0)
            .unwrap();
        let mut failed = 0;
        for _ in 0..4 {
            let (n, lock) = after_failure(failed, now);
            assert!(lock.is_none());
            failed = n;
        }
        let (_, lock) = after_failure(failed, now);
        let until = lock.expect("the fifth failure locks");
        assert!(is_locked(Some(until), now + TimeDelta::minutes(14)));
        assert!(!is_locked(Some(until), now + TimeDelta::minutes(15)));
    }

    #[test]
    fn expiry_after_max_age() {
        let t = NaiveDate::from_ymd_opt(2026, 1, 1)
            .unwrap()
            .and_hms_opt(0, 0, 0)
            .unwrap();
        assert!(!password_expired(t, t + TimeDelta::days(90), 90));
        assert!(password_expired(t, t + TimeDelta::days(91), 90));
    }

    #[test]
    fn usernames_and_codes() {
        assert_eq!(normalize_username(" Tanaka.Taro ").unwrap(), "tanaka.taro");
        assert!(normalize_username("田中").is_err());
        assert!(normalize_username("a b").is_err());
        assert!(normalize_username("").is_err());
        assert_eq!(normalize_code("jyoho-1").unwrap(), "JYOHO-1");
        assert!(normalize_code("情報").is_err());
    }

    #[test]
    fn roles_round_trip() {
        for role in Role::ALL {
            assert_eq!(Role::parse(role.as_str()), Some(role));
        }
        assert_eq!(Role::parse("root"), None);
    }
}
