//! The operator's background-jobs page (`/admin/jobs`, admins only; everyone else gets 404): recent jobs
//! with their status, attempts, next run and last error, a status filter, and a retry button for failed jobs.

use super::{Ui, render};
use crate::context::RequestCtx;
use crate::error::AppError;
use crate::extract::CsrfForm;
use crate::state::AppState;
use askama::Template;
use axum::Router;
use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use axum::routing::{get, post};
use serde::Deserialize;
use souk_domain::Role;

pub(super) fn routes() -> Router<AppState> {
    Router::new()
        .route("/admin/jobs", get(list))
        .route("/admin/jobs/{id}/retry", post(retry))
}

fn require_admin(ctx: &RequestCtx) -> Result<&souk_service::Viewer, AppError> {
    match &ctx.viewer {
        Some(v) if v.role == Role::Admin => Ok(v),
        _ => Err(AppError::not_found()),
    }
}

pub struct JobRow {
    pub id: i64,
    pub kind: String,
    pub key: String,
    pub status: String,
    pub status_label: String,
    pub attempts: String,
    pub run_at: String,
    pub updated: String,
    pub last_error: String,
}

/// One status filter link: value ("" for all), label, count, selected.
pub struct FilterLink {
    pub href: String,
    pub label: String,
    pub count: i64,
    pub selected: bool,
}

#[derive(Template)]
#[template(path = "admin_jobs.html")]
struct JobsPage {
    ui: Ui,
    rows: Vec<JobRow>,
    filters: Vec<FilterLink>,
    notice: Option<String>,
    error: Option<String>,
    status_query: String,
}

#[derive(Deserialize, Default)]
struct JobsQuery {
    status: Option<String>,
    retried: Option<i64>,
    error: Option<String>,
}

async fn list(
    State(state): State<AppState>,
    ctx: RequestCtx,
    Query(q): Query<JobsQuery>,
) -> Result<Response, AppError> {
    let viewer = require_admin(&ctx)?;
    let status = q
        .status
        .as_deref()
        .filter(|s| souk_store::jobs::STATUSES.contains(s));
    let rows = state.services.jobs.list(viewer, status, 200).await?;
    let counts = state.services.jobs.counts(viewer).await?;
    let ui = Ui::load(&state, &ctx).await;
    let count_of = |s: &str| {
        counts
            .iter()
            .filter(|(k, _)| k == s)
            .map(|(_, n)| *n)
            .sum::<i64>()
    };
    let mut filters = vec![FilterLink {
        href: "/admin/jobs".into(),
        label: ui.t("jobs.admin.all").into_owned(),
        count: counts.iter().map(|(_, n)| n).sum(),
        selected: status.is_none(),
    }];
    for s in souk_store::jobs::STATUSES {
        filters.push(FilterLink {
            href: format!("/admin/jobs?status={s}"),
            label: ui.t(&format!("jobs.admin.status.{s}")).into_owned(),
            count: count_of(s),
            selected: status == Some(*s),
        });
    }
    let rows = rows
        .into_iter()
        .map(|j| JobRow {
            id: j.id,
            status_label: ui
                .t(&format!("jobs.admin.status.{}", j.status))
                .into_owned(),
            attempts: format!("{}/{}", j.attempts, j.max_attempts),
            run_at: j.run_at.to_rfc3339(),
            updated: ui.ago(j.updated_at),
            kind: j.kind,
            key: j.key.unwrap_or_default(),
            status: j.status,
            last_error: j.last_error,
        })
        .collect();
    let notice = q
        .retried
        .map(|id| ui.t_with("jobs.admin.retried", "id", &id.to_string()));
    let error = q.error.as_deref().map(|code| match code {
        "job_not_failed" | "job_already_queued" => ui.t(&format!("jobs.admin.{code}")).into_owned(),
        _ => ui.t("errors.generic.title").into_owned(),
    });
    Ok(render(
        StatusCode::OK,
        &JobsPage {
            rows,
            filters,
            notice,
            error,
            status_query: status.unwrap_or("").to_owned(),
            ui,
        },
    ))
}

#[derive(Deserialize)]
struct RetryForm {
    #[serde(default)]
    status: String,
}

async fn retry(
    State(state): State<AppState>,
    ctx: RequestCtx,
    Path(id): Path<i64>,
    CsrfForm(form): CsrfForm<RetryForm>,
) -> Result<Response, AppError> {
    let viewer = require_admin(&ctx)?;
    let back = if souk_store::jobs::STATUSES.contains(&form.status.as_str()) {
        format!("/admin/jobs?status={}&", form.status)
    } else {
        "/admin/jobs?".to_owned()
    };
    match state.services.jobs.retry(viewer, id).await {
        Ok(_) => Ok(Redirect::to(&format!("{back}retried={id}")).into_response()),
        Err(e) => match e.refusal_code() {
            Some(code) => Ok(Redirect::to(&format!("{back}error={code}")).into_response()),
            None => Err(e.into()),
        },
    }
}
