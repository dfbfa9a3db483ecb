//! Deciding on a permit: approval or rejection only by a manager of its
//! zone (never the requester), revocation, and rotating the permit key.

use super::read::{PermitView, view};
use crate::access::model::{self, Permit};
use crate::access::rules::{self, PermitAction, PermitState};
use crate::audit;
use crate::config::Settings;
use crate::db::{self, DbConn};
use crate::error::AppError;
use crate::identity::{Principal, Role};
use crate::kit::text::clean_optional;
use crate::register::model as register;
use chrono::NaiveDateTime;
use serde_json::json;

/// The one who asked, or the one who would enter, never decides (第5条).
fn check_decider(conn: &mut DbConn, by: &Principal, permit: &Permit) -> Result<(), AppError> {
    if is_own(by, permit.requested_by, permit.holder_user_id) {
        return Err(AppError::forbidden(
            "self_approval",
            "自分の申請、または自分が入室する申請は承認・却下できません。",
        ));
    }
    if !register::is_zone_manager(conn, permit.zone_id, by.id)? {
        return Err(AppError::forbidden(
            "not_zone_manager",
            "この区域を管理するセキュリティ管理者だけが入室を許可できます（第5条）。",
        ));
    }
    Ok(())
}

fn is_own(by: &Principal, requested_by: i64, holder: Option<i64>) -> bool {
    requested_by == by.id || holder == Some(by.id)
}

/// Revocation: an admin, or a manager of the zone (asked only when needed).
fn may_revoke(
    by: &Principal,
    manages: impl FnOnce() -> diesel::QueryResult<bool>,
) -> diesel::QueryResult<bool> {
    Ok(by.has(Role::Admin) || manages()?)
}

/// The buttons a permit's page offers this person: the checks of [`act`].
pub struct PermitChoices {
    pub decide: bool,
    pub revoke: bool,
}

pub fn permit_choices(
    conn: &mut DbConn,
    by: &Principal,
    permit: &PermitView,
) -> Result<PermitChoices, AppError> {
    let manages = register::is_zone_manager(conn, permit.zone_id, by.id)?;
    Ok(PermitChoices {
        decide: permit.state == PermitState::Requested.as_str()
            && manages
            && !is_own(by, permit.requested_by, permit.holder_user_id),
        revoke: permit.state == PermitState::Approved.as_str() && may_revoke(by, || Ok(manages))?,
    })
}

fn state_conflict(permit: &Permit, action: PermitAction, now: NaiveDateTime) -> AppError {
    let stored = match PermitState::stored(&permit.state) {
        Ok(s) => s,
        Err(e) => return e.into(),
    };
    let shown = rules::effective_state(stored, permit.valid_until, now);
    let verb = match action {
        PermitAction::Approve => "承認",
        PermitAction::Reject => "却下",
        PermitAction::Revoke => "取消",
    };
    AppError::conflict(
        "invalid_state",
        format!("状態が「{}」の入室許可は{verb}できません。", shown.label()),
    )
}

/// Approves, rejects or revokes: the one entry the API and the pages share.
pub fn act(
    conn: &mut DbConn,
    settings: &Settings,
    by: &Principal,
    id: i64,
    action: PermitAction,
    note: Option<&str>,
) -> Result<PermitView, AppError> {
    match action {
        PermitAction::Approve => approve(conn, settings, by, id, note),
        PermitAction::Reject => reject(conn, by, id, note),
        PermitAction::Revoke => revoke(conn, by, id, note),
    }
}

/// Approve: a manager of the permit's zone, never the requester. The approved
/// permit gets its signed code.
fn approve(
    conn: &mut DbConn,
    settings: &Settings,
    by: &Principal,
    id: i64,
    note: Option<&str>,
) -> Result<PermitView, AppError> {
    // The list as it stands now: never sign with a key retired elsewhere.
    let keys = crate::access::service::keys(conn, settings)?;
    if !keys.can_sign() {
        return Err(AppError::new(
            crate::error::Failure::Unavailable,
            "permit_key_unavailable",
            "このサーバーには現在の署名鍵がないため、入室許可を承認できません（鍵は別のサーバーで更新されています）。データディレクトリの共有設定を管理者に確認してください。",
        ));
    }
    decide(conn, by, id, note, PermitAction::Approve, |permit, now| {
        keys.sign(
            permit.id,
            permit.zone_id,
            permit.valid_from,
            permit.valid_until,
            now,
        )
        .map(Some)
        .map_err(AppError::internal)
    })
}

fn reject(
    conn: &mut DbConn,
    by: &Principal,
    id: i64,
    note: Option<&str>,
) -> Result<PermitView, AppError> {
    decide(conn, by, id, note, PermitAction::Reject, |_, _| Ok(None))
}

fn decide(
    conn: &mut DbConn,
    by: &Principal,
    id: i64,
    note: Option<&str>,
    action: PermitAction,
    code: impl FnOnce(&Permit, NaiveDateTime) -> Result<Option<(String, String)>, AppError>,
) -> Result<PermitView, AppError> {
    let note = clean_optional(note, 500).map_err(|e| AppError::invalid("note", e))?;
    db::write_tx(conn, |conn| {
        let permit = model::find_permit(conn, id)?;
        check_decider(conn, by, &permit)?;
        let now = db::now();
        let stored = PermitState::stored(&permit.state)?;
        let Some(next) = rules::transition(stored, action) else {
            return Err(state_conflict(&permit, action, now));
        };
        if action == PermitAction::Approve && now > permit.valid_until {
            return Err(AppError::conflict(
                "invalid_state",
                "許可期間が既に終了しているため承認できません。",
            ));
        }
        let code = code(&permit, now)?;
        let changed = model::decide_permit(
            conn,
            id,
            next.as_str(),
            by.id,
            now,
            note.as_deref(),
            code.as_ref().map(|(c, k)| (c.as_str(), k.as_str())),
        )?;
        if changed != 1 {
            return Err(state_conflict(&permit, action, now));
        }
        audit::record(
            conn,
            &by.actor(),
            &format!("permit.{}", action.as_str()),
            "permit",
            &id.to_string(),
            json!({ "from": permit.state, "to": next.as_str(), "note": note,
                    "code_kid": code.as_ref().map(|c| &c.1) }),
        )?;
        let permit = model::find_permit(conn, id)?;
        view(conn, permit, by)
    })
}

/// Revoke an approved permit: a manager of the zone, or an admin.
fn revoke(
    conn: &mut DbConn,
    by: &Principal,
    id: i64,
    note: Option<&str>,
) -> Result<PermitView, AppError> {
    let reason = clean_optional(note, 500).map_err(|e| AppError::invalid("note", e))?;
    db::write_tx(conn, |conn| {
        let permit = model::find_permit(conn, id)?;
        if !may_revoke(by, || {
            register::is_zone_manager(conn, permit.zone_id, by.id)
        })? {
            return Err(AppError::forbidden(
                "not_zone_manager",
                "入室許可を取り消せるのは、区域の管理者とシステム管理者です。",
            ));
        }
        let now = db::now();
        let stored = PermitState::stored(&permit.state)?;
        let shown = rules::effective_state(stored, permit.valid_until, now);
        if rules::transition(shown, PermitAction::Revoke).is_none()
            || model::revoke_permit(conn, id, by.id, now, reason.as_deref())? != 1
        {
            return Err(state_conflict(&permit, PermitAction::Revoke, now));
        }
        audit::record(
            conn,
            &by.actor(),
            "permit.revoke",
            "permit",
            &id.to_string(),
            json!({ "from": permit.state, "to": "revoked", "reason": reason }),
        )?;
        let permit = model::find_permit(conn, id)?;
        view(conn, permit, by)
    })
}

/// Retires the current permit key and starts a new one (admins). Codes signed
/// with the old key keep verifying until they expire.
pub fn rotate_keys(
    conn: &mut DbConn,
    settings: &Settings,
    by: &Principal,
) -> Result<crate::access::codes::JwkSet, AppError> {
    by.require_any(&[Role::Admin])?;
    crate::access::service::keys::rotate(conn, settings, &by.actor())
}
