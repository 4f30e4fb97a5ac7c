//! The routes: pages, the JSON API, uploads and the two static files; and the layers every response passes:
//! who may ask, and the security headers.

use std::sync::Arc;
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use axum::Router;
use axum::body::Body;
use axum::extract::multipart::Multipart;
use axum::extract::{DefaultBodyLimit, FromRequest, Path, Request, State as Shared};
use axum::http::header::{
    AUTHORIZATION, CACHE_CONTROL, CONTENT_LENGTH, CONTENT_SECURITY_POLICY, CONTENT_TYPE, COOKIE, HOST,
    LOCATION, ORIGIN, REFERRER_POLICY, SET_COOKIE, WWW_AUTHENTICATE, X_CONTENT_TYPE_OPTIONS, X_FRAME_OPTIONS,
};
use axum::http::{HeaderMap, HeaderValue, Method, StatusCode};
use axum::middleware::{self, Next};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use goroscope_report::{Html, Json, Render, Report};
use goroscope_watch::{Store, StoreError, StoredEvent, StoredPoint, TargetSummary, rfc3339};
use http_body_util::BodyExt;
use serde_json::{Value, json};

use crate::analyse::Failure;
use crate::auth::{self, SESSION_COOKIE};
use crate::pages::{self, GroupPage, Page, TargetPage, TargetRow, Targets};
use crate::state::{State, Upload, new_id};
use crate::validate::{self, target_href};

/// The policy of the dashboard's own pages: its style sheet and script, JSON from itself, nothing else.
pub(crate) const POLICY: &str = "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self' data:; \
                                 connect-src 'self'; form-action 'self'; base-uri 'none'; frame-ancestors 'none'";

const SCRIPT: &str = include_str!("assets/app.js");
const STYLE: &str = include_str!("assets/app.css");

/// What a multipart form adds around the file it carries.
const MULTIPART_SLACK: u64 = 64 << 10;
/// The longest wait for the next piece of an upload's body.
const BODY_IDLE: Duration = Duration::from_secs(30);
/// Points of a series handed to a page or the API: the latest ones.
const MAX_POINTS: usize = 2000;
/// Events handed to the API.
const MAX_EVENTS: usize = 200;

pub(crate) fn router(state: Arc<State>) -> Router {
    let upload_cap = usize::try_from(state.max_upload.saturating_add(MULTIPART_SLACK)).unwrap_or(usize::MAX);
    Router::new()
        .route("/", get(index))
        .route("/snapshots", post(upload_page))
        .route("/snapshots/{id}", get(snapshot_page))
        .route("/targets/{name}", get(target_page))
        .route("/targets/{name}/latest", get(latest_page))
        .route("/targets/{name}/groups/{fingerprint}", get(group_page))
        .route("/api/targets", get(api_targets))
        .route("/api/targets/{name}", get(api_target))
        .route("/api/targets/{name}/groups/{fingerprint}", get(api_group))
        .route("/api/snapshots", get(api_snapshots).post(api_upload))
        .route("/api/snapshots/{id}", get(api_snapshot))
        .route("/static/app.js", get(|| async { asset(SCRIPT, "text/javascript; charset=utf-8") }))
        .route("/static/app.css", get(|| async { asset(STYLE, "text/css; charset=utf-8") }))
        .fallback(not_found)
        .layer(DefaultBodyLimit::max(upload_cap))
        .layer(middleware::from_fn_with_state(Arc::clone(&state), guard))
        .layer(middleware::from_fn(security_headers))
        .with_state(state)
}

type AppState = Shared<Arc<State>>;

fn asset(text: &'static str, content_type: &'static str) -> Response {
    let mut response = text.into_response();
    let headers = response.headers_mut();
    headers.insert(CONTENT_TYPE, HeaderValue::from_static(content_type));
    headers.insert(CACHE_CONTROL, HeaderValue::from_static("no-cache"));
    response
}

fn html(status: StatusCode, page: String) -> Response {
    let mut response = (status, page).into_response();
    response.headers_mut().insert(CONTENT_TYPE, HeaderValue::from_static("text/html; charset=utf-8"));
    response
}

fn json_response(status: StatusCode, value: &Value) -> Response {
    let mut response = (status, value.to_string()).into_response();
    response.headers_mut().insert(CONTENT_TYPE, HeaderValue::from_static("application/json"));
    response
}

fn now_ms() -> i64 {
    SystemTime::now().duration_since(UNIX_EPOCH).map_or(0, |d| d.as_millis() as i64)
}

/// What went wrong while answering, said as a page or as JSON.
#[derive(Debug)]
pub(crate) struct Problem {
    status: StatusCode,
    title: &'static str,
    message: String,
    hint: Option<String>,
}

impl Problem {
    fn new(status: StatusCode, title: &'static str, message: impl Into<String>) -> Problem {
        Problem { status, title, message: message.into(), hint: None }
    }

    fn hint(mut self, hint: impl Into<String>) -> Problem {
        self.hint = Some(hint.into());
        self
    }

    fn not_found(message: impl Into<String>) -> Problem {
        Problem::new(StatusCode::NOT_FOUND, "Not found", message)
    }

    fn bad_path(what: &str) -> Problem {
        Problem::new(StatusCode::BAD_REQUEST, "Bad request", format!("that is not a valid {what}"))
    }

    fn page(&self) -> Response {
        html(self.status, pages::problem(self.title, &self.message, self.hint.as_deref()))
    }

    fn json(&self) -> Response {
        json_response(self.status, &json!({ "error": self.message, "hint": self.hint }))
    }
}

impl From<Failure> for Problem {
    fn from(f: Failure) -> Problem {
        let title = match f.status {
            StatusCode::PAYLOAD_TOO_LARGE => "Too large",
            _ => "Not a goroutine dump goroscope can read",
        };
        Problem { status: f.status, title, message: f.message, hint: f.hint }
    }
}

impl From<StoreError> for Problem {
    fn from(e: StoreError) -> Problem {
        let status = match e {
            StoreError::Missing { .. } => StatusCode::NOT_FOUND,
            _ => StatusCode::SERVICE_UNAVAILABLE,
        };
        Problem::new(status, "The history cannot be read", e.to_string())
    }
}

/// Runs `read` on the history, on a blocking thread; the database is opened read-only for it.
async fn with_store<T: Send + 'static>(
    state: &Arc<State>,
    read: impl FnOnce(&Store) -> Result<T, StoreError> + Send + 'static,
) -> Result<T, Problem> {
    let Some(path) = state.db.clone() else {
        return Err(Problem::not_found("this dashboard reads no history"));
    };
    tokio::task::spawn_blocking(move || {
        let store = Store::open_read_only(&path)?;
        read(&store)
    })
    .await
    .map_err(|_| {
        Problem::new(StatusCode::INTERNAL_SERVER_ERROR, "Internal error", "reading the history failed")
    })?
    .map_err(Problem::from)
}

fn target_name(name: &str) -> Result<String, Problem> {
    validate::target_name(name).map(str::to_owned).ok_or_else(|| Problem::bad_path("target name"))
}

fn unknown_target(name: &str) -> Problem {
    Problem::not_found(format!("the history holds no target named {name:?}"))
        .hint("the front page lists the targets it holds")
}

/// The history's targets, with what this server's watch knows of each; targets watched but not yet recorded
/// are listed too.
async fn target_rows(state: &Arc<State>) -> Targets {
    let stored = match &state.db {
        None => Ok(Vec::new()),
        Some(path) if !path.exists() => {
            if state.live.is_none() {
                return Targets::NoHistory(path.display().to_string());
            }
            Ok(Vec::new())
        }
        Some(_) => with_store(state, Store::targets).await,
    };
    let mut summaries = match stored {
        Ok(summaries) => summaries,
        Err(problem) => return Targets::Unreadable(problem.message),
    };
    let live = state.live.as_ref().map(|l| l.snapshot().targets).unwrap_or_default();
    for target in &live {
        if !summaries.iter().any(|s| s.name == target.name) {
            summaries.push(TargetSummary {
                name: target.name.clone(),
                url: target.url.clone(),
                samples: 0,
                errors: 0,
                epochs: 0,
                first_ms: None,
                last_ms: None,
                last_total: None,
            });
        }
    }
    summaries.sort_by(|a, b| a.name.cmp(&b.name));
    Targets::Listed(
        summaries
            .into_iter()
            .map(|summary| {
                let live = live.iter().find(|l| l.name == summary.name).cloned();
                TargetRow { summary, live }
            })
            .collect(),
    )
}

fn poll_urls() -> Vec<String> {
    vec!["/api/targets".to_owned()]
}

fn refresh_ms(state: &State) -> u64 {
    state.refresh.as_millis() as u64
}

async fn index(Shared(state): AppState, headers: HeaderMap) -> Response {
    let targets = target_rows(&state).await;
    let uploads = state.uploads.list();
    let host = headers.get(HOST).and_then(|v| v.to_str().ok()).unwrap_or("HOST:PORT");
    let base = format!("http://{host}");
    let body = pages::index(&targets, &uploads, state.max_upload, state.token.is_some(), &base);
    let poll = vec!["/api/targets".to_owned(), "/api/snapshots".to_owned()];
    let page = Page { title: "dashboard", crumbs: &[], poll: &poll, refresh_ms: refresh_ms(&state), body };
    html(StatusCode::OK, page.render())
}

/// One target's data for its page and the API.
struct TargetData {
    summary: TargetSummary,
    history: Option<goroscope_report::HistoryReport>,
    totals: Vec<StoredPoint>,
    groups: Vec<goroscope_watch::StoredGroup>,
    events: Vec<StoredEvent>,
}

async fn target_data(
    state: &Arc<State>,
    name: &str,
    events: usize,
    chart: bool,
) -> Result<TargetData, Problem> {
    let owned = name.to_owned();
    let data = with_store(state, move |store| {
        let Some(summary) = store.targets()?.into_iter().find(|t| t.name == owned) else { return Ok(None) };
        let mut totals = store.totals(&owned)?.unwrap_or_default();
        totals.drain(..totals.len().saturating_sub(MAX_POINTS));
        let groups = store.groups(&owned)?.unwrap_or_default();
        let events = store.events(&owned, events)?.unwrap_or_default();
        let history = if chart { goroscope_watch::history_report(store, &owned)? } else { None };
        Ok(Some(TargetData { summary, history, totals, groups, events }))
    })
    .await?;
    data.ok_or_else(|| unknown_target(name))
}

fn live_target(state: &State, name: &str) -> Option<goroscope_watch::LiveTarget> {
    state.live.as_ref()?.snapshot().targets.into_iter().find(|t| t.name == name)
}

async fn target_page(Shared(state): AppState, Path(name): Path<String>) -> Response {
    let result = async {
        let name = target_name(&name)?;
        let data = target_data(&state, &name, pages::EVENTS_SHOWN, true).await?;
        let row = TargetRow { summary: data.summary, live: live_target(&state, &name) };
        let body = pages::target(&TargetPage {
            row: &row,
            history: data.history.as_ref(),
            totals: &data.totals,
            groups: &data.groups,
            events: &data.events,
            has_snapshot: !data.groups.is_empty(),
        });
        let crumbs = [(String::new(), name.clone())];
        let poll = poll_urls();
        Ok::<_, Problem>(
            Page { title: &name, crumbs: &crumbs, poll: &poll, refresh_ms: refresh_ms(&state), body }
                .render(),
        )
    }
    .await;
    match result {
        Ok(page) => html(StatusCode::OK, page),
        Err(problem) => problem.page(),
    }
}

/// The report of the latest profile stored for `name`, analysed once per profile.
async fn latest_report(state: &Arc<State>, name: &str) -> Result<Option<(i64, Arc<Report>)>, Problem> {
    let owned = name.to_owned();
    let Some((at, bytes)) = with_store(state, move |store| store.latest_snapshot(&owned)).await? else {
        return Ok(None);
    };
    if let Some(report) = state.latest.get(name, at) {
        return Ok(Some((at, report)));
    }
    let _permit = state.analysing.acquire().await.map_err(|_| busy())?;
    // Another request may have analysed it while this one waited.
    if let Some(report) = state.latest.get(name, at) {
        return Ok(Some((at, report)));
    }
    let (analyser, source) = (state.analyser.clone(), state.source.clone());
    let source_name = format!("{name}, profile of {}", rfc3339(at));
    let report = tokio::task::spawn_blocking(move || {
        let finder = source.as_ref().map(|make| make());
        analyser.report(&source_name, bytes, finder.as_deref())
    })
    .await
    .map_err(|_| analysis_crashed())??;
    let report = Arc::new(report);
    state.latest.put(name, at, Arc::clone(&report));
    Ok(Some((at, report)))
}

fn busy() -> Problem {
    Problem::new(StatusCode::SERVICE_UNAVAILABLE, "Busy", "the server is shutting down")
}

fn analysis_crashed() -> Problem {
    Problem::new(
        StatusCode::INTERNAL_SERVER_ERROR,
        "The analysis failed",
        "goroscope failed while analysing this dump; please report it with the dump if you can share it",
    )
}

async fn latest_page(Shared(state): AppState, Path(name): Path<String>) -> Response {
    let result = async {
        let name = target_name(&name)?;
        // An unknown target is not found; a known one may have no profile yet.
        let data = target_data(&state, &name, 0, true).await?;
        let Some((_, report)) = latest_report(&state, &name).await? else {
            return Err(Problem::not_found(format!("no profile of {name:?} is stored yet")).hint(
                "profiles come from pprof endpoints; a target watched through /metrics alone has none",
            ));
        };
        // The history as it is now above the (cached) analysis of the latest profile, as `history show --html`.
        let mut report = Report::clone(&report);
        report.history = data.history;
        Ok(report_page(&report, &[(target_href(&name), name.clone())]))
    }
    .await;
    result.unwrap_or_else(|problem| problem.page())
}

/// A full report, as `--html` writes it, with a link bar back to the dashboard. Its own policy (hashes of its
/// inline style and script) is sent as the response's policy, which the dashboard's default would block.
fn report_page(report: &Report, crumbs: &[(String, String)]) -> Response {
    let mut page = Vec::new();
    if Html.render(report, &mut page).is_err() {
        return Problem::new(
            StatusCode::INTERNAL_SERVER_ERROR,
            "Internal error",
            "rendering the report failed",
        )
        .page();
    }
    let mut page =
        String::from_utf8(page).unwrap_or_else(|e| String::from_utf8_lossy(e.as_bytes()).into_owned());
    if let Some(at) = page.find("<body>") {
        page.insert_str(at + "<body>".len(), &format!("\n{}", pages::report_nav(crumbs)));
    }
    let policy = report_policy(&page);
    let mut response = html(StatusCode::OK, page);
    if let Ok(value) = HeaderValue::from_str(&policy) {
        response.headers_mut().insert(CONTENT_SECURITY_POLICY, value);
    }
    response
}

/// The policy a report page declares in its `<meta http-equiv>`, plus `frame-ancestors 'none'` (which a meta
/// policy cannot carry). Without one, nothing is allowed.
pub(crate) fn report_policy(page: &str) -> String {
    const META: &str = "http-equiv=\"Content-Security-Policy\" content=\"";
    let declared = page
        .find(META)
        .map(|at| &page[at + META.len()..])
        .and_then(|rest| rest.split_once('"'))
        .map(|(policy, _)| policy.trim().trim_end_matches(';'))
        .filter(|policy| policy.contains("default-src 'none'"));
    match declared {
        Some(policy) => format!("{policy}; frame-ancestors 'none'"),
        None => "default-src 'none'; frame-ancestors 'none'".to_owned(),
    }
}

async fn group_page(Shared(state): AppState, Path((name, fingerprint)): Path<(String, String)>) -> Response {
    let result = async {
        let name = target_name(&name)?;
        let fp = validate::fingerprint(&fingerprint).ok_or_else(|| Problem::bad_path("group fingerprint"))?;
        let (owned, fp_owned) = (name.clone(), fp.to_owned());
        let found = with_store(&state, move |store| {
            let Some((group, mut points)) = store.group_series(&owned, &fp_owned)? else { return Ok(None) };
            points.drain(..points.len().saturating_sub(MAX_POINTS));
            let events = store.events(&owned, MAX_EVENTS)?.unwrap_or_default();
            Ok(Some((group, points, events)))
        })
        .await?;
        let Some((group, points, events)) = found else {
            return Err(Problem::not_found(format!(
                "{name:?} has no single group whose fingerprint starts with {fp:?}"
            ))
            .hint("the target's page lists its groups"));
        };
        // A stored profile that cannot be analysed leaves the rest of the page standing.
        let (latest, analysis_error) = match latest_report(&state, &name).await {
            Ok(latest) => (latest, None),
            Err(problem) => (None, Some(problem.message)),
        };
        let analysed = latest.as_ref().and_then(|(at, report)| {
            report
                .inputs
                .iter()
                .flat_map(|i| &i.analysis.groups)
                .find(|g| g.fingerprint == group.fingerprint)
                .map(|g| (g, *at))
        });
        let alarm = events.iter().find(|e| {
            e.kind == "alarm"
                && serde_json::from_str::<Value>(&e.json)
                    .is_ok_and(|v| v["fingerprint"].as_str() == Some(&group.fingerprint))
        });
        let body = pages::group(&GroupPage {
            target: &name,
            group: &group,
            points: &points,
            analysed,
            latest_at: latest.as_ref().map(|(at, _)| *at),
            analysis_error: analysis_error.as_deref(),
            alarm,
        });
        let short: String = group.fingerprint.chars().take(8).collect();
        let crumbs = [(target_href(&name), name.clone()), (String::new(), format!("group {short}"))];
        let poll = poll_urls();
        let title = format!("{name} group {short}");
        Ok::<_, Problem>(
            Page { title: &title, crumbs: &crumbs, poll: &poll, refresh_ms: refresh_ms(&state), body }
                .render(),
        )
    }
    .await;
    match result {
        Ok(page) => html(StatusCode::OK, page),
        Err(problem) => problem.page(),
    }
}

async fn snapshot_page(Shared(state): AppState, Path(id): Path<String>) -> Response {
    let Some(id) = validate::upload_id(&id) else { return Problem::bad_path("upload id").page() };
    match state.uploads.get(id) {
        Some(upload) => report_page(&upload.report, &[(String::new(), upload.name.clone())]),
        None => Problem::not_found("no upload with this id: uploads are kept in memory, the latest only")
            .hint("upload the dump again")
            .page(),
    }
}

fn live_json(live: Option<&goroscope_watch::LiveTarget>) -> Value {
    match live {
        None => Value::Null,
        Some(l) => json!({
            "up": l.up,
            "last_error": l.last_error,
            "total": l.total,
            "rate_per_minute": l.rate_per_minute,
            "restarts": l.restarts,
            "alarms": l.alarms.values().sum::<u64>(),
        }),
    }
}

fn row_json(row: &TargetRow) -> Value {
    let mut value = serde_json::to_value(&row.summary).unwrap_or_default();
    value["live"] = live_json(row.live.as_ref());
    value["href"] = Value::String(target_href(&row.summary.name));
    value
}

async fn api_targets(Shared(state): AppState) -> Response {
    match target_rows(&state).await {
        Targets::Listed(rows) => json_response(
            StatusCode::OK,
            &json!({ "targets": rows.iter().map(row_json).collect::<Vec<_>>() }),
        ),
        Targets::NoHistory(_) => json_response(StatusCode::OK, &json!({ "targets": [] })),
        Targets::Unreadable(error) => {
            Problem::new(StatusCode::SERVICE_UNAVAILABLE, "The history cannot be read", error).json()
        }
    }
}

async fn api_target(Shared(state): AppState, Path(name): Path<String>) -> Response {
    let result = async {
        let name = target_name(&name)?;
        let data = target_data(&state, &name, MAX_EVENTS, false).await?;
        let row = TargetRow { summary: data.summary, live: live_target(&state, &name) };
        let events: Vec<Value> = data
            .events
            .iter()
            .map(|e| {
                serde_json::from_str(&e.json).unwrap_or_else(|_| json!({ "event": e.kind, "at_ms": e.at_ms }))
            })
            .collect();
        Ok::<_, Problem>(json!({
            "target": row_json(&row),
            "totals": data.totals,
            "groups": data.groups,
            "events": events,
        }))
    }
    .await;
    match result {
        Ok(value) => json_response(StatusCode::OK, &value),
        Err(problem) => problem.json(),
    }
}

async fn api_group(Shared(state): AppState, Path((name, fingerprint)): Path<(String, String)>) -> Response {
    let result = async {
        let name = target_name(&name)?;
        let fp = validate::fingerprint(&fingerprint).ok_or_else(|| Problem::bad_path("group fingerprint"))?;
        let (owned, fp_owned) = (name.clone(), fp.to_owned());
        let found = with_store(&state, move |store| store.group_series(&owned, &fp_owned)).await?;
        let Some((group, mut points)) = found else {
            return Err(Problem::not_found(format!(
                "{name:?} has no single group whose fingerprint starts with {fp:?}"
            )));
        };
        points.drain(..points.len().saturating_sub(MAX_POINTS));
        Ok::<_, Problem>(json!({ "group": group, "points": points }))
    }
    .await;
    match result {
        Ok(value) => json_response(StatusCode::OK, &value),
        Err(problem) => problem.json(),
    }
}

fn upload_json(upload: &Upload) -> Value {
    let (mut goroutines, mut groups, mut suspects) = (0, 0, 0);
    for input in &upload.report.inputs {
        let s = &input.analysis.summary;
        goroutines += s.goroutines;
        groups += s.groups;
        suspects += s.certain.groups + s.likely.groups + s.possible.groups;
    }
    json!({
        "id": upload.id,
        "name": upload.name,
        "at_ms": upload.at_ms,
        "bytes": upload.bytes,
        "dumps": upload.report.inputs.len(),
        "goroutines": goroutines,
        "groups": groups,
        "suspect_groups": suspects,
        "href": format!("/snapshots/{}", upload.id),
        "report": format!("/api/snapshots/{}", upload.id),
    })
}

async fn api_snapshots(Shared(state): AppState) -> Response {
    let list: Vec<Value> = state.uploads.list().iter().map(|u| upload_json(u)).collect();
    json_response(StatusCode::OK, &json!({ "snapshots": list }))
}

async fn api_snapshot(Shared(state): AppState, Path(id): Path<String>) -> Response {
    let Some(id) = validate::upload_id(&id) else { return Problem::bad_path("upload id").json() };
    let Some(upload) = state.uploads.get(id) else {
        return Problem::not_found("no upload with this id: uploads are kept in memory, the latest only")
            .json();
    };
    let mut out = Vec::new();
    match Json.render(&upload.report, &mut out) {
        Ok(()) => {
            let mut response = (StatusCode::OK, out).into_response();
            response.headers_mut().insert(CONTENT_TYPE, HeaderValue::from_static("application/json"));
            response
        }
        Err(_) => {
            Problem::new(StatusCode::INTERNAL_SERVER_ERROR, "Internal error", "rendering failed").json()
        }
    }
}

async fn upload_page(Shared(state): AppState, request: Request) -> Response {
    match receive(&state, request).await {
        Ok(upload) => {
            let mut response = StatusCode::SEE_OTHER.into_response();
            if let Ok(location) = HeaderValue::from_str(&format!("/snapshots/{}", upload.id)) {
                response.headers_mut().insert(LOCATION, location);
            }
            response
        }
        Err(problem) => problem.page(),
    }
}

async fn api_upload(Shared(state): AppState, request: Request) -> Response {
    match receive(&state, request).await {
        Ok(upload) => {
            let mut response = json_response(StatusCode::CREATED, &upload_json(&upload));
            if let Ok(location) = HeaderValue::from_str(&format!("/snapshots/{}", upload.id)) {
                response.headers_mut().insert(LOCATION, location);
            }
            response
        }
        Err(problem) => problem.json(),
    }
}

fn too_large(cap: u64) -> Problem {
    Problem::new(
        StatusCode::PAYLOAD_TOO_LARGE,
        "Too large",
        format!("the upload is larger than this dashboard accepts ({})", pages::size(cap)),
    )
    .hint("compress it with gzip or zstd, or restart the dashboard with a larger --max-upload")
}

fn timed_out() -> Problem {
    Problem::new(StatusCode::REQUEST_TIMEOUT, "Too slow", "the upload did not arrive in time")
        .hint("upload it again on a faster connection, or compress it with gzip or zstd")
}

/// An upload's name as shown: the file's base name, printable, at most 120 characters.
fn upload_name(given: Option<&str>) -> String {
    let base = given.map(|n| n.rsplit(['/', '\\']).next().unwrap_or(n)).unwrap_or_default();
    let name: String = base.chars().filter(|c| !c.is_control()).take(120).collect();
    if name.trim().is_empty() { "upload".to_owned() } else { name }
}

/// Reads an upload (a multipart form's file, or the raw body) within the size cap and the time limit, then
/// analyses it on a blocking thread and keeps it.
async fn receive(state: &Arc<State>, request: Request) -> Result<Arc<Upload>, Problem> {
    let cap = state.max_upload;
    let (parts, body) = request.into_parts();
    let multipart = parts
        .headers
        .get(CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| v.trim_start().to_ascii_lowercase().starts_with("multipart/form-data"));
    // A form carries a little more than its file.
    let body_cap = cap.saturating_add(if multipart { MULTIPART_SLACK } else { 0 });
    let declared = parts
        .headers
        .get(CONTENT_LENGTH)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.trim().parse::<u64>().ok());
    if declared.is_some_and(|n| n > body_cap) {
        drain(body).await;
        return Err(too_large(cap));
    }
    let query_name = parts.uri.query().and_then(|q| {
        form_urlencoded::parse(q.as_bytes()).find(|(k, _)| k == "name").map(|(_, v)| v.into_owned())
    });
    // One permit per upload read and analysed: each may hold `cap` bytes.
    let permit = tokio::time::timeout(state.upload_timeout, state.uploading.acquire()).await;
    let Ok(Ok(_permit)) = permit else {
        drain(body).await;
        return Err(Problem::new(
            StatusCode::SERVICE_UNAVAILABLE,
            "Busy",
            "other uploads are being analysed",
        )
        .hint("try again in a moment"));
    };
    let bytes = tokio::time::timeout(state.upload_timeout, read_body(body, body_cap))
        .await
        .map_err(|_| timed_out())??;
    let (name, bytes) = if multipart {
        let request = Request::from_parts(parts, Body::from(bytes));
        read_multipart(state, request, cap).await?
    } else {
        (None, bytes)
    };
    let name = upload_name(name.as_deref().or(query_name.as_deref()));
    let size = bytes.len() as u64;
    let (analyser, report_name) = (state.analyser.clone(), name.clone());
    // Uploaded dumps name files on someone's machine: no local file is read for them.
    let report = tokio::task::spawn_blocking(move || analyser.report(&report_name, bytes, None))
        .await
        .map_err(|_| analysis_crashed())??;
    Ok(state.uploads.add(Upload { id: new_id(), name, at_ms: now_ms(), bytes: size, report }))
}

/// The most of a refused request's body read before the answer, and for how long: a client still sending when
/// the connection closes may never see the answer (a browser shows a reset connection instead of the 413).
const DRAIN_BYTES: u64 = 64 << 20;
const DRAIN_TIME: Duration = Duration::from_secs(5);

/// Reads and drops what is left of a refused request's body, within [`DRAIN_BYTES`] and [`DRAIN_TIME`].
pub(crate) async fn drain(mut body: Body) {
    let deadline = tokio::time::Instant::now() + DRAIN_TIME;
    let mut left = DRAIN_BYTES;
    while left > 0 {
        match tokio::time::timeout_at(deadline, body.frame()).await {
            Ok(Some(Ok(frame))) => {
                if let Ok(data) = frame.into_data() {
                    left = left.saturating_sub(data.len() as u64);
                }
            }
            _ => break,
        }
    }
}

/// The raw body, at most `cap` bytes, each piece arriving within [`BODY_IDLE`].
async fn read_body(mut body: Body, cap: u64) -> Result<Vec<u8>, Problem> {
    let mut bytes = Vec::new();
    loop {
        let frame = tokio::time::timeout(BODY_IDLE, body.frame()).await.map_err(|_| timed_out())?;
        let Some(frame) = frame else { break };
        let frame = frame.map_err(|e| {
            Problem::new(StatusCode::BAD_REQUEST, "Upload failed", format!("reading the upload failed: {e}"))
        })?;
        if let Ok(data) = frame.into_data() {
            if bytes.len() as u64 + data.len() as u64 > cap {
                drain(body).await;
                return Err(too_large(cap));
            }
            bytes.extend_from_slice(&data);
        }
    }
    Ok(bytes)
}

/// The file of a multipart form already read: the field named `dump`, or else the first field that carries a
/// file.
async fn read_multipart(
    state: &Arc<State>,
    request: Request,
    cap: u64,
) -> Result<(Option<String>, Vec<u8>), Problem> {
    let form_error = |e: axum::extract::multipart::MultipartError| {
        Problem::new(StatusCode::BAD_REQUEST, "Upload failed", format!("the form could not be read: {e}"))
    };
    let mut form = Multipart::from_request(request, state).await.map_err(|e| {
        Problem::new(StatusCode::BAD_REQUEST, "Upload failed", format!("the form could not be read: {e}"))
    })?;
    loop {
        let Some(mut field) = form.next_field().await.map_err(form_error)? else {
            return Err(Problem::new(StatusCode::BAD_REQUEST, "Upload failed", "the form carries no file")
                .hint("choose a dump file, or drop one on the page"));
        };
        if field.name() != Some("dump") && field.file_name().is_none() {
            continue;
        }
        let name = field.file_name().map(str::to_owned);
        let mut bytes = Vec::new();
        while let Some(chunk) = field.chunk().await.map_err(form_error)? {
            if bytes.len() as u64 + chunk.len() as u64 > cap {
                return Err(too_large(cap));
            }
            bytes.extend_from_slice(&chunk);
        }
        return Ok((name, bytes));
    }
}

async fn not_found(request: Request) -> Response {
    let problem = Problem::not_found("there is no page here");
    if request.uri().path().starts_with("/api/") { problem.json() } else { problem.page() }
}

fn is_api(request: &Request) -> bool {
    request.uri().path().starts_with("/api/")
}

/// Who may ask: on a dashboard without a token, only requests that name this machine; with one, requests that
/// show it (a bearer header, the session cookie, or `?token=` once, which sets the cookie and is taken out of
/// the address). Uploads must come from the dashboard's own pages or from a client that is not a browser.
async fn guard(Shared(state): AppState, request: Request, next: Next) -> Response {
    let api = is_api(&request);
    let answer = |problem: Problem| if api { problem.json() } else { problem.page() };
    let host = request.headers().get(HOST).and_then(|v| v.to_str().ok()).map(str::to_owned);
    if state.local_only && !host.as_deref().is_some_and(auth::is_local_host) {
        drain(request.into_body()).await;
        return answer(
            Problem::new(
                StatusCode::FORBIDDEN,
                "Wrong address",
                "this dashboard has no token, so it answers only to addresses of this machine",
            )
            .hint("open it as http://127.0.0.1:PORT/ or http://localhost:PORT/"),
        );
    }
    let safe = matches!(*request.method(), Method::GET | Method::HEAD);
    // Also behind a token: a browser sends the `SameSite=Strict` session cookie with a post from another port of
    // the same host, or from another name under the same domain.
    if !safe {
        let headers = request.headers();
        let origin = headers.get(ORIGIN).and_then(|v| v.to_str().ok());
        let site = headers.get("sec-fetch-site").and_then(|v| v.to_str().ok());
        if !auth::same_origin(origin, site, host.as_deref()) {
            drain(request.into_body()).await;
            return answer(Problem::new(
                StatusCode::FORBIDDEN,
                "Refused",
                "this request comes from another site's page; uploads are taken from the dashboard's own pages",
            ));
        }
    }
    let Some(token) = &state.token else { return next.run(request).await };
    let (from_query, rest) = request.uri().query().map(auth::split_token).unwrap_or_default();
    let mut set_cookie = false;
    if let Some(candidate) = from_query {
        if !token.matches(&candidate) {
            drain(request.into_body()).await;
            return unauthorized(api);
        }
        if safe {
            // Into a cookie, and out of the address bar and the history.
            let location = auth::clean_location(request.uri().path(), rest.as_deref());
            let mut response = StatusCode::SEE_OTHER.into_response();
            let headers = response.headers_mut();
            if let Ok(location) = HeaderValue::from_str(&location) {
                headers.insert(LOCATION, location);
            }
            add_session(headers, token);
            return response;
        }
        set_cookie = true;
    } else {
        let bearer = request
            .headers()
            .get_all(AUTHORIZATION)
            .iter()
            .filter_map(|v| v.to_str().ok())
            .filter_map(auth::bearer)
            .any(|t| token.matches(t));
        let session = request
            .headers()
            .get_all(COOKIE)
            .iter()
            .filter_map(|v| v.to_str().ok())
            .filter_map(|c| auth::cookie(c, SESSION_COOKIE))
            .any(|s| token.session_matches(s));
        if !bearer && !session {
            drain(request.into_body()).await;
            return unauthorized(api);
        }
    }
    let mut response = next.run(request).await;
    if set_cookie {
        add_session(response.headers_mut(), token);
    }
    response
}

fn add_session(headers: &mut HeaderMap, token: &auth::Token) {
    let cookie = format!("{SESSION_COOKIE}={}; HttpOnly; SameSite=Strict; Path=/", token.session());
    if let Ok(value) = HeaderValue::from_str(&cookie) {
        headers.insert(SET_COOKIE, value);
    }
}

fn unauthorized(api: bool) -> Response {
    let problem = Problem::new(
        StatusCode::UNAUTHORIZED,
        "Token required",
        "this dashboard needs its token: open the address with ?token= that goroscope printed when it started, \
         or send `Authorization: Bearer TOKEN`",
    );
    let mut response = if api { problem.json() } else { problem.page() };
    response.headers_mut().insert(WWW_AUTHENTICATE, HeaderValue::from_static("Bearer realm=\"goroscope\""));
    response
}

/// Headers on every response: the content policy (the dashboard's, unless the page brought its own), no
/// sniffing, no framing, no referrer, no caching of what may hold dump text.
async fn security_headers(request: Request, next: Next) -> Response {
    let mut response = next.run(request).await;
    let headers = response.headers_mut();
    if !headers.contains_key(CONTENT_SECURITY_POLICY) {
        headers.insert(CONTENT_SECURITY_POLICY, HeaderValue::from_static(POLICY));
    }
    headers.insert(X_CONTENT_TYPE_OPTIONS, HeaderValue::from_static("nosniff"));
    headers.insert(X_FRAME_OPTIONS, HeaderValue::from_static("DENY"));
    headers.insert(REFERRER_POLICY, HeaderValue::from_static("no-referrer"));
    headers.insert("cross-origin-opener-policy", HeaderValue::from_static("same-origin"));
    headers.insert("cross-origin-resource-policy", HeaderValue::from_static("same-origin"));
    if !headers.contains_key(CACHE_CONTROL) {
        headers.insert(CACHE_CONTROL, HeaderValue::from_static("no-store"));
    }
    response
}
