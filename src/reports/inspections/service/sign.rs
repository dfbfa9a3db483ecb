//! Signing an inspection: every finding decided, the report with its
//! decisions stored with its SHA-256 and the chain's head, recorded in the
//! chain, and a signed checkpoint taken over it.

use super::{INSPECTORS, InspectionView, find, signed_conflict, view};
use crate::audit;
use crate::audit::service::checkpoints::{self, CheckpointSigner};
use crate::config::Settings;
use crate::db::{self, DbConn};
use crate::error::AppError;
use crate::identity::Principal;
use crate::kit::time::rfc3339;
use crate::reports::inspections::model::{self, Signature};
use crate::reports::inspections::rules::{
    self, Disposition, InspectionState, SignedFinding, SignedReport,
};
use serde_json::json;

pub fn sign(
    conn: &mut DbConn,
    by: &Principal,
    settings: &Settings,
    id: i64,
) -> Result<InspectionView, AppError> {
    by.require_any(INSPECTORS)?;
    let signer = CheckpointSigner::load(&settings.data_dir)?;
    db::write_tx(conn, |conn| -> Result<(), AppError> {
        let inspection = find(conn, id)?;
        if InspectionState::stored(&inspection.state)? != InspectionState::Open {
            return Err(signed_conflict());
        }
        let findings = model::findings(conn, id)?;
        let decided: Vec<(i32, Option<Disposition>)> = findings
            .iter()
            .map(|f| {
                Ok((
                    f.n,
                    f.disposition
                        .as_deref()
                        .map(Disposition::stored)
                        .transpose()?,
                ))
            })
            .collect::<Result<_, AppError>>()?;
        let open = rules::undecided(&decided);
        if !open.is_empty() {
            let list: Vec<String> = open.iter().map(|n| n.to_string()).collect();
            let mut e = AppError::invalid(
                "findings",
                format!(
                    "すべての指摘に対応区分を記入してから署名してください（未記入: 指摘 {}）。",
                    list.join("・")
                ),
            );
            e.code = "findings_undecided".into();
            return Err(e);
        }
        let (chain_seq, chain_hash) = audit::service::head(conn)?;
        let signed_at = db::now();
        let report = SignedReport {
            kind: "daicho-inspection-v1",
            inspection_id: id,
            period_from: inspection.period_from.to_string(),
            period_to: inspection.period_to.to_string(),
            note: &inspection.note,
            opened_by: inspection.opened_by,
            opened_at: rfc3339(inspection.opened_at),
            report: serde_json::from_str(&inspection.report_json).map_err(AppError::internal)?,
            findings: findings
                .iter()
                .map(|f| SignedFinding {
                    n: f.n,
                    article: &f.article,
                    code: &f.code,
                    message: &f.message,
                    entity_type: f.entity_type.as_deref(),
                    entity_id: f.entity_id.as_deref(),
                    disposition: f.disposition.as_deref().unwrap_or_default(),
                    comment: &f.comment,
                    decided_by: f.decided_by,
                    decided_at: f.decided_at.map(rfc3339),
                })
                .collect(),
            signed_by: by.id,
            signed_at: rfc3339(signed_at),
        };
        let text = report.text();
        let sha256 = rules::sha256_hex(&text);
        let signed = model::sign(
            conn,
            id,
            &Signature {
                signed_by: by.id,
                signed_at,
                signed_report: &text,
                report_sha256: &sha256,
                chain_seq,
                chain_hash: &chain_hash,
            },
        )?;
        if !signed {
            return Err(signed_conflict());
        }
        audit::record(
            conn,
            &by.actor(),
            "inspection.signed",
            "inspection",
            &id.to_string(),
            json!({
                "report": text,
                "report_sha256": sha256,
                "chain_seq": chain_seq,
                "chain_hash": chain_hash,
            }),
        )?;
        checkpoints::take_in_tx(conn, &signer, &by.actor(), checkpoints::INSPECTION, None)?;
        Ok(())
    })?;
    let inspection = find(conn, id)?;
    view(conn, inspection)
}
