use crate::audit::{self, Actor};
use crate::db::{self, DbConn};
use crate::error::AppError;
use crate::identity::Principal;
use crate::identity::model::{self, Department};
use crate::identity::rules::{self, Role};
use std::collections::BTreeMap;

/// A new department (課). Admins only; the code is unique.
pub fn create_department(
    conn: &mut DbConn,
    by: &Principal,
    code: &str,
    name: &str,
) -> Result<Department, AppError> {
    by.require_any(&[Role::Admin])?;
    insert_department(conn, &by.actor(), code, name)
}

pub(crate) fn insert_department(
    conn: &mut DbConn,
    actor: &Actor,
    code: &str,
    name: &str,
) -> Result<Department, AppError> {
    let mut errors = BTreeMap::new();
    let code = rules::normalize_code(code)
        .map_err(|e| errors.insert("code".into(), e.into()))
        .ok();
    let name = crate::kit::text::clean_name(name, 100)
        .map_err(|e| errors.insert("name".into(), e))
        .ok();
    if let Some(err) = AppError::invalid_fields(errors) {
        return Err(err);
    }
    let (code, name) = (code.unwrap_or_default(), name.unwrap_or_default());
    db::write_tx(conn, |conn| {
        if model::department_code_taken(conn, &code)? {
            return Err(AppError::conflict(
                "duplicate_code",
                format!("所属コード {code} は既に登録されています。"),
            ));
        }
        let department = model::insert_department(conn, &code, &name, db::now())?;
        audit::record(
            conn,
            actor,
            "department.create",
            "department",
            &department.id.to_string(),
            serde_json::json!({ "code": department.code, "name": department.name }),
        )?;
        Ok(department)
    })
}
