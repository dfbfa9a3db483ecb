//! 利用者一覧 (`form`: 登録/編集 and the admin's password reset).

mod form;

use crate::identity::rules::Role;
use crate::identity::service::Department;
use crate::identity::service::{self};
use crate::kit::time::wareki_date;
use crate::web::PageError;
use crate::web::WebState;
use crate::web::{Layout, PageQuery, PageUser, render, with_db};
use actix_web::http::StatusCode;
use actix_web::{HttpResponse, get, web};
use askama::Template;

pub(super) fn routes(cfg: &mut web::ServiceConfig) {
    cfg.service(users_page)
        .service(form::user_new_form)
        .service(form::user_new_submit)
        .service(form::user_edit_form)
        .service(form::user_edit_submit)
        .service(form::user_reset_password);
}

struct UserRow {
    id: i64,
    username: String,
    display_name: String,
    roles: String,
    department: String,
    state: &'static str,
    password_changed: String,
}

#[derive(Template)]
#[template(path = "identity/users.html")]
struct UsersPage {
    layout: Layout,
    rows: Vec<UserRow>,
    can_edit: bool,
    page: i64,
    pages: i64,
    total: i64,
}

fn department_label(departments: &[Department], id: Option<i64>) -> String {
    id.and_then(|id| departments.iter().find(|d| d.id == id))
        .map(|d| d.name.clone())
        .unwrap_or_default()
}

#[get("/users")]
async fn users_page(
    state: web::Data<WebState>,
    user: PageUser,
    query: web::Query<PageQuery>,
) -> Result<HttpResponse, PageError> {
    let (page, per_page) = query.into_inner().resolve()?;
    let principal = user.auth.principal.clone();
    let (list, total, departments) = with_db(&state, move |conn| {
        let (list, total) = service::list_users(
            conn,
            &principal,
            PageQuery::offset(page, per_page),
            per_page,
        )?;
        Ok((list, total, service::list_departments(conn)?))
    })
    .await?;
    let rows = list
        .into_iter()
        .map(|u| UserRow {
            department: department_label(&departments, u.department_id),
            roles: u
                .roles
                .iter()
                .map(|r| r.label())
                .collect::<Vec<_>>()
                .join("・"),
            state: if !u.active {
                "無効"
            } else if u.locked {
                "ロック中"
            } else if u.password_change_required {
                "要パスワード変更"
            } else {
                "有効"
            },
            password_changed: wareki_date(
                crate::kit::time::to_tokyo(u.password_changed_at).date_naive(),
            ),
            id: u.id,
            username: u.username,
            display_name: u.display_name,
        })
        .collect();
    let paged = crate::web::Paged::new(Vec::<()>::new(), total, page, per_page);
    let page_view = UsersPage {
        layout: user.layout("利用者一覧"),
        rows,
        can_edit: user.has(Role::Admin),
        page,
        pages: paged.pages(),
        total,
    };
    render(StatusCode::OK, &page_view)
}
