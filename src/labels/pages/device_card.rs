//! `/e/{tag}`: the phone-sized device page a scanned label opens, and its one-tap stocktake scan.

use crate::error::AppError;
use crate::register::rules::{Classification, Kind, Status, normalize_tag};
use crate::register::service::{self as register, Equipment};
use crate::register::stocktake::service::{self as stocktake, ScanResult, StocktakeView};
use crate::web::PageError;
use crate::web::WebState;
use crate::web::layout::see_other;
use crate::web::{Layout, PageUser, percent_encode, render, with_db};
use actix_web::http::StatusCode;
use actix_web::{HttpResponse, get, post, web};
use askama::Template;
use serde::Deserialize;

fn location_of(e: &Equipment) -> String {
    [&e.building, &e.floor, &e.room, &e.rack, &e.rack_unit]
        .iter()
        .filter_map(|p| p.as_deref())
        .filter(|p| !p.is_empty())
        .collect::<Vec<_>>()
        .join(" / ")
}

#[derive(Template)]
#[template(path = "labels/equipment.html")]
struct EquipmentCard {
    layout: Layout,
    tag: String,
    name: String,
    kind: &'static str,
    key_equipment: bool,
    zone: Option<String>,
    location: String,
    status: &'static str,
    disposed: bool,
    classification: &'static str,
    secret: bool,
    department: String,
    model: String,
    stocktake: Option<StocktakeView>,
    /// Already scanned in that open campaign: nothing left to confirm.
    confirmed: bool,
    scanned: Option<(&'static str, &'static str)>,
    /// Unsettled 無許可持出 of this device, by movement number.
    unauthorised: Vec<i64>,
}

#[derive(Deserialize)]
struct CardQuery {
    scanned: Option<String>,
}

/// The page a scanned label opens: sign in first (the login brings you back), then the device.
#[get("/e/{tag}")]
pub(super) async fn equipment_card(
    state: web::Data<WebState>,
    user: PageUser,
    raw: web::Path<String>,
    query: web::Query<CardQuery>,
) -> Result<HttpResponse, PageError> {
    let raw = raw.into_inner();
    let tag = normalize_tag(&raw).map_err(|e| {
        AppError::not_found(format!(
            "「{raw}」は資産番号として読み取れません。{}",
            e.message()
        ))
    })?;
    if tag != raw {
        return Ok(see_other(&format!("/e/{}", percent_encode(&tag))));
    }
    let principal = user.auth.principal.clone();
    let card = with_db(&state, move |conn| {
        register::device_card(conn, &principal, &tag)
    })
    .await?;
    let (e, department, zone, open, confirmed, unauthorised) = (
        card.equipment,
        card.department,
        card.zone,
        card.stocktake,
        card.confirmed,
        card.unsettled_unauthorised,
    );
    let scanned = query
        .scanned
        .as_deref()
        .and_then(ScanResult::parse)
        .map(|r| (r.as_str(), r.label()));
    let page = EquipmentCard {
        layout: user.layout(&format!("{} {}", e.asset_tag, e.name)),
        location: location_of(&e),
        kind: Kind::stored(&e.kind)?.label(),
        status: Status::stored(&e.status)?.label(),
        disposed: e.status == Status::Disposed.as_str(),
        classification: Classification::stored(&e.classification)?.label(),
        secret: e.classification == Classification::Secret.as_str(),
        key_equipment: e.key_equipment,
        model: [e.manufacturer.as_deref(), e.model.as_deref()]
            .into_iter()
            .flatten()
            .collect::<Vec<_>>()
            .join(" "),
        tag: e.asset_tag,
        name: e.name,
        zone,
        department,
        stocktake: open,
        confirmed,
        scanned,
        unauthorised,
    };
    render(StatusCode::OK, &page)
}

#[derive(Deserialize)]
struct CardScanForm {
    csrf: String,
    stocktake_id: i64,
}

/// 棚卸で確認: the one-tap scan from the device's page.
#[post("/e/{tag}/stocktake")]
pub(super) async fn equipment_card_scan(
    state: web::Data<WebState>,
    user: PageUser,
    tag: web::Path<String>,
    form: web::Form<CardScanForm>,
) -> Result<HttpResponse, PageError> {
    user.check_csrf(&form.csrf)?;
    let (principal, tag, id) = (
        user.auth.principal.clone(),
        tag.into_inner(),
        form.stocktake_id,
    );
    let outcome = with_db(&state, move |conn| {
        stocktake::scan(conn, &principal, id, &tag)
    })
    .await?;
    Ok(see_other(&format!(
        "/e/{}?scanned={}",
        percent_encode(&outcome.asset_tag),
        outcome.result.as_str()
    )))
}
