//! The audit log as people read it (issue 13 item 13): actions and record
//! types in Japanese, and each event's detail as the fields it changed, before
//! and after, instead of raw JSON. Pure: no database, no HTTP.

use serde_json::Value;

/// Every action the chain records, with its Japanese name, in the order the
/// filter offers them.
pub const ACTIONS: &[(&str, &str)] = &[
    ("auth.login", "ログイン"),
    ("auth.logout", "ログアウト"),
    ("auth.login_failed", "ログイン失敗"),
    ("auth.login_refused", "ログイン拒否（ロック中）"),
    ("user.create", "利用者の登録"),
    ("user.update", "利用者の変更"),
    ("user.password_change", "パスワード変更"),
    ("user.password_change_failed", "パスワード変更の失敗"),
    ("user.password_reset", "パスワードの再設定"),
    ("department.create", "所属の登録"),
    ("zone.create", "管理区域の登録"),
    ("zone.update", "管理区域の変更"),
    ("zone.manager_removed", "区域管理者の解除"),
    ("equipment.create", "機器の登録"),
    ("equipment.update", "機器の変更"),
    ("equipment.import", "機器台帳の取込"),
    ("equipment.dispose", "機器の廃棄"),
    ("movement.request", "持出・持込の申請"),
    ("movement.approve", "持出・持込の承認"),
    ("movement.reject", "持出・持込の却下"),
    ("movement.cancel", "持出・持込の取下げ"),
    ("movement.complete", "持出・持込の実施"),
    ("movement.return", "返却"),
    ("movement.unauthorised", "無許可持出の記録"),
    ("movement.settle", "無許可持出の処理"),
    ("stocktake.open", "棚卸の開始"),
    ("stocktake.scan", "棚卸の読取"),
    ("stocktake.close", "棚卸の締め"),
    ("permit.request", "入室許可の申請"),
    ("permit.approve", "入室許可の承認"),
    ("permit.reject", "入室許可の却下"),
    ("permit.revoke", "入室許可の取消"),
    ("permit.key_rotate", "許可証の署名鍵の更新"),
    ("permit.key_publish", "許可証の署名鍵の公開"),
    ("access.entry", "入室"),
    ("access.exit", "退室"),
    ("access.denied", "入退室の拒否"),
    ("access.carry_out_flagged", "無許可の持出"),
    ("access.log_read", "入退室記録の閲覧"),
    ("power.ups_created", "UPSの登録"),
    ("power.ups_updated", "UPSの変更"),
    ("power.on_battery", "停電（バッテリー運転）"),
    ("power.low_battery", "バッテリー残量低下"),
    ("power.on_mains", "商用電源に復帰"),
    ("power.replace_battery", "バッテリー交換要求"),
    ("power.unreachable", "UPS応答なし"),
    ("power.reachable", "UPS応答回復"),
    ("software.create", "ソフトウェアの登録"),
    ("license.create", "ライセンスの登録"),
    ("install_request.create", "導入の申請"),
    ("install_request.approve", "導入の許可"),
    ("install_request.reject", "導入の却下"),
    ("installation.record", "導入の記録"),
    ("installation.release", "導入の解除"),
    ("cabling.request", "配線変更の申請"),
    ("cabling.authorize", "配線変更の承認"),
    ("cabling.reject", "配線変更の却下"),
    ("cabling.complete", "配線変更の完了"),
    ("cabling.verify", "配線変更の確認"),
    ("incident.report", "事故・障害の報告"),
    ("incident.respond", "事故・障害の対応記録"),
    ("incident.close", "事故・障害の完了"),
    ("audit.view", "監査ログの閲覧"),
    ("audit.export", "監査ログの書出し"),
    ("audit.checkpoint", "監査ログのチェックポイント署名"),
    (
        "audit.checkpoint_key_publish",
        "チェックポイント署名鍵の公開",
    ),
    ("inspection.open", "点検の開始"),
    ("inspection.finding_decide", "点検の指摘への対応記入"),
    ("inspection.signed", "点検記録の署名"),
];

/// The kinds of record an event is about.
pub const ENTITIES: &[(&str, &str)] = &[
    ("user", "利用者"),
    ("department", "所属"),
    ("zone", "管理区域"),
    ("equipment", "機器"),
    ("movement", "持出・持込"),
    ("stocktake", "棚卸"),
    ("permit", "入室許可"),
    ("permit_key", "許可証の署名鍵"),
    ("access_event", "入退室記録"),
    ("access_log", "入退室記録（閲覧）"),
    ("software", "ソフトウェア"),
    ("license", "ライセンス"),
    ("install_request", "導入申請"),
    ("installation", "導入"),
    ("cabling_change", "配線変更"),
    ("incident", "事故・障害"),
    ("audit_log", "監査ログ"),
    ("audit_checkpoint", "監査ログのチェックポイント"),
    ("audit_checkpoint_key", "チェックポイント署名鍵"),
    ("inspection", "点検記録"),
];

fn lookup<'a>(table: &[(&str, &'a str)], code: &'a str) -> &'a str {
    table
        .iter()
        .find(|(c, _)| *c == code)
        .map_or(code, |(_, label)| label)
}

/// 「機器の変更」 for `equipment.update`; an action this list does not know shows as recorded.
pub fn action_label(code: &str) -> &str {
    lookup(ACTIONS, code)
}

pub fn entity_label(code: &str) -> &str {
    lookup(ENTITIES, code)
}

/// A field's Japanese name, for every record type's fields.
pub fn field_label(key: &str) -> &str {
    match key {
        "asset_tag" => "資産番号",
        "name" => "名称",
        "kind" => "種別",
        "key_equipment" => "主要な機器",
        "department_id" => "所属・所管課",
        "zone_id" => "管理区域",
        "location" => "設置場所",
        "manufacturer" => "メーカー",
        "model" => "型番",
        "serial_number" => "製造番号",
        "classification" => "情報区分",
        "status" => "状態",
        "installed_on" => "設置日",
        "ups_asset_tag" => "UPS",
        "surge_protection" => "サージ保護",
        "required_shutdown_min" => "必要停止時間（分）",
        "notes" | "note" => "備考",
        "display_name" => "氏名",
        "username" => "利用者ID",
        "roles" => "役割",
        "staff_number" => "職員番号",
        "active" => "有効",
        "manager_ids" => "区域管理者",
        "state" => "状態",
        "reason" => "理由",
        "purpose" => "目的",
        "direction" => "区分",
        "destination" => "搬出入先",
        "planned_at" => "予定日時",
        "return_due" => "返却予定日",
        "valid_from" => "開始",
        "valid_until" => "終了",
        "holder" | "holder_user_id" => "入室者",
        "visitor" => "来訪者",
        "software_id" => "ソフトウェア",
        "version" => "バージョン",
        "seats" => "数量",
        "code" => "コード",
        "result" => "結果",
        "method" => "方法",
        "zone" => "区域",
        "user_id" => "利用者",
        "battery_charge" => "バッテリー残量",
        "runtime_s" => "給電可能時間（秒）",
        "error" => "エラー",
        "created" => "登録件数",
        "updated" => "更新件数",
        "description" => "内容",
        "planned_on" => "予定日",
        other => other,
    }
}

/// Keys of a detail that are bookkeeping, not a change a reader looks for
/// (session ids and the like).
fn is_bookkeeping(key: &str) -> bool {
    matches!(
        key,
        "session_id" | "sid" | "jti" | "token" | "via" | "offset"
    )
}

/// One line of an event's detail: a field, its value before (blank when the
/// event created it or only states it) and after.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Change {
    pub field: String,
    pub before: String,
    pub after: String,
}

/// A JSON value as a cell: 「（なし）」 for null, はい／いいえ, lists joined.
pub fn value_text(v: &Value) -> String {
    match v {
        Value::Null => "（なし）".into(),
        Value::Bool(true) => "はい".into(),
        Value::Bool(false) => "いいえ".into(),
        Value::String(s) => s.clone(),
        Value::Number(n) => n.to_string(),
        Value::Array(items) => items.iter().map(value_text).collect::<Vec<_>>().join("、"),
        Value::Object(map) => map
            .iter()
            .filter(|(k, _)| !is_bookkeeping(k))
            .map(|(k, v)| format!("{}：{}", field_label(k), value_text(v)))
            .collect::<Vec<_>>()
            .join("、"),
    }
}

/// The changes an event's detail records, whatever shape it has:
/// `{changes: {f: {before, after}}}`, `{before: {…}, after: {…}}` (only the
/// fields that differ), `{from, to}` (a state), `{f: {before, after}}`, and
/// plain values (a creation: after only).
pub fn changes(detail: &str) -> Vec<Change> {
    let Ok(Value::Object(map)) = serde_json::from_str::<Value>(detail) else {
        return if detail.trim().is_empty() || detail == "{}" || detail == "null" {
            vec![]
        } else {
            vec![Change {
                field: "内容".into(),
                before: String::new(),
                after: detail.to_owned(),
            }]
        };
    };
    let mut out = vec![];
    let pair = |field: &str, before: &Value, after: &Value| Change {
        field: field_label(field).to_owned(),
        before: value_text(before),
        after: value_text(after),
    };
    if let (Some(Value::Object(before)), Some(Value::Object(after))) =
        (map.get("before"), map.get("after"))
    {
        for (k, a) in after {
            let b = before.get(k).unwrap_or(&Value::Null);
            if b != a && !is_bookkeeping(k) {
                out.push(pair(k, b, a));
            }
        }
    }
    if let (Some(from), Some(to)) = (map.get("from"), map.get("to"))
        && (from.is_string() || to.is_string())
    {
        out.push(pair("state", from, to));
    }
    for (k, v) in &map {
        if is_bookkeeping(k) || matches!(k.as_str(), "before" | "after") {
            continue;
        }
        if matches!(k.as_str(), "from" | "to") && !out.is_empty() {
            continue;
        }
        match v {
            Value::Object(inner) if k == "changes" => {
                for (f, c) in inner {
                    out.push(pair(f, &c["before"], &c["after"]));
                }
            }
            Value::Object(inner) if inner.contains_key("before") || inner.contains_key("after") => {
                out.push(pair(
                    k,
                    inner.get("before").unwrap_or(&Value::Null),
                    inner.get("after").unwrap_or(&Value::Null),
                ));
            }
            Value::Null => {}
            v => out.push(Change {
                field: field_label(k).to_owned(),
                before: String::new(),
                after: value_text(v),
            }),
        }
    }
    out
}

/// The changes in one line of text, for a CSV cell or a history line:
/// 「名称：旧 → 新 ／ 状態：申請中 → 承認済」.
pub fn changes_text(detail: &str) -> String {
    changes(detail)
        .into_iter()
        .map(|c| {
            if c.before.is_empty() {
                format!("{}：{}", c.field, c.after)
            } else {
                format!("{}：{} → {}", c.field, c.before, c.after)
            }
        })
        .collect::<Vec<_>>()
        .join(" ／ ")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn labels_in_japanese() {
        assert_eq!(action_label("auth.login"), "ログイン");
        assert_eq!(action_label("movement.return"), "返却");
        assert_eq!(action_label("something.new"), "something.new");
        assert_eq!(entity_label("equipment"), "機器");
    }

    #[test]
    fn every_shape_becomes_rows() {
        let c = changes(r#"{"changes":{"name":{"before":"旧","after":"新"}}}"#);
        assert_eq!(
            c,
            vec![Change {
                field: "名称".into(),
                before: "旧".into(),
                after: "新".into()
            }]
        );
        let c = changes(
            r#"{"before":{"display_name":"佐藤","active":true},"after":{"display_name":"佐藤","active":false}}"#,
        );
        assert_eq!(c.len(), 1, "only what changed");
        assert_eq!(
            (c[0].before.as_str(), c[0].after.as_str()),
            ("はい", "いいえ")
        );
        let c = changes(r#"{"from":"requested","to":"approved","note":"了"}"#);
        assert_eq!(c[0].field, "状態");
        assert_eq!(c[1].after, "了");
        assert!(changes(r#"{"session_id":"abc"}"#).is_empty());
        assert_eq!(
            changes_text(r#"{"asset_tag":"SRV-1","version":"2.0"}"#),
            "資産番号：SRV-1 ／ バージョン：2.0"
        );
    }
}
