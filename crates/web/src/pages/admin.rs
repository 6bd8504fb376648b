//! Reporting content (for everyone) and the operator's report queue (admins only; others get 404).

use super::feed::{ImageView, PostCard};
use super::{FormErrors, Origin, Ui, login_redirect, render, render_form_error};
use crate::context::RequestCtx;
use crate::error::AppError;
use crate::extract::CsrfForm;
use crate::state::AppState;
use askama::Template;
use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use serde::Deserialize;
use souk_service::ServiceError;

use souk_service::social::REPORT_REASONS as REASONS;

#[derive(Deserialize, Default)]
pub struct ReportQuery {
    #[serde(default)]
    kind: String,
    #[serde(default)]
    target: String,
}

#[derive(Template)]
#[template(path = "report.html")]
struct ReportPage {
    ui: Ui,
    kind: String,
    target: String,
    reason: String,
    note: String,
    sent: bool,
    back: String,
    errors: FormErrors,
}

impl ReportPage {
    fn reasons(&self) -> [&'static str; 8] {
        REASONS
    }

    fn lead_key(&self) -> String {
        format!("report.lead_{}", self.kind)
    }
}

/// Where "back" goes from the report form: the reported thing when it has a page.
fn back_for(kind: &str, target: &str) -> String {
    match kind {
        "post" if target.parse::<i64>().is_ok() => format!("/p/{target}"),
        "account"
            if target
                .bytes()
                .all(|b| b.is_ascii_alphanumeric() || b == b'_') =>
        {
            format!("/u/{target}")
        }
        _ => "/".into(),
    }
}

fn kind_ok(kind: &str) -> bool {
    matches!(kind, "post" | "comment" | "account")
}

pub async fn report_page(
    State(state): State<AppState>,
    ctx: RequestCtx,
    Query(q): Query<ReportQuery>,
) -> Result<Response, AppError> {
    if ctx.viewer.is_none() {
        return Ok(login_redirect(&ctx));
    }
    if !kind_ok(&q.kind) || q.target.is_empty() {
        return Err(AppError::not_found());
    }
    let ui = Ui::load(&state, &ctx).await;
    Ok(render(
        StatusCode::OK,
        &ReportPage {
            ui,
            back: back_for(&q.kind, &q.target),
            kind: q.kind,
            target: q.target,
            reason: String::new(),
            note: String::new(),
            sent: false,
            errors: FormErrors::default(),
        },
    ))
}

#[derive(Deserialize)]
pub struct ReportForm {
    #[serde(default)]
    kind: String,
    #[serde(default)]
    target: String,
    #[serde(default)]
    reason: String,
    #[serde(default)]
    note: String,
}

pub async fn report_submit(
    State(state): State<AppState>,
    ctx: RequestCtx,
    CsrfForm(form): CsrfForm<ReportForm>,
) -> Result<Response, AppError> {
    let Some(viewer) = &ctx.viewer else {
        return Ok(login_redirect(&ctx));
    };
    let result = state
        .services
        .social
        .report(
            viewer,
            &form.kind,
            form.target.trim(),
            &form.reason,
            &form.note,
        )
        .await;
    let ui = Ui::load(&state, &ctx).await;
    let mut page = ReportPage {
        back: back_for(&form.kind, form.target.trim()),
        kind: form.kind,
        target: form.target,
        reason: form.reason,
        note: form.note,
        sent: false,
        errors: FormErrors::default(),
        ui,
    };
    match result {
        Ok(_) => {
            page.sent = true;
            Ok(render(StatusCode::CREATED, &page))
        }
        Err(e @ ServiceError::Validation(_)) => {
            let err = AppError::from(e);
            page.errors = FormErrors::from_app_error(&page.ui, &err);
            Ok(render_form_error(&err, &page))
        }
        Err(e) => Err(e.into()),
    }
}

/// An open report with a preview of what it is about.
pub struct ReportRow {
    pub id: i64,
    pub kind: String,
    pub target_id: i64,
    pub reason: String,
    pub note: String,
    pub reporter: String,
    pub ago: String,
    pub date: String,
    /// For posts still visible: the link, author, first photo and caption start.
    pub post: Option<PostPreview>,
    /// For comments and accounts that still exist: who, what they wrote, and where.
    pub subject: Option<SubjectPreview>,
}

pub struct SubjectPreview {
    pub href: String,
    pub username: String,
    pub excerpt: String,
}

impl ReportRow {
    /// The buttons for this report: (action, button style). Accounts cannot be "removed", only suspended.
    pub fn actions(&self) -> Vec<(&'static str, &'static str)> {
        let mut out = vec![("dismiss", "ghost")];
        if self.kind != "account" {
            out.push(("remove", "danger"));
        }
        out.push(("suspend", "danger"));
        out
    }
}

pub struct PostPreview {
    pub href: String,
    pub author: String,
    pub thumb: Option<ImageView>,
    pub excerpt: String,
}

#[derive(Template)]
#[template(path = "admin_reports.html")]
struct ReportsPage {
    ui: Ui,
    rows: Vec<ReportRow>,
    done: bool,
}

#[derive(Deserialize, Default)]
pub struct QueueQuery {
    done: Option<String>,
}

pub async fn reports(
    State(state): State<AppState>,
    ctx: RequestCtx,
    Origin(origin): Origin,
    Query(q): Query<QueueQuery>,
) -> Result<Response, AppError> {
    let Some(viewer) = &ctx.viewer else {
        // The queue's existence is not advertised: visitors get the same 404 as members.
        return Err(AppError::not_found());
    };
    let social = &state.services.social;
    let items = social.reports(viewer, true).await?;
    let ui = Ui::load(&state, &ctx).await;
    // Two batches for the whole queue: the reported posts, then the reported comments and accounts.
    let post_ids: Vec<i64> = items
        .iter()
        .filter(|r| r.target_kind == "post")
        .map(|r| r.target_id)
        .collect();
    let mut posts: std::collections::HashMap<i64, _> = social
        .posts_by_ids(Some(viewer), &post_ids)
        .await?
        .into_iter()
        .map(|v| (v.post.id, v))
        .collect();
    let targets: Vec<(String, i64)> = items
        .iter()
        .filter(|r| r.target_kind != "post")
        .map(|r| (r.target_kind.clone(), r.target_id))
        .collect();
    let mut subjects = social.report_subjects(viewer, &targets).await?;
    let mut rows = Vec::with_capacity(items.len());
    for r in items {
        let post = if r.target_kind == "post" {
            posts.remove(&r.target_id).map(|v| {
                let card = PostCard::new(&ui, &v, &origin);
                let excerpt = card.plain_text();
                PostPreview {
                    href: format!("/p/{}", card.id),
                    excerpt,
                    thumb: card.images.into_iter().next(),
                    author: card.author,
                }
            })
        } else {
            None
        };
        let subject = subjects
            .remove(&(r.target_kind.clone(), r.target_id))
            .map(|s| SubjectPreview {
                href: match s.post_id {
                    Some(p) => format!("/p/{p}#c{}", r.target_id),
                    None => format!("/u/{}", s.username),
                },
                excerpt: s.text.chars().take(120).collect(),
                username: s.username,
            });
        rows.push(ReportRow {
            subject,
            id: r.id,
            kind: r.target_kind,
            target_id: r.target_id,
            reason: r.reason,
            note: r.note,
            reporter: r.reporter_username,
            ago: ui.ago(r.created_at),
            date: r.created_at.date_string(),
            post,
        });
    }
    Ok(render(
        StatusCode::OK,
        &ReportsPage {
            ui,
            rows,
            done: q.done.is_some(),
        },
    ))
}

#[derive(Deserialize)]
pub struct ResolveForm {
    #[serde(default)]
    action: String,
}

pub async fn resolve(
    State(state): State<AppState>,
    ctx: RequestCtx,
    Path(id): Path<i64>,
    CsrfForm(form): CsrfForm<ResolveForm>,
) -> Result<Response, AppError> {
    let Some(viewer) = &ctx.viewer else {
        return Err(AppError::not_found());
    };
    state
        .services
        .social
        .resolve_report(viewer, id, &form.action)
        .await?;
    Ok(Redirect::to("/admin/reports?done=1").into_response())
}
