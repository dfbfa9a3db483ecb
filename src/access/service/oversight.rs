//! What the compliance report (第5条) asks of the gate: who overstays, who is
//! inside, and what the gate refused. Plain facts with no role of their own;
//! the report checks who reads it.

use super::permits::{CodeReaders, PermitView, views};
use crate::access::model;
use crate::access::rules::DenyReason;
use crate::db::DbConn;
use crate::error::AppError;
use chrono::NaiveDateTime;

/// Someone still inside after their permit ended (or was revoked).
pub struct Overstay {
    pub permit: PermitView,
    pub entered_at: NaiveDateTime,
}

/// Everyone inside at `now` on a permit that no longer lets them be there.
pub fn overstays(conn: &mut DbConn, now: NaiveDateTime) -> Result<Vec<Overstay>, AppError> {
    let rows = model::overstays(conn, now)?;
    let (presences, permits): (Vec<_>, Vec<_>) = rows.into_iter().unzip();
    let views = views(conn, permits, now, &CodeReaders::nobody())?;
    Ok(presences
        .into_iter()
        .zip(views)
        .map(|(p, permit)| Overstay {
            permit,
            entered_at: p.entered_at,
        })
        .collect())
}

/// How many people are inside any zone now.
pub fn count_inside(conn: &mut DbConn) -> Result<i64, AppError> {
    Ok(model::count_inside(conn)?)
}

/// Refusals at the gate in `[from, to)` by reason, as `(reason in words, count)`,
/// most frequent first.
pub fn denied_counts(
    conn: &mut DbConn,
    from: NaiveDateTime,
    to: NaiveDateTime,
) -> Result<Vec<(String, i64)>, AppError> {
    let mut counts: Vec<(String, i64)> = model::denied_by_reason(conn, from, to)?
        .into_iter()
        .map(|(code, n)| {
            let words = code.as_deref().and_then(DenyReason::parse).map_or_else(
                || code.clone().unwrap_or_else(|| "理由なし".to_owned()),
                |r| r.message().trim_end_matches('。').to_owned(),
            );
            (words, n)
        })
        .collect();
    counts.sort_by(|a, b| b.1.cmp(&a.1).then_with(|| a.0.cmp(&b.0)));
    Ok(counts)
}
