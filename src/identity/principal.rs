//! Who is asking: the signed-in user as every service sees it.

use super::rules::Role;
use crate::audit::Actor;
use crate::error::AppError;
use serde::Serialize;

#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct Principal {
    pub id: i64,
    pub username: String,
    pub display_name: String,
    pub roles: Vec<Role>,
    pub department_id: Option<i64>,
}

impl Principal {
    pub fn has(&self, role: Role) -> bool {
        self.roles.contains(&role)
    }

    pub fn has_any(&self, roles: &[Role]) -> bool {
        roles.iter().any(|r| self.has(*r))
    }

    /// 403 unless the principal holds one of `roles`.
    pub fn require_any(&self, roles: &[Role]) -> Result<(), AppError> {
        if self.has_any(roles) {
            Ok(())
        } else {
            let names: Vec<&str> = roles.iter().map(|r| r.label()).collect();
            Err(AppError::forbidden(
                "forbidden",
                format!("この操作には次の役割が必要です: {}", names.join("、")),
            ))
        }
    }

    pub fn actor(&self) -> Actor {
        Actor {
            id: Some(self.id),
            name: self.username.clone(),
        }
    }
}
