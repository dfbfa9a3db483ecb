//! Entry permits and the gate's verdicts (第5条): pure rules, no database.

use crate::kit::vocabulary::vocabulary;
use chrono::{NaiveDateTime, TimeDelta};
use serde::{Deserialize, Serialize};

vocabulary!(
    /// A permit's stored state. `expired` is never stored: an approved permit
    /// whose window has passed reads as expired (see [`effective_state`]).
    PermitState {
        Requested = "requested" / "申請中",
        Approved = "approved" / "許可",
        Rejected = "rejected" / "却下",
        Revoked = "revoked" / "取消",
        Expired = "expired" / "期限切れ",
    }
);

vocabulary!(
    /// 区分: who the permit is for.
    HolderKind {
        Staff = "staff" / "職員",
        Contractor = "contractor" / "委託事業者",
        Visitor = "visitor" / "その他（来訪者）",
    }
);

vocabulary!(
    /// What an access event records.
    EventKind {
        Entry = "entry" / "入室",
        Exit = "exit" / "退室",
        Denied = "denied" / "拒否",
    }
);

/// What happens to a permit.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum PermitAction {
    Approve,
    Reject,
    Revoke,
}

impl PermitAction {
    /// From a URL's last segment (`/permits/{id}/approve`).
    pub fn parse(name: &str) -> Option<PermitAction> {
        [
            PermitAction::Approve,
            PermitAction::Reject,
            PermitAction::Revoke,
        ]
        .into_iter()
        .find(|a| a.as_str() == name)
    }

    pub fn as_str(self) -> &'static str {
        match self {
            PermitAction::Approve => "approve",
            PermitAction::Reject => "reject",
            PermitAction::Revoke => "revoke",
        }
    }
}

/// The state machine: requested → approved | rejected; approved → revoked.
/// Anything else is a 409.
pub fn transition(from: PermitState, action: PermitAction) -> Option<PermitState> {
    match (from, action) {
        (PermitState::Requested, PermitAction::Approve) => Some(PermitState::Approved),
        (PermitState::Requested, PermitAction::Reject) => Some(PermitState::Rejected),
        (PermitState::Approved, PermitAction::Revoke) => Some(PermitState::Revoked),
        _ => None,
    }
}

/// The state a person sees: an approved permit past its window is expired.
pub fn effective_state(
    stored: PermitState,
    valid_until: NaiveDateTime,
    now: NaiveDateTime,
) -> PermitState {
    if stored == PermitState::Approved && now > valid_until {
        PermitState::Expired
    } else {
        stored
    }
}

/// The longest window one permit may cover (a year-long 常時 permit).
pub const MAX_PERMIT_DAYS: i64 = 366;

/// Checks a permit's window; the message says what is wrong.
pub fn check_window(
    from: NaiveDateTime,
    until: NaiveDateTime,
    now: NaiveDateTime,
) -> Result<(), (&'static str, String)> {
    if until <= from {
        return Err((
            "valid_until",
            "終了日時は開始日時より後にしてください。".into(),
        ));
    }
    if until <= now {
        return Err((
            "valid_until",
            "終了日時が過ぎています。未来の日時を指定してください。".into(),
        ));
    }
    if until - from > TimeDelta::days(MAX_PERMIT_DAYS) {
        return Err((
            "valid_until",
            format!("許可期間は{MAX_PERMIT_DAYS}日以内にしてください。"),
        ));
    }
    Ok(())
}

/// Every reason the gate refuses, with its stable code (CONTRACT.md).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum DenyReason {
    UnknownCode,
    BadSignature,
    NotApproved,
    Revoked,
    NotYetValid,
    Expired,
    WrongZone,
    AlreadyInside,
    NotInside,
    IdNotChecked,
}

impl DenyReason {
    pub const ALL: [DenyReason; 10] = [
        DenyReason::UnknownCode,
        DenyReason::BadSignature,
        DenyReason::NotApproved,
        DenyReason::Revoked,
        DenyReason::NotYetValid,
        DenyReason::Expired,
        DenyReason::WrongZone,
        DenyReason::AlreadyInside,
        DenyReason::NotInside,
        DenyReason::IdNotChecked,
    ];

    pub fn code(self) -> &'static str {
        match self {
            DenyReason::UnknownCode => "unknown_code",
            DenyReason::BadSignature => "bad_signature",
            DenyReason::NotApproved => "not_approved",
            DenyReason::Revoked => "revoked",
            DenyReason::NotYetValid => "not_yet_valid",
            DenyReason::Expired => "expired",
            DenyReason::WrongZone => "wrong_zone",
            DenyReason::AlreadyInside => "already_inside",
            DenyReason::NotInside => "not_inside",
            DenyReason::IdNotChecked => "id_not_checked",
        }
    }

    pub fn parse(code: &str) -> Option<DenyReason> {
        DenyReason::ALL.into_iter().find(|r| r.code() == code)
    }

    /// The reason in words, for the guard's screen.
    pub fn message(self) -> &'static str {
        match self {
            DenyReason::UnknownCode => "登録されていない許可証です。",
            DenyReason::BadSignature => "許可証の署名を確認できません（偽造または破損の疑い）。",
            DenyReason::NotApproved => "この入室許可はまだ承認されていません。",
            DenyReason::Revoked => "この入室許可は取り消されています。",
            DenyReason::NotYetValid => "許可期間の開始前です。",
            DenyReason::Expired => "許可期間が終了しています。",
            DenyReason::WrongZone => "この区域への入室許可ではありません。",
            DenyReason::AlreadyInside => "既に入室中として記録されています。",
            DenyReason::NotInside => "この区域への入室が記録されていません。",
            DenyReason::IdNotChecked => "身分証の確認が記録されていません。",
        }
    }
}

/// The gate's answer.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Verdict {
    Allow,
    Deny(DenyReason),
}

impl Verdict {
    pub fn reason(self) -> Option<DenyReason> {
        match self {
            Verdict::Allow => None,
            Verdict::Deny(r) => Some(r),
        }
    }
}

/// What the gate knows about a presented code once its signature checked out.
#[derive(Debug, Clone, Copy)]
pub struct GateFacts {
    pub state: PermitState,
    pub valid_from: NaiveDateTime,
    pub valid_until: NaiveDateTime,
    pub permit_zone: i64,
    pub gate_zone: i64,
    /// The holder is recorded inside this gate's zone.
    pub inside_here: bool,
    /// The holder is recorded inside some zone (this one or another).
    pub inside_anywhere: bool,
    pub now: NaiveDateTime,
}

/// Grace for a tablet's clock and a slow walk to the door: a permit answers
/// `not_yet_valid` only more than this before its window opens.
pub const EARLY_GRACE: TimeDelta = TimeDelta::minutes(5);

fn permit_checks(f: &GateFacts) -> Option<DenyReason> {
    match f.state {
        PermitState::Requested | PermitState::Rejected => return Some(DenyReason::NotApproved),
        PermitState::Revoked => return Some(DenyReason::Revoked),
        PermitState::Expired => return Some(DenyReason::Expired),
        PermitState::Approved => {}
    }
    if f.now + EARLY_GRACE < f.valid_from {
        return Some(DenyReason::NotYetValid);
    }
    if f.now > f.valid_until {
        return Some(DenyReason::Expired);
    }
    if f.permit_zone != f.gate_zone {
        return Some(DenyReason::WrongZone);
    }
    None
}

/// May the holder enter? `id_checked` is `None` for a check (which asks nothing of the guard).
pub fn entry_verdict(f: &GateFacts, id_checked: Option<bool>) -> Verdict {
    if let Some(reason) = permit_checks(f) {
        return Verdict::Deny(reason);
    }
    if f.inside_anywhere {
        return Verdict::Deny(DenyReason::AlreadyInside);
    }
    if id_checked == Some(false) {
        return Verdict::Deny(DenyReason::IdNotChecked);
    }
    Verdict::Allow
}

/// May the exit be recorded? A person inside always gets out: an expired or
/// revoked permit does not stop the exit being recorded (it is flagged in the
/// log instead). Only a code for another zone, or nobody inside, is refused.
pub fn exit_verdict(f: &GateFacts) -> Verdict {
    if f.permit_zone != f.gate_zone {
        return Verdict::Deny(DenyReason::WrongZone);
    }
    if !f.inside_here {
        return Verdict::Deny(DenyReason::NotInside);
    }
    Verdict::Allow
}

/// Someone is overdue when they are still inside after their permit's window.
pub fn overdue(valid_until: NaiveDateTime, now: NaiveDateTime) -> bool {
    now > valid_until
}

/// The carry-out window (第4条): an approved carry-out authorises a device at
/// the door from `CARRY_OUT_STALE_DAYS` before its planned time until
/// `CARRY_OUT_EARLY_HOURS` after now — a carry-out planned for tomorrow
/// morning may leave this evening, one planned for next week may not; an
/// approval left unused for a month must be asked for again.
pub const CARRY_OUT_EARLY_HOURS: i64 = 24;
pub const CARRY_OUT_STALE_DAYS: i64 = 30;

pub fn carry_out_in_window(planned_at: NaiveDateTime, now: NaiveDateTime) -> bool {
    planned_at <= now + TimeDelta::hours(CARRY_OUT_EARLY_HOURS)
        && planned_at >= now - TimeDelta::days(CARRY_OUT_STALE_DAYS)
}

/// Who is this person, as the presence table keys them: a staff user is one
/// person whatever permit they hold; a visitor is their permit.
pub fn person_key(holder_user_id: Option<i64>, permit_id: i64) -> String {
    match holder_user_id {
        Some(user) => format!("user:{user}"),
        None => format!("permit:{permit_id}"),
    }
}

#[cfg(test)]
mod tests;
