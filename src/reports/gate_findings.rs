//! 第4条 findings from what the gate saw leave (issue 14 §1): an unsettled
//! 無許可持出 of a registered device, and an item the register does not hold.
//! Kept apart from the article's other checks so that it moves as one piece.

use super::rules::Finding;
use crate::db::DbConn;
use crate::error::AppError;
use crate::kit::time::wareki_datetime;

pub fn article_4_gate(conn: &mut DbConn) -> Result<Vec<Finding>, AppError> {
    let mut findings: Vec<Finding> =
        crate::register::service::movements::unsettled_unauthorised(conn, None)?
            .into_iter()
            .map(|m| {
                let what = m.asset_tag.clone().unwrap_or_default();
                Finding::new(
                    "unauthorised_carry_out",
                    format!(
                        "機器 {what} が承認なしに持ち出されました（{} 入退室口で確認、持出・持込 第{}号）。区域のセキュリティ管理者の処理を待っています。",
                        wareki_datetime(m.planned_at),
                        m.id
                    ),
                )
                .on("movement", m.id)
            })
            .collect();
    findings.extend(
        crate::access::service::unregistered_carry_outs(conn)?
            .into_iter()
            .map(|c| {
                Finding::new(
                    "unregistered_item_carried_out",
                    format!(
                        "台帳にない物品「{}」が {} の退室時に持ち出されました（{}、入退室記録 ID {}）。",
                        c.asset_tag,
                        c.zone_name,
                        wareki_datetime(c.occurred_at),
                        c.event_id
                    ),
                )
                .on("access_event", c.event_id)
            }),
    );
    Ok(findings)
}
