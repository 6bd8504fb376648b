//! The notifications page: grouped lines ("Mina and 12 others liked your post"), unread ones highlighted;
//! visiting it marks everything read once the page is rendered.

use super::{PageParams, Ui, login_redirect, query_value, render};
use crate::context::RequestCtx;
use crate::error::AppError;
use crate::i18n;
use crate::state::AppState;
use askama::Template;
use axum::extract::{Query, State};
use axum::http::StatusCode;
use axum::response::Response;
use souk_service::social::NotificationGroup;

/// One line, with the first actor's name split out so it can be a link inside the translated sentence.
pub struct NotifRow {
    pub kind: String,
    pub before: String,
    pub actor: String,
    pub actor_name: String,
    pub initial: String,
    pub after: String,
    pub href: String,
    pub unread: bool,
    pub ago: String,
    pub date: String,
    pub datetime: String,
}

impl NotifRow {
    fn new(ui: &Ui, g: &NotificationGroup) -> Self {
        let (actor, display) = g.actors.first().cloned().unwrap_or_default();
        let actor_name = if display.is_empty() {
            actor.clone()
        } else {
            display
        };
        let kind = match g.kind.as_str() {
            k @ ("follow" | "like" | "comment" | "reply" | "mention" | "share"
            | "feature_request" | "feature_approved" | "feature_declined"
            | "feature_withdrawn" | "reputation_alert" | "tagged") => k,
            _ => "other",
        };
        let others = g.actor_count.saturating_sub(1);
        let key = match others {
            0 => format!("notif.{kind}.one"),
            1 => format!("notif.{kind}.two"),
            _ => format!("notif.{kind}.many"),
        };
        let sentence = i18n::t_args(
            ui.locale,
            &key,
            &[
                ("count", &others.to_string()),
                ("total", &g.actor_count.to_string()),
            ],
        );
        let (before, after) = match sentence.split_once("%{name}") {
            Some((b, a)) => (b.to_owned(), a.to_owned()),
            None => (String::new(), sentence),
        };
        let shop = g.shop_handle.as_deref().unwrap_or_default();
        let href = match (kind, g.post_id, g.comment_id) {
            ("follow", _, _) => format!("/u/{actor}"),
            ("feature_request", _, _) => "/me/features".to_owned(),
            ("feature_approved" | "feature_declined" | "feature_withdrawn", _, _) => {
                format!("/s/{shop}/ugc")
            }
            ("reputation_alert", _, _) => format!("/s/{shop}/reputation"),
            (_, Some(p), Some(c)) => format!("/p/{p}#c{c}"),
            (_, Some(p), None) => format!("/p/{p}"),
            _ => format!("/u/{actor}"),
        };
        Self {
            kind: kind.to_owned(),
            initial: ui.initial(&actor_name),
            before,
            actor,
            actor_name,
            after,
            href,
            unread: g.unread,
            ago: ui.ago(g.latest_at),
            date: g.latest_at.date_string(),
            datetime: g.latest_at.to_rfc3339(),
        }
    }

    pub fn icon(&self) -> &'static str {
        match self.kind.as_str() {
            "like" => "♥",
            "follow" => "+",
            "share" => "↻",
            "mention" => "@",
            "comment" | "reply" => "✎",
            "feature_request" | "feature_approved" => "★",
            "feature_declined" | "feature_withdrawn" => "☆",
            "reputation_alert" => "!",
            "tagged" => "🛍",
            _ => "•",
        }
    }
}

#[derive(Template)]
#[template(path = "notifications.html")]
struct NotificationsPage {
    ui: Ui,
    rows: Vec<NotifRow>,
    more: Option<String>,
}

pub async fn page(
    State(state): State<AppState>,
    ctx: RequestCtx,
    Query(q): Query<PageParams>,
) -> Result<Response, AppError> {
    let Some(viewer) = &ctx.viewer else {
        return Ok(login_redirect(&ctx));
    };
    let social = &state.services.social;
    let page = social.notifications(viewer, q.cursor(), Some(40)).await?;
    let mut ui = Ui::new(&ctx);
    let rows = page.items.iter().map(|g| NotifRow::new(&ui, g)).collect();
    let more = page
        .next_cursor
        .map(|c| format!("/notifications?cursor={}", query_value(&c)));
    // The badge is cleared on this page: what it counted is on screen now.
    ui.unread = 0;
    let res = render(StatusCode::OK, &NotificationsPage { ui, rows, more });
    // Marked read only after the page was built, so this visit still highlights what was new.
    if let Err(e) = social.mark_notifications_read(viewer).await {
        tracing::warn!(error = %e, "could not mark notifications read");
    }
    Ok(res)
}
