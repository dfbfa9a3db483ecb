//! 機器台帳: the list with search and filters.

use super::*;

#[derive(Debug, Default, Deserialize)]
pub(super) struct ListQuery {
    #[serde(default)]
    pub(super) q: String,
    #[serde(default)]
    pub(super) zone_id: String,
    #[serde(default)]
    pub(super) department_id: String,
    #[serde(default)]
    pub(super) kind: String,
    #[serde(default)]
    pub(super) key_equipment: String,
    #[serde(default)]
    pub(super) status: String,
}

impl ListQuery {
    /// The API's query: values that do not parse are dropped (they came from our own selects).
    fn api(&self) -> EquipmentQuery {
        EquipmentQuery {
            q: opt(&self.q),
            zone_id: self.zone_id.parse().ok(),
            department_id: self.department_id.parse().ok(),
            key_equipment: match self.key_equipment.as_str() {
                "true" => Some(true),
                "false" => Some(false),
                _ => None,
            },
            status: Status::parse(&self.status),
            kind: Kind::parse(&self.kind),
        }
    }

    /// The filters as a query string (without the page), for the pager and the export link.
    fn query_string(&self) -> String {
        [
            ("q", &self.q),
            ("zone_id", &self.zone_id),
            ("department_id", &self.department_id),
            ("kind", &self.kind),
            ("key_equipment", &self.key_equipment),
            ("status", &self.status),
        ]
        .iter()
        .filter(|(_, v)| !v.trim().is_empty())
        .map(|(k, v)| format!("{k}={}", percent_encode(v.trim())))
        .collect::<Vec<_>>()
        .join("&")
    }
}

pub(super) struct ListRow {
    pub(super) tag: String,
    pub(super) name: String,
    pub(super) kind: &'static str,
    pub(super) key: bool,
    pub(super) department: String,
    pub(super) zone: String,
    pub(super) location: String,
    pub(super) status: &'static str,
    pub(super) classification: &'static str,
}

#[derive(Template)]
#[template(path = "register/equipment_list.html")]
pub(super) struct ListPage {
    pub(super) layout: Layout,
    pub(super) q: String,
    pub(super) zones: Vec<Choice>,
    pub(super) departments: Vec<Choice>,
    pub(super) kinds: Vec<Choice>,
    pub(super) keys: Vec<Choice>,
    pub(super) statuses: Vec<Choice>,
    pub(super) rows: Vec<ListRow>,
    pub(super) page: i64,
    pub(super) pages: i64,
    pub(super) total: i64,
    /// False past the count's cap: "1000件以上", and a next page.
    pub(super) total_exact: bool,
    pub(super) has_next: bool,
    pub(super) filters: String,
    pub(super) can_create: bool,
    pub(super) error: Option<String>,
}

#[get("/equipment")]
pub(super) async fn equipment_list(
    state: web::Data<WebState>,
    user: PageUser,
    query: web::Query<ListQuery>,
    paging: web::Query<PageQuery>,
) -> Result<HttpResponse, PageError> {
    let query = query.into_inner();
    let api = query.api();
    let (page, per_page) = paging.fixed(crate::web::pagination::DEFAULT_PER_PAGE)?;
    let (filter, error) = match api.filter() {
        Ok(f) => (Some(f), None),
        Err(e) => (
            None,
            Some(
                e.fields
                    .and_then(|f| f.into_values().next())
                    .unwrap_or(e.message),
            ),
        ),
    };
    let (items, count, departments, zones) = with_db(&state, move |conn| {
        let (items, count) = match &filter {
            Some(f) => {
                service::list_equipment(conn, f, PageQuery::offset(page, per_page), per_page)?
            }
            None => (
                Vec::new(),
                MatchCount {
                    total: 0,
                    exact: true,
                },
            ),
        };
        Ok((
            items,
            count,
            identity_service::list_departments(conn)?,
            service::zone_rows(conn)?,
        ))
    })
    .await?;
    let rows = items
        .into_iter()
        .map(|e| ListRow {
            department: department_name(&departments, e.department_id),
            zone: zone_name(&zones, e.zone_id),
            location: location_text(&e.location),
            kind: e.kind.label(),
            key: e.key_equipment,
            status: e.status.label(),
            classification: e.classification.label(),
            tag: e.asset_tag,
            name: e.name,
        })
        .collect();
    let paged = Paged::counted(Vec::<()>::new(), count.total, count.exact, page, per_page);
    let choices = |all: Vec<(String, String)>, current: &str| {
        let mut list = vec![Choice::new("", "（すべて）", current)];
        list.extend(all.into_iter().map(|(v, l)| Choice::new(v, l, current)));
        list
    };
    let page_view = ListPage {
        layout: user.layout("機器台帳"),
        zones: choices(
            zones
                .iter()
                .map(|z| (z.id.to_string(), format!("{} {}", z.code, z.name)))
                .collect(),
            &query.zone_id,
        ),
        departments: choices(
            departments
                .iter()
                .map(|d| (d.id.to_string(), format!("{} {}", d.code, d.name)))
                .collect(),
            &query.department_id,
        ),
        kinds: choices(
            Kind::ALL
                .iter()
                .map(|k| (k.as_str().into(), k.label().into()))
                .collect(),
            &query.kind,
        ),
        keys: choices(
            vec![
                ("true".into(), "主要な機器のみ".into()),
                ("false".into(), "主要な機器以外".into()),
            ],
            &query.key_equipment,
        ),
        statuses: choices(
            Status::ALL
                .iter()
                .map(|s| (s.as_str().into(), s.label().into()))
                .collect(),
            &query.status,
        ),
        q: query.q.clone(),
        rows,
        page,
        pages: paged.pages(),
        total: count.total,
        total_exact: count.exact,
        has_next: paged.has_next(),
        filters: query.query_string(),
        can_create: user.has_any(EDITORS),
        error,
    };
    render(StatusCode::OK, &page_view)
}
