//! Post pages: a post with its comment threads, the compose page (photo upload), caption editing, and
//! the forms behind every button on a post card (like, save, share, delete, comment).

use super::feed::{PostCard, Seg, rich_text};
use super::{
    FormErrors, Origin, PageParams, Ui, back_to, login_redirect, render, render_form_error,
};
use crate::api::posts::read_post_form;
use crate::context::{RequestCtx, csrf_matches};
use crate::error::AppError;
use crate::extract::CsrfForm;
use crate::state::AppState;
use askama::Template;
use axum::extract::{Multipart, Path, Query, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use serde::Deserialize;
use souk_domain::social::{ALT_TEXT_MAX_CHARS, CAPTION_MAX_CHARS, LOCATION_MAX_CHARS, MAX_IMAGES};
use souk_service::ServiceError;
use souk_service::social::CommentView;

/// A comment as shown under a post.
pub struct CommentItem {
    pub id: i64,
    pub author: String,
    pub author_name: String,
    pub initial: String,
    pub kind: String,
    pub body: Vec<Seg>,
    pub likes: i64,
    pub liked: bool,
    pub can_delete: bool,
    pub by_post_author: bool,
    pub ago: String,
    pub date: String,
    pub datetime: String,
}

impl CommentItem {
    fn new(ui: &Ui, v: &CommentView, post_author: &str) -> Self {
        let c = &v.comment;
        let name = if c.author_display_name.is_empty() {
            c.author_username.clone()
        } else {
            c.author_display_name.clone()
        };
        Self {
            id: c.id,
            initial: ui.initial(&name),
            author: c.author_username.clone(),
            author_name: name,
            kind: c.author_kind.as_str().to_owned(),
            body: rich_text(&c.body),
            likes: c.like_count,
            liked: v.liked,
            can_delete: v.can_delete,
            by_post_author: c.author_username == post_author,
            ago: ui.ago(c.created_at),
            date: c.created_at.date_string(),
            datetime: c.created_at.to_rfc3339(),
        }
    }
}

/// A top-level comment and its replies (one level of nesting).
pub struct Thread {
    pub comment: CommentItem,
    pub replies: Vec<CommentItem>,
}

fn threads(ui: &Ui, items: &[CommentView], post_author: &str) -> Vec<Thread> {
    let mut out: Vec<Thread> = Vec::new();
    for v in items.iter().filter(|v| v.comment.parent_id.is_none()) {
        out.push(Thread {
            comment: CommentItem::new(ui, v, post_author),
            replies: Vec::new(),
        });
    }
    for v in items {
        if let Some(parent) = v.comment.parent_id {
            let item = CommentItem::new(ui, v, post_author);
            match out.iter_mut().find(|t| t.comment.id == parent) {
                Some(t) => t.replies.push(item),
                // The parent is on an earlier page: show the reply on its own.
                None => out.push(Thread {
                    comment: item,
                    replies: Vec::new(),
                }),
            }
        }
    }
    out
}

#[derive(Template)]
#[template(path = "post.html")]
struct PostPage {
    ui: Ui,
    post: PostCard,
    title: String,
    threads: Vec<Thread>,
    more: Option<String>,
    comment_error: String,
    comment_body: String,
    reply_to: Option<i64>,
    /// "Request to feature" for shop staff (see pages/ugc.rs).
    ugc_request: super::ugc::RequestLink,
}

impl PostPage {
    fn replying_to(&self, id: &i64) -> bool {
        self.reply_to == Some(*id)
    }

    fn max_comment(&self) -> usize {
        souk_domain::social::COMMENT_MAX_CHARS
    }
}

async fn post_page(
    state: &AppState,
    ctx: &RequestCtx,
    origin: &str,
    id: i64,
    cursor: Option<&str>,
) -> Result<PostPage, AppError> {
    let social = &state.services.social;
    let view = social.post(ctx.viewer.as_ref(), id).await?;
    let comments = social
        .comments(ctx.viewer.as_ref(), id, cursor, None)
        .await?;
    let ui = Ui::load(state, ctx).await;
    let post = PostCard::new(&ui, &view, origin);
    let excerpt: String = view.post.caption.chars().take(60).collect();
    let title = if excerpt.is_empty() {
        post.author_name.clone()
    } else {
        format!("{}: {excerpt}", post.author_name)
    };
    let threads = threads(&ui, &comments.items, &view.post.author_username);
    let more = comments
        .next_cursor
        .map(|c| format!("/p/{id}?cursor={}#comments", super::query_value(&c)));
    let ugc_request = super::ugc::request_link(state, ctx, id).await;
    Ok(PostPage {
        ui,
        post,
        title,
        threads,
        more,
        comment_error: String::new(),
        comment_body: String::new(),
        reply_to: None,
        ugc_request,
    })
}

pub async fn show(
    State(state): State<AppState>,
    ctx: RequestCtx,
    Origin(origin): Origin,
    Path(id): Path<i64>,
    Query(q): Query<PageParams>,
) -> Result<Response, AppError> {
    let page = post_page(&state, &ctx, &origin, id, q.cursor()).await?;
    Ok(render(StatusCode::OK, &page))
}

#[derive(Deserialize)]
pub struct CommentForm {
    #[serde(default)]
    body: String,
    #[serde(default)]
    parent_id: Option<String>,
}

pub async fn add_comment(
    State(state): State<AppState>,
    ctx: RequestCtx,
    Origin(origin): Origin,
    Path(id): Path<i64>,
    CsrfForm(form): CsrfForm<CommentForm>,
) -> Result<Response, AppError> {
    let Some(viewer) = ctx.viewer.clone() else {
        return Ok(login_redirect(&ctx));
    };
    let parent = form
        .parent_id
        .as_deref()
        .and_then(|p| p.trim().parse::<i64>().ok());
    match state
        .services
        .social
        .add_comment(&viewer, id, &form.body, parent)
        .await
    {
        Ok(c) => Ok(Redirect::to(&format!("/p/{id}#c{}", c.comment.id)).into_response()),
        Err(ServiceError::Validation(fields)) => {
            let err = AppError::from(ServiceError::Validation(fields));
            let mut page = post_page(&state, &ctx, &origin, id, None).await?;
            let errors = FormErrors::from_app_error(&page.ui, &err);
            page.comment_error = errors
                .fields
                .iter()
                .map(|(_, m)| m.as_str())
                .chain(errors.general.as_deref())
                .collect::<Vec<_>>()
                .join(" ");
            page.comment_body = form.body;
            page.reply_to = parent;
            Ok(render_form_error(&err, &page))
        }
        Err(e) => Err(e.into()),
    }
}

#[derive(Deserialize)]
pub struct ToggleForm {
    #[serde(default)]
    on: String,
    #[serde(default)]
    next: Option<String>,
}

impl ToggleForm {
    fn on(&self) -> bool {
        self.on != "0"
    }
}

async fn mark(
    state: AppState,
    ctx: RequestCtx,
    id: i64,
    like: bool,
    form: ToggleForm,
) -> Result<Response, AppError> {
    let Some(viewer) = &ctx.viewer else {
        return Ok(login_redirect(&ctx));
    };
    state
        .services
        .social
        .mark(viewer, id, like, form.on())
        .await?;
    Ok(back_to(form.next.as_deref(), &format!("/p/{id}")))
}

pub async fn like(
    State(state): State<AppState>,
    ctx: RequestCtx,
    Path(id): Path<i64>,
    CsrfForm(form): CsrfForm<ToggleForm>,
) -> Result<Response, AppError> {
    mark(state, ctx, id, true, form).await
}

pub async fn save(
    State(state): State<AppState>,
    ctx: RequestCtx,
    Path(id): Path<i64>,
    CsrfForm(form): CsrfForm<ToggleForm>,
) -> Result<Response, AppError> {
    mark(state, ctx, id, false, form).await
}

#[derive(Deserialize)]
pub struct ShareForm {
    #[serde(default)]
    comment: String,
}

/// Shares to the viewer's followers and shows the new share.
pub async fn share(
    State(state): State<AppState>,
    ctx: RequestCtx,
    Path(id): Path<i64>,
    CsrfForm(form): CsrfForm<ShareForm>,
) -> Result<Response, AppError> {
    let Some(viewer) = &ctx.viewer else {
        return Ok(login_redirect(&ctx));
    };
    let shared = state
        .services
        .social
        .share(viewer, id, &form.comment)
        .await?;
    Ok(Redirect::to(&format!("/p/{}", shared.post.id)).into_response())
}

#[derive(Deserialize)]
pub struct NextForm {
    #[serde(default)]
    next: Option<String>,
}

pub async fn delete(
    State(state): State<AppState>,
    ctx: RequestCtx,
    Path(id): Path<i64>,
    CsrfForm(_): CsrfForm<NextForm>,
) -> Result<Response, AppError> {
    let Some(viewer) = &ctx.viewer else {
        return Ok(login_redirect(&ctx));
    };
    state.services.social.remove_post(viewer, id).await?;
    Ok(Redirect::to(&format!("/u/{}", viewer.username)).into_response())
}

pub async fn like_comment(
    State(state): State<AppState>,
    ctx: RequestCtx,
    Path(id): Path<i64>,
    CsrfForm(form): CsrfForm<ToggleForm>,
) -> Result<Response, AppError> {
    let Some(viewer) = &ctx.viewer else {
        return Ok(login_redirect(&ctx));
    };
    state
        .services
        .social
        .like_comment(viewer, id, form.on())
        .await?;
    Ok(back_to(form.next.as_deref(), "/"))
}

pub async fn delete_comment(
    State(state): State<AppState>,
    ctx: RequestCtx,
    Path(id): Path<i64>,
    CsrfForm(form): CsrfForm<NextForm>,
) -> Result<Response, AppError> {
    let Some(viewer) = &ctx.viewer else {
        return Ok(login_redirect(&ctx));
    };
    state.services.social.delete_comment(viewer, id).await?;
    Ok(back_to(form.next.as_deref(), "/"))
}

#[derive(Template)]
#[template(path = "edit_post.html")]
struct EditPage {
    ui: Ui,
    id: i64,
    caption: String,
    errors: FormErrors,
}

impl EditPage {
    fn max_caption(&self) -> usize {
        CAPTION_MAX_CHARS
    }
}

/// The caption editor; only the author may open it (others get 403, or 404 if the post is hidden).
pub async fn edit_page(
    State(state): State<AppState>,
    ctx: RequestCtx,
    Path(id): Path<i64>,
) -> Result<Response, AppError> {
    let Some(viewer) = &ctx.viewer else {
        return Ok(login_redirect(&ctx));
    };
    let view = state.services.social.post(Some(viewer), id).await?;
    if view.post.author_id != viewer.user_id {
        return Err(ServiceError::Forbidden.into());
    }
    let ui = Ui::load(&state, &ctx).await;
    Ok(render(
        StatusCode::OK,
        &EditPage {
            ui,
            id,
            caption: view.post.caption,
            errors: FormErrors::default(),
        },
    ))
}

#[derive(Deserialize)]
pub struct CaptionForm {
    #[serde(default)]
    caption: String,
}

pub async fn edit_submit(
    State(state): State<AppState>,
    ctx: RequestCtx,
    Path(id): Path<i64>,
    CsrfForm(form): CsrfForm<CaptionForm>,
) -> Result<Response, AppError> {
    let Some(viewer) = &ctx.viewer else {
        return Ok(login_redirect(&ctx));
    };
    match state
        .services
        .social
        .edit_caption(viewer, id, &form.caption)
        .await
    {
        Ok(_) => Ok(Redirect::to(&format!("/p/{id}")).into_response()),
        Err(e @ ServiceError::Validation(_)) => {
            let err = AppError::from(e);
            let ui = Ui::load(&state, &ctx).await;
            let page = EditPage {
                errors: FormErrors::from_app_error(&ui, &err),
                ui,
                id,
                caption: form.caption,
            };
            Ok(render_form_error(&err, &page))
        }
        Err(e) => Err(e.into()),
    }
}

#[derive(Template)]
#[template(path = "compose.html")]
struct ComposePage {
    ui: Ui,
    caption: String,
    location: String,
    errors: FormErrors,
}

impl ComposePage {
    fn max_caption(&self) -> usize {
        CAPTION_MAX_CHARS
    }

    fn max_location(&self) -> usize {
        LOCATION_MAX_CHARS
    }

    fn max_alt(&self) -> usize {
        ALT_TEXT_MAX_CHARS
    }

    fn max_images(&self) -> usize {
        MAX_IMAGES
    }

    /// Alt-text inputs shown without JavaScript (with it, one per chosen photo).
    fn alt_slots(&self) -> [usize; 3] {
        [1, 2, 3]
    }
}

pub async fn compose_page(State(state): State<AppState>, ctx: RequestCtx) -> Response {
    if ctx.viewer.is_none() {
        return login_redirect(&ctx);
    }
    let ui = Ui::load(&state, &ctx).await;
    render(
        StatusCode::OK,
        &ComposePage {
            ui,
            caption: String::new(),
            location: String::new(),
            errors: FormErrors::default(),
        },
    )
}

/// Translated field errors for the compose form; photo errors keep the number of the photo at fault.
fn compose_errors(ui: &Ui, err: &AppError) -> FormErrors {
    let mut errors = FormErrors::from_app_error(ui, err);
    for (i, f) in err.fields.iter().enumerate() {
        let photo = f
            .message
            .strip_prefix("Photo ")
            .and_then(|rest| rest.split_once(':'))
            .map(|(n, _)| n.trim().to_owned());
        if let (Some(n), Some(entry)) = (photo, errors.fields.get_mut(i)) {
            entry.1 = crate::i18n::t_args(
                ui.locale,
                "compose.photo_error",
                &[("n", &n), ("error", &entry.1)],
            );
        }
    }
    errors
}

pub async fn compose_submit(
    State(state): State<AppState>,
    ctx: RequestCtx,
    _: crate::extract::SameSite,
    mp: Multipart,
) -> Result<Response, AppError> {
    let Some(viewer) = ctx.viewer.clone() else {
        return Ok(login_redirect(&ctx));
    };
    let (caption, location, result) = match read_post_form(mp).await {
        Ok(form) => {
            if !csrf_matches(&ctx.csrf_token, &form.csrf_token) {
                return Err(AppError::csrf());
            }
            let (c, l) = (form.caption.clone(), form.location.clone());
            let r = state
                .services
                .social
                .publish(&viewer, form.caption, form.location, form.uploads)
                .await
                .map_err(AppError::from);
            (c, l, r)
        }
        Err(e) => (String::new(), String::new(), Err(e)),
    };
    match result {
        Ok(post) => Ok(Redirect::to(&format!("/p/{}", post.post.id)).into_response()),
        Err(err) if err.status.is_client_error() => {
            let ui = Ui::load(&state, &ctx).await;
            let page = ComposePage {
                errors: compose_errors(&ui, &err),
                ui,
                caption,
                location,
            };
            Ok(render_form_error(&err, &page))
        }
        Err(err) => Err(err),
    }
}
