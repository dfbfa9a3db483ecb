//! 第11条・第17条 (passwords and account use) and 第18条 (who holds the
//! strongest rights). Last sign-ins come from the audit chain: it is kept
//! whole, while sessions are forgotten once their tokens expire.

use super::Scope;
use crate::audit::service::oversight as chain;
use crate::db::DbConn;
use crate::error::AppError;
use crate::identity::Role;
use crate::identity::service::oversight::{self, AccountFacts};
use crate::kit::time::wareki_datetime;
use crate::reports::rules::{self, ArticleReport, Finding, UNUSED_ACCOUNT_DAYS};
use chrono::NaiveDateTime;
use std::collections::HashMap;

/// Every active account with its last sign-in, read once for both articles.
pub(super) struct Accounts {
    active: Vec<AccountFacts>,
    last_sign_in: HashMap<i64, NaiveDateTime>,
}

impl Accounts {
    pub fn load(conn: &mut DbConn) -> Result<Accounts, AppError> {
        let active = oversight::active_accounts(conn)?;
        let ids: Vec<i64> = active.iter().map(|a| a.id).collect();
        let last_sign_in = chain::last_sign_ins(conn, &ids)?;
        Ok(Accounts {
            active,
            last_sign_in,
        })
    }

    fn unused(&self, a: &AccountFacts, now: NaiveDateTime) -> bool {
        rules::unused(
            self.last_sign_in.get(&a.id).copied(),
            a.created_at,
            now,
            UNUSED_ACCOUNT_DAYS,
        )
    }

    fn last_use(&self, a: &AccountFacts) -> String {
        self.last_sign_in.get(&a.id).map_or_else(
            || "ログインなし".to_owned(),
            |at| format!("最終ログイン {}", wareki_datetime(*at)),
        )
    }
}

pub(super) fn article_11_17(accounts: &Accounts, scope: &Scope) -> ArticleReport {
    let max_age = scope.settings.password_max_age_days;
    let mut findings = Vec::new();
    let (mut expired, mut unused, mut locked) = (0, 0, 0);
    for a in &accounts.active {
        if crate::identity::rules::password_expired(a.password_changed_at, scope.now, max_age) {
            expired += 1;
            findings.push(
                Finding::new(
                    "password_expired",
                    format!(
                        "利用者 {} のパスワードが有効期限（{max_age}日）を過ぎています。",
                        a.username
                    ),
                )
                .on("user", a.id),
            );
        }
        if accounts.unused(a, scope.now) {
            unused += 1;
            findings.push(
                Finding::new(
                    "account_unused",
                    format!(
                        "利用者 {} は{UNUSED_ACCOUNT_DAYS}日以上使われていません（{}）。",
                        a.username,
                        accounts.last_use(a)
                    ),
                )
                .on("user", a.id),
            );
        }
        if let Some(until) = a.locked_until.filter(|until| *until > scope.now) {
            locked += 1;
            findings.push(
                Finding::new(
                    "account_locked",
                    format!(
                        "利用者 {} はログイン失敗によりロックされています（{} まで）。",
                        a.username,
                        wareki_datetime(until)
                    ),
                )
                .on("user", a.id),
            );
        }
    }
    let evidence = vec![
        format!(
            "有効な利用者 {}名、パスワード有効期限 {max_age}日",
            accounts.active.len()
        ),
        format!(
            "期限切れパスワード {expired}名、{UNUSED_ACCOUNT_DAYS}日以上未使用 {unused}名、ロック中 {locked}名"
        ),
    ];
    ArticleReport::new("第11条・第17条", "利用者IDとパスワードの管理", findings)
        .with_evidence(evidence)
}

pub(super) fn article_18(
    conn: &mut DbConn,
    accounts: &Accounts,
    scope: &Scope,
) -> Result<ArticleReport, AppError> {
    let ids: Vec<i64> = accounts.active.iter().map(|a| a.id).collect();
    let roles = oversight::roles_of(conn, &ids)?;
    let holders = |role: Role| -> Vec<&AccountFacts> {
        accounts
            .active
            .iter()
            .filter(|a| roles.get(&a.id).is_some_and(|r| r.contains(&role)))
            .collect()
    };
    let mut evidence = Vec::new();
    let mut findings = Vec::new();
    for role in [Role::Admin, Role::SecurityManager] {
        let list = holders(role);
        let names: Vec<String> = list
            .iter()
            .map(|a| format!("{}（{}）", a.display_name, a.username))
            .collect();
        evidence.push(format!(
            "{} {}名：{}",
            role.label(),
            list.len(),
            if names.is_empty() {
                "なし".to_owned()
            } else {
                names.join("、")
            }
        ));
        if role == Role::Admin {
            for a in list.into_iter().filter(|a| accounts.unused(a, scope.now)) {
                findings.push(
                    Finding::new(
                        "admin_unused",
                        format!(
                            "システム管理者 {} は{UNUSED_ACCOUNT_DAYS}日以上使われていません（{}）。権限の要否を確認してください。",
                            a.username,
                            accounts.last_use(a)
                        ),
                    )
                    .on("user", a.id),
                );
            }
        }
    }
    Ok(ArticleReport::new("第18条", "管理者権限の付与と管理", findings).with_evidence(evidence))
}
