//! What every request handler may reach: the database, the keys, the settings
//! and the health of the database and the disk. Each area's own memory is its
//! own `web::Data<T>`, registered by `app`, so this state names no area.

use crate::config::Settings;
use crate::db::DbPool;
use crate::db::changes::ChangeWatch;
use crate::db::fault::StorageHealth;
use crate::identity::service::RememberedUsers;
use crate::identity::session::SessionKeys;
use crate::web::inflight::InFlight;
use std::sync::Arc;

pub struct WebState {
    pub pool: DbPool,
    pub keys: Arc<SessionKeys>,
    pub settings: Arc<Settings>,
    /// The OpenAPI document, rendered once at start.
    pub openapi: Arc<String>,
    /// Whether remembered reads may be trusted now ([`crate::db::changes`]).
    pub changes: Arc<ChangeWatch>,
    /// Session users as the gate last read them.
    pub remembered_users: Arc<RememberedUsers>,
    /// Whether storage refused a write lately (`/readyz`).
    pub storage: Arc<StorageHealth>,
    /// Requests being answered, so that a stop can name those it cuts.
    pub inflight: Arc<InFlight>,
    /// Warnings every page shows to the roles they concern while raised.
    pub alarms: Arc<crate::web::layout::Alarms>,
}
