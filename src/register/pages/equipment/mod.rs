//! 機器台帳 pages: the list with search and filters, a device's page with its
//! history and disposal, and the create/edit forms (through the same service as the API).

mod detail;
mod form;
mod form_values;
mod import;
mod list;

use detail::*;
use form::*;
use form_values::*;
use import::*;
use list::*;

use super::Choice;
use crate::audit::AuditEvent;
use crate::error::AppError;
use crate::identity::Role;
use crate::identity::service as identity_service;
use crate::identity::service::Department;
use crate::kit::time::{wareki_date, wareki_datetime};
use crate::register::rules::{
    Classification, DisposalMethod, Kind, Settlement, Status, SurgeProtection,
};
use crate::register::service::{
    self, DisposalInput, DisposalView, EquipmentInput, EquipmentPatch, EquipmentQuery,
    EquipmentView, LocationInput, MatchCount, Zone,
};
use crate::web::PageError;
use crate::web::WebState;
use crate::web::forms::{Errors, form_errors, opt};

use crate::web::layout::{done, see_other};
use crate::web::{Layout, PageQuery, PageUser, Paged, percent_encode, render, with_db};
use actix_web::http::StatusCode;
use actix_web::{HttpResponse, get, post, web};
use askama::Template;
use chrono::NaiveDate;
use serde::Deserialize;

pub fn routes(cfg: &mut web::ServiceConfig) {
    cfg.service(equipment_list)
        .service(equipment_new_form)
        .service(equipment_new_submit)
        .service(equipment_import_form)
        .service(equipment_import_submit)
        .service(equipment_page)
        .service(equipment_edit_form)
        .service(equipment_edit_submit)
        .service(equipment_dispose_submit);
}

pub(super) const EDITORS: &[Role] = &[Role::Operator, Role::SecurityManager];

pub(super) fn department_name(departments: &[Department], id: i64) -> String {
    departments
        .iter()
        .find(|d| d.id == id)
        .map_or_else(|| id.to_string(), |d| format!("{} {}", d.code, d.name))
}

pub(super) fn zone_name(zones: &[Zone], id: Option<i64>) -> String {
    id.and_then(|id| zones.iter().find(|z| z.id == id))
        .map(|z| format!("{} {}", z.code, z.name))
        .unwrap_or_default()
}

pub(super) fn location_text(l: &LocationInput) -> String {
    let mut parts = Vec::new();
    if let Some(b) = &l.building {
        parts.push(b.clone());
    }
    if let Some(f) = &l.floor {
        // 「4F」 or 「B1F」 already says it is a floor; 「4」 gets its 階.
        if f.ends_with(['F', 'f', 'Ｆ', '階']) {
            parts.push(f.clone());
        } else {
            parts.push(format!("{f}階"));
        }
    }
    if let Some(r) = &l.room {
        parts.push(r.clone());
    }
    if let Some(r) = &l.rack {
        parts.push(format!("ラック{r}"));
    }
    if let Some(u) = &l.unit {
        parts.push(format!("{u}U"));
    }
    parts.join(" ")
}
