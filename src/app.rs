//! Builds the application: shared state, middleware, and the whole route table in one place.

use crate::audit::service::checkpoints::CheckpointSigner;
use crate::audit::service::health::ChainHealth;
use crate::config::Settings;
use crate::db;
use crate::db::changes::ChangeWatch;
use crate::error::{AppError, Failure};
use crate::identity::service::RememberedUsers;
use crate::identity::session::SessionKeys;
use crate::web::WebState;
use crate::web::inflight::{self, InFlight};
use crate::web::json::{JSON_LIMIT, path_error, query_error};
use crate::web::openapi::KnownRoutes;
use crate::web::render_error_page;
use crate::{
    access, audit, cabling, identity, incidents, labels, licenses, power, register, reports,
    web as plumbing,
};
use actix_web::dev::{Server, Service};
use actix_web::http::StatusCode;
use actix_web::middleware::{DefaultHeaders, Logger, from_fn};
use actix_web::{App, HttpRequest, HttpResponse, HttpServer, ResponseError, web};
use actix_web_prom::{PrometheusMetrics, PrometheusMetricsBuilder};
use std::net::TcpListener;
use std::sync::Arc;
use std::time::Duration;
use utoipa::openapi::security::{HttpAuthScheme, HttpBuilder, SecurityScheme};
use utoipa_actix_web::AppExt;
use utoipa_actix_web::service_config::ServiceConfig;

/// Every guard and badge holder of a ward many times over; when full it starts over.
const REMEMBERED_USERS: usize = 4096;

/// Every `/api/v1` route, by area. The OpenAPI document is generated from this same list.
/// The router tries routes in this order (a pattern with `{…}` costs a regex
/// match), so the gate, the busiest caller, comes first.
fn api_routes(cfg: &mut ServiceConfig) {
    access::api::routes(cfg);
    identity::api::routes(cfg);
    audit::api::routes(cfg);
    register::api::routes(cfg);
    labels::api::routes(cfg);
    power::api::routes(cfg);
    licenses::api::routes(cfg);
    cabling::api::routes(cfg);
    incidents::api::routes(cfg);
    reports::api::routes(cfg);
    reports::inspections::api::routes(cfg);
}

/// The menu's sections, by area, in the order of the standard's articles.
fn menu() -> Vec<plumbing::layout::MenuSection> {
    vec![
        identity::pages::nav,
        audit::pages::nav,
        register::pages::nav,
        labels::pages::nav,
        // 棚卸 sits beside the labels it scans, though the register owns it.
        register::stocktake::pages::nav,
        access::pages::nav,
        power::pages::nav,
        licenses::pages::nav,
        cabling::pages::nav,
        incidents::pages::nav,
        reports::pages::nav,
        reports::inspections::pages::nav,
    ]
}

/// Every page route, by area.
fn page_routes(cfg: &mut web::ServiceConfig) {
    cfg.service(plumbing::ops::healthz)
        .service(plumbing::ops::readyz)
        .service(plumbing::ops::openapi)
        .service(plumbing::assets::asset)
        .service(plumbing::assets::favicon);
    identity::pages::routes(cfg);
    audit::pages::routes(cfg);
    register::pages::routes(cfg);
    labels::pages::routes(cfg);
    access::pages::routes(cfg);
    power::pages::routes(cfg);
    licenses::pages::routes(cfg);
    cabling::pages::routes(cfg);
    incidents::pages::routes(cfg);
    reports::pages::routes(cfg);
    reports::inspections::pages::routes(cfg);
}

/// The OpenAPI 3 document of everything under `/api/v1`.
pub fn openapi_doc() -> utoipa::openapi::OpenApi {
    let (_, mut doc) = App::new()
        .into_utoipa_app()
        .service(utoipa_actix_web::scope("/api/v1").configure(api_routes))
        .split_for_parts();
    doc.info.title = "daicho".to_owned();
    doc.info.version = env!("CARGO_PKG_VERSION").to_owned();
    doc.info.contact = None;
    doc.info.license = Some(utoipa::openapi::License::new("MIT"));
    doc.info.description = Some(
        "台帳: machine-room records for a ward office (江戸川区情報管理安全対策基準)".to_owned(),
    );
    let components = doc.components.get_or_insert_with(Default::default);
    components.add_security_scheme(
        "bearer",
        SecurityScheme::Http(
            HttpBuilder::new()
                .scheme(HttpAuthScheme::Bearer)
                .bearer_format("JWT")
                .build(),
        ),
    );
    doc.security = Some(vec![utoipa::openapi::security::SecurityRequirement::new(
        "bearer",
        Vec::<String>::new(),
    )]);
    plumbing::openapi::add_common_answers(&mut doc);
    doc
}

/// Opens the database (applying migrations), creates the first admin on an
/// empty database, and loads the keys.
pub fn prepare(settings: Settings) -> Result<WebState, String> {
    let pool = db::build_pool(&settings.database_url, settings.pool_size)?;
    let mut conn = pool
        .get()
        .map_err(|e| format!("cannot get a database connection: {e}"))?;
    db::transport::log_transport(&mut conn);
    if let Some(password) =
        identity::service::bootstrap_admin(&mut conn, &settings).map_err(|e| e.message)?
    {
        // Printed once, on purpose: there is no other way to learn it. It must be changed at first login.
        eprintln!("==> created user 'admin' with the one-time password: {password}");
        eprintln!("==> it must be changed at first login");
    }
    access::service::publish_own_keys(&mut conn, &settings).map_err(|e| e.message)?;
    CheckpointSigner::load(&settings.data_dir)
        .and_then(|signer| signer.publish(&mut conn))
        .map_err(|e| e.message)?;
    drop(conn);
    let keys = SessionKeys::load(&settings)?;
    let settings_url = settings.database_url.clone();
    let openapi = serde_json::to_string_pretty(&openapi_doc()).map_err(|e| e.to_string())?;
    Ok(WebState {
        pool,
        keys: Arc::new(keys),
        settings: Arc::new(settings),
        openapi: Arc::new(openapi),
        changes: ChangeWatch::start(&settings_url),
        remembered_users: Arc::new(RememberedUsers::new(REMEMBERED_USERS)),
        storage: Arc::default(),
        inflight: Arc::default(),
        alarms: Arc::default(),
    })
}

/// `/metrics`: HTTP figures, and how the gate answers (memory or database).
fn metrics(
    state: &WebState,
    gate_memory: &access::service::GateMemory,
    chain: &ChainHealth,
) -> Result<PrometheusMetrics, String> {
    let registry = prometheus::Registry::new();
    registry
        .register(Box::new(gate_memory.counter().clone()))
        .and_then(|()| registry.register(Box::new(state.changes.gauge().clone())))
        .and_then(|()| registry.register(Box::new(chain.gauge().clone())))
        .map_err(|e| format!("cannot set up metrics: {e}"))?;
    PrometheusMetricsBuilder::new("daicho")
        .registry(registry)
        .endpoint("/metrics")
        .mask_unmatched_patterns("UNKNOWN")
        .build()
        .map_err(|e| format!("cannot set up metrics: {e}"))
}

/// Headers every answer carries unless its handler set its own. Answers are
/// personal (names, entry codes, the signed-in user's pages) unless a handler
/// says otherwise (static assets, public keys), so nothing is cached by default.
/// HSTS whenever people reach daicho over HTTPS, whether daicho serves TLS itself or a
/// reverse proxy does (browsers ignore HSTS that arrives over plain HTTP, so it cannot lock
/// anyone out of a plain deployment; behind a proxy it stops a first visit by `http://` from
/// being downgraded, which would expose the session cookie).
fn security_headers(https: bool) -> DefaultHeaders {
    let headers = if https {
        DefaultHeaders::new().add(plumbing::tls::HSTS)
    } else {
        DefaultHeaders::new()
    };
    headers
        .add(("Cache-Control", "no-store"))
        .add(("X-Content-Type-Options", "nosniff"))
        .add(("X-Frame-Options", "DENY"))
        .add(("Referrer-Policy", "same-origin"))
        .add((
            "Content-Security-Policy",
            "default-src 'self'; img-src 'self' data: blob:; style-src 'self' 'unsafe-inline'; script-src 'self'; \
             connect-src 'self'; frame-ancestors 'none'; form-action 'self'",
        ))
}

/// Unknown paths: JSON under `/api` (405 with `Allow` where only the method
/// is wrong), a Japanese page elsewhere.
async fn not_found(req: HttpRequest, routes: web::Data<KnownRoutes>) -> HttpResponse {
    if req.path().starts_with("/api/") {
        routes
            .method_not_allowed(req.path())
            .unwrap_or_else(|| AppError::not_found("指定されたURLはありません。").error_response())
    } else {
        render_error_page(
            StatusCode::NOT_FOUND,
            "お探しのページは見つかりませんでした。",
        )
    }
}

fn form_error(err: actix_web::error::UrlencodedError, _req: &HttpRequest) -> actix_web::Error {
    use actix_web::error::UrlencodedError;
    let app = match err {
        UrlencodedError::Overflow { .. } => AppError::new(
            Failure::TooLarge,
            "payload_too_large",
            "送信データが大きすぎます。",
        ),
        other => AppError::bad_request(
            "bad_form",
            format!("フォームの内容を読み取れませんでした（{other}）。"),
        ),
    };
    crate::web::PageError::App(app).into()
}

/// Resolves at SIGTERM or SIGINT (Ctrl-C), once the stop is noted: both stop
/// gracefully, waiting up to `limit` for requests in flight.
async fn stop_requested(inflight: Arc<InFlight>, limit: Duration) {
    use actix_web::rt::signal::{ctrl_c, unix};
    use futures_util::future::{pending, select};
    let Ok(mut term) = unix::signal(unix::SignalKind::terminate()) else {
        log::error!("cannot listen for SIGTERM; stop with SIGKILL only");
        return pending().await;
    };
    let term = std::pin::pin!(term.recv());
    let int = std::pin::pin!(ctrl_c());
    select(term, int).await;
    inflight.begin_stop(limit);
}

/// Starts serving on `listener` (HTTPS when `DAICHO_TLS_CERT`/`DAICHO_TLS_KEY` are set); the
/// returned server stops gracefully on SIGTERM/SIGINT, waiting up to `DAICHO_SHUTDOWN_SECONDS`
/// for requests in flight and logging each it cuts.
pub fn server(mut state: WebState, listener: TcpListener) -> Result<Server, String> {
    let workers = state.settings.workers;
    let limit = state.settings.shutdown_seconds;
    let inflight = state.inflight.clone();
    let routes = web::Data::new(KnownRoutes::of(&openapi_doc()));
    let throttle = web::Data::new(plumbing::throttle::AttemptThrottle::new(
        state.settings.trusted_proxies.clone(),
    ));
    let https = state.settings.https;
    let tls = state
        .settings
        .tls
        .as_ref()
        .map(plumbing::tls::server_config)
        .transpose()?;
    plumbing::layout::set_menu(menu());
    let mut alarms = plumbing::layout::Alarms::default();
    let chain = web::Data::new(ChainHealth::new(alarms.add(
        "監査ログの連鎖の検証に失敗しました（改ざん・欠落の疑い）。監査ログの検証結果を確認してください。",
        audit::service::READERS,
    )));
    state.alarms = Arc::new(alarms);
    let state = web::Data::new(state);
    // Permits as the gate last read them.
    let gate_memory = web::Data::new(access::service::GateMemory::default());
    power::poller::start(&state.pool, &state.settings);
    let metrics = metrics(&state, &gate_memory, &chain)?;
    watch_audit_chain(&state, chain.clone().into_inner());
    let stopping = stop_requested(inflight.clone(), Duration::from_secs(limit));
    let server = HttpServer::new(move || {
        let inflight = inflight.clone();
        App::new()
            .app_data(state.clone())
            .app_data(gate_memory.clone())
            .app_data(chain.clone())
            .app_data(throttle.clone())
            .app_data(routes.clone())
            .app_data(web::PayloadConfig::new(JSON_LIMIT))
            .app_data(
                web::FormConfig::default()
                    .limit(plumbing::input::FORM_LIMIT)
                    .error_handler(form_error),
            )
            .app_data(web::QueryConfig::default().error_handler(query_error))
            .app_data(web::PathConfig::default().error_handler(path_error))
            .wrap_fn(|mut req, srv| {
                plumbing::query::drop_empty_params(&mut req);
                srv.call(req)
            })
            .wrap(actix_web::middleware::from_fn(
                plumbing::input::refuse_control_characters,
            ))
            .wrap(security_headers(https))
            .wrap(Logger::new("%a \"%r\" %s %b %Dms"))
            .wrap(metrics.clone())
            .wrap(from_fn(move |req, next| {
                inflight::track(inflight.clone(), req, next)
            }))
            .into_utoipa_app()
            .service(utoipa_actix_web::scope("/api/v1").configure(api_routes))
            .into_app()
            .configure(page_routes)
            .default_service(web::to(not_found))
    })
    .workers(workers)
    .shutdown_signal(stopping)
    .shutdown_timeout(limit);
    let server = match tls {
        Some(config) => server.listen_rustls_0_23(listener, config),
        None => server.listen(listener),
    };
    let server = server.map_err(|e| format!("cannot listen: {e}"))?.run();
    Ok(server)
}

/// The audit chain's background check (第16条): every
/// `DAICHO_AUDIT_CHECK_SECONDS`, the events appended since the last check are
/// verified, and the scheduled checkpoint is signed when its interval is due.
fn watch_audit_chain(state: &WebState, chain: Arc<ChainHealth>) {
    let seconds = state.settings.audit_check_seconds;
    if seconds == 0 {
        log::info!("the audit chain's background check is off (DAICHO_AUDIT_CHECK_SECONDS=0)");
        return;
    }
    let pool = state.pool.clone();
    let settings = state.settings.clone();
    actix_web::rt::spawn(async move {
        loop {
            let (pool, settings, chain) = (pool.clone(), settings.clone(), chain.clone());
            let round = web::block(move || -> Result<(), AppError> {
                let signer = CheckpointSigner::load(&settings.data_dir)?;
                let mut conn = pool.get()?;
                audit::service::health::tick(
                    &mut conn,
                    &chain,
                    &signer,
                    settings.audit_checkpoint_minutes,
                    db::now(),
                )
            })
            .await;
            match round {
                Ok(Ok(())) => {}
                Ok(Err(e)) => log::error!("audit chain check: {}", e.message),
                Err(e) => log::error!("audit chain check: {e}"),
            }
            actix_web::rt::time::sleep(Duration::from_secs(seconds)).await;
        }
    });
}

/// `daicho serve`.
pub async fn serve(settings: Settings) -> Result<(), String> {
    let bind = settings.bind.clone();
    let state = web::block(move || prepare(settings))
        .await
        .map_err(|e| e.to_string())??;
    let listener = TcpListener::bind(&bind).map_err(|e| format!("cannot bind {bind}: {e}"))?;
    let scheme = if state.settings.tls.is_some() {
        "https"
    } else {
        "http"
    };
    log::info!(
        "daicho serving on {scheme}://{bind} ({:?})",
        db::Backend::of(&state.settings.database_url)
    );
    let inflight = state.inflight.clone();
    let stopped = server(state, listener)?.await.map_err(|e| e.to_string());
    // Whatever the server let go of unfinished at the limit.
    inflight.report_cut();
    stopped
}
