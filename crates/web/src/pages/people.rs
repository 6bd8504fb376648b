//! People: profile pages with their post grid, follower and following lists, and the follow and block
//! buttons.

use super::feed::{PostCard, cards, more_href, partial};
use super::{Origin, PageParams, Ui, back_to, login_redirect, path_segment, render};
use crate::context::RequestCtx;
use crate::error::AppError;
use crate::extract::CsrfForm;
use crate::state::AppState;
use askama::Template;
use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use axum::response::Response;
use serde::Deserialize;
use souk_service::social::ProfileView;

/// The profile header: who, what they do, counts, and how the viewer relates to them.
pub struct ProfileHead {
    pub p: ProfileView,
    pub name: String,
    pub initial: String,
    /// Profile photo URL, empty for the letter avatar.
    pub avatar: String,
    pub joined: String,
    /// The website as a link target (`https://` added when missing) and as shown.
    pub website_href: String,
    pub website_label: String,
}

impl ProfileHead {
    fn new(ui: &Ui, p: ProfileView) -> Self {
        let name = if p.display_name.is_empty() {
            p.username.clone()
        } else {
            p.display_name.clone()
        };
        let site = p.website.trim().to_owned();
        let website_href = if site.is_empty() {
            String::new()
        } else if site.starts_with("https://") || site.starts_with("http://") {
            site.clone()
        } else {
            format!("https://{site}")
        };
        let website_label = site
            .trim_start_matches("https://")
            .trim_start_matches("http://")
            .trim_end_matches('/')
            .to_owned();
        Self {
            initial: ui.initial(&name),
            avatar: p
                .avatar_key
                .as_deref()
                .map(crate::api::views::avatar_url)
                .unwrap_or_default(),
            joined: p.created_at.date_string(),
            name,
            website_href,
            website_label,
            p,
        }
    }

    pub fn kind(&self) -> &'static str {
        self.p.kind.as_str()
    }
}

#[derive(Template)]
#[template(path = "profile.html")]
struct ProfilePage {
    ui: Ui,
    head: ProfileHead,
    posts: Vec<PostCard>,
    more: Option<String>,
    /// The profile's shop (handle, name), shown as a Shop tab.
    shop: Option<(String, String)>,
    /// Without a shop: whether the profile's posts tag products (a Shop tab listing them).
    picks: bool,
}

/// How many products a profile's Shop tab lists (what its posts tag).
const PICKS_MAX: i64 = 60;

#[derive(Template)]
#[template(path = "profile_shop.html")]
struct ProfileShopPage {
    ui: Ui,
    head: ProfileHead,
    cards: Vec<super::products::ProductCard>,
}

/// A profile's Shop tab: the products its posts tag (for a shop's own profile, the shop page is the tab).
pub async fn profile_shop(
    State(state): State<AppState>,
    ctx: RequestCtx,
    Path(username): Path<String>,
) -> Result<Response, AppError> {
    let viewer = ctx.viewer.as_ref();
    let profile = state.services.social.profile(viewer, &username).await?;
    if let Some(shop) = state.services.shops.owned_by(profile.id).await? {
        return Ok(axum::response::IntoResponse::into_response(
            axum::response::Redirect::to(&format!("/s/{}", shop.handle)),
        ));
    }
    let products = state
        .services
        .tags
        .tagged_products(viewer, profile.id, PICKS_MAX)
        .await?;
    let ui = Ui::load(&state, &ctx).await;
    Ok(render(
        StatusCode::OK,
        &ProfileShopPage {
            cards: super::products::cards_of(&ui, &products),
            head: ProfileHead::new(&ui, profile),
            ui,
        },
    ))
}

pub async fn profile(
    State(state): State<AppState>,
    ctx: RequestCtx,
    Origin(origin): Origin,
    Path(username): Path<String>,
    Query(q): Query<PageParams>,
) -> Result<Response, AppError> {
    let social = &state.services.social;
    let profile = social.profile(ctx.viewer.as_ref(), &username).await?;
    let page = social
        .posts_of(ctx.viewer.as_ref(), &profile, q.cursor(), Some(30))
        .await?;
    let ui = Ui::load(&state, &ctx).await;
    let posts = cards(&ui, &page, &origin);
    let more = more_href(
        &format!("/u/{}", path_segment(&profile.username)),
        page.next_cursor.as_deref(),
        None,
    );
    if q.is_partial() {
        return Ok(partial(ui, posts, more, true));
    }
    let shop = state
        .services
        .shops
        .owned_by(profile.id)
        .await?
        .map(|s| (s.handle, s.name));
    let picks = shop.is_none() && state.services.tags.tags_products(profile.id).await?;
    Ok(render(
        StatusCode::OK,
        &ProfilePage {
            head: ProfileHead::new(&ui, profile),
            ui,
            posts,
            more,
            shop,
            picks,
        },
    ))
}

pub struct PersonRow {
    pub username: String,
    pub name: String,
    pub initial: String,
    pub kind: &'static str,
    pub bio: String,
}

#[derive(Template)]
#[template(path = "people.html")]
struct PeoplePage {
    ui: Ui,
    head: ProfileHead,
    followers: bool,
    people: Vec<PersonRow>,
    more: Option<String>,
}

async fn follow_list(
    state: AppState,
    ctx: RequestCtx,
    username: String,
    q: PageParams,
    followers: bool,
) -> Result<Response, AppError> {
    let social = &state.services.social;
    let profile = social.profile(ctx.viewer.as_ref(), &username).await?;
    let page = social
        .follow_list(
            ctx.viewer.as_ref(),
            &username,
            followers,
            q.cursor(),
            Some(30),
        )
        .await?;
    let ui = Ui::load(&state, &ctx).await;
    let people = page
        .items
        .into_iter()
        .map(|p| {
            let name = if p.display_name.is_empty() {
                p.username.clone()
            } else {
                p.display_name.clone()
            };
            PersonRow {
                initial: ui.initial(&name),
                name,
                kind: p.kind.as_str(),
                bio: p.bio,
                username: p.username,
            }
        })
        .collect();
    let which = if followers { "followers" } else { "following" };
    let more = more_href(
        &format!("/u/{}/{which}", path_segment(&profile.username)),
        page.next_cursor.as_deref(),
        None,
    );
    Ok(render(
        StatusCode::OK,
        &PeoplePage {
            head: ProfileHead::new(&ui, profile),
            ui,
            followers,
            people,
            more,
        },
    ))
}

pub async fn followers(
    State(state): State<AppState>,
    ctx: RequestCtx,
    Path(username): Path<String>,
    Query(q): Query<PageParams>,
) -> Result<Response, AppError> {
    follow_list(state, ctx, username, q, true).await
}

pub async fn following(
    State(state): State<AppState>,
    ctx: RequestCtx,
    Path(username): Path<String>,
    Query(q): Query<PageParams>,
) -> Result<Response, AppError> {
    follow_list(state, ctx, username, q, false).await
}

#[derive(Deserialize)]
pub struct RelationForm {
    #[serde(default)]
    next: Option<String>,
}

#[derive(Clone, Copy)]
enum Relation {
    Follow,
    Unfollow,
    Block,
    Unblock,
}

async fn relate(
    state: AppState,
    ctx: RequestCtx,
    username: String,
    form: RelationForm,
    what: Relation,
) -> Result<Response, AppError> {
    let Some(viewer) = &ctx.viewer else {
        return Ok(login_redirect(&ctx));
    };
    let social = &state.services.social;
    match what {
        Relation::Follow => social.follow(viewer, &username).await.map(|_| ())?,
        Relation::Unfollow => social.unfollow(viewer, &username).await.map(|_| ())?,
        Relation::Block => social.block(viewer, &username).await?,
        Relation::Unblock => social.unblock(viewer, &username).await?,
    }
    Ok(back_to(
        form.next.as_deref(),
        &format!("/u/{}", path_segment(&username)),
    ))
}

pub async fn follow(
    State(state): State<AppState>,
    ctx: RequestCtx,
    Path(username): Path<String>,
    CsrfForm(form): CsrfForm<RelationForm>,
) -> Result<Response, AppError> {
    relate(state, ctx, username, form, Relation::Follow).await
}

pub async fn unfollow(
    State(state): State<AppState>,
    ctx: RequestCtx,
    Path(username): Path<String>,
    CsrfForm(form): CsrfForm<RelationForm>,
) -> Result<Response, AppError> {
    relate(state, ctx, username, form, Relation::Unfollow).await
}

pub async fn block(
    State(state): State<AppState>,
    ctx: RequestCtx,
    Path(username): Path<String>,
    CsrfForm(form): CsrfForm<RelationForm>,
) -> Result<Response, AppError> {
    relate(state, ctx, username, form, Relation::Block).await
}

pub async fn unblock(
    State(state): State<AppState>,
    ctx: RequestCtx,
    Path(username): Path<String>,
    CsrfForm(form): CsrfForm<RelationForm>,
) -> Result<Response, AppError> {
    relate(state, ctx, username, form, Relation::Unblock).await
}
