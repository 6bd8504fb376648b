//! Demo product tags, so the first feed a newcomer sees is shoppable: shops tag their own products in
//! their posts, creators tag the shops that made them partners, shoppers tag what they received, and
//! shops feature most of those shopper posts with the shoppers' consent.

use crate::demo::mix;
use crate::demo_shops::SHOPS;
use souk_domain::Locale;
use souk_domain::commerce::ProductStatus;
use souk_service::Services;
use souk_service::accounts::Viewer;
use souk_service::catalog::StatusFilter;
use souk_service::social::PostView;
use souk_service::tags::TagInput;
use souk_service::ugc::Decision;

/// Creators and the shop that lists them as tag partners.
const PARTNERS: &[(&str, &str)] = &[
    ("mina_kim", "seoul-stitch"),
    ("olivia_knits", "seoul-stitch"),
    ("lin_wei", "chaye-tea"),
    ("wang_jiahui", "formosa-ceramics"),
    ("alex_rivera", "brooklyn-kicks"),
    ("jisoo_runs", "brooklyn-kicks"),
    ("olivia_knits", "alma-ceramics"),
];

/// A spot on the photo's middle band, where the drawn subject usually is.
fn spot(seed: u64, k: u64) -> (f64, f64) {
    let s = mix(seed, k);
    let x = 0.2 + (s % 600) as f64 / 1000.0;
    let y = 0.35 + ((s >> 16) % 400) as f64 / 1000.0;
    (x, y)
}

async fn posts_of(services: &Services, v: &Viewer) -> anyhow::Result<Vec<PostView>> {
    Ok(services
        .social
        .user_posts(Some(v), &v.username, None, Some(50))
        .await?
        .items
        .into_iter()
        .filter(|p| !p.images.is_empty() && p.post.repost_of.is_none())
        .collect())
}

async fn products_of(services: &Services, v: &Viewer, handle: &str) -> anyhow::Result<Vec<i64>> {
    Ok(services
        .catalog
        .shop_products(
            Some(v),
            handle,
            StatusFilter::Only(ProductStatus::Active),
            None,
            Some(50),
        )
        .await?
        .items
        .into_iter()
        .map(|p| p.product.id)
        .collect())
}

async fn place(
    services: &Services,
    v: &Viewer,
    post: &PostView,
    products: &[i64],
    count: usize,
) -> anyhow::Result<usize> {
    let mut placed = 0;
    for k in 0..count.min(products.len()) {
        let product = products[(post.post.id as usize + k) % products.len()];
        let (x, y) = spot(post.post.id as u64, k as u64);
        let image = i32::try_from(k % post.images.len()).unwrap_or(0);
        services
            .tags
            .add(
                v,
                post.post.id,
                TagInput {
                    image,
                    x,
                    y,
                    product_id: product,
                    variant_id: None,
                },
            )
            .await?;
        placed += 1;
    }
    Ok(placed)
}

pub async fn load(services: &Services, created: &[(Viewer, Locale)]) -> anyhow::Result<usize> {
    let find = |name: &str| {
        created
            .iter()
            .find(|(v, _)| v.username == name)
            .map(|(v, _)| v)
    };
    let mut placed = 0;
    // Shops tag their own products: every post gets one tag, every third a second one.
    for shop in SHOPS {
        let Some(owner) = find(shop.owner) else {
            continue;
        };
        let products = products_of(services, owner, shop.handle).await?;
        for (k, post) in posts_of(services, owner).await?.iter().enumerate() {
            let count = if k % 3 == 0 { 2 } else { 1 };
            placed += place(services, owner, post, &products, count).await?;
        }
    }
    // Creators tag their partner shops in most of their posts.
    for (creator, handle) in PARTNERS {
        let (Some(v), Some(shop)) = (find(creator), SHOPS.iter().find(|s| s.handle == *handle))
        else {
            continue;
        };
        let Some(owner) = find(shop.owner) else {
            continue;
        };
        services.tags.add_partner(owner, handle, creator).await?;
        let products = products_of(services, owner, handle).await?;
        for (k, post) in posts_of(services, v).await?.iter().enumerate() {
            if k % 4 != 3 {
                placed += place(services, v, post, &products, 1).await?;
            }
        }
    }
    // Shoppers tag what they bought and received, on their newest post; the shop asks to feature most
    // of those posts, and the shopper agrees (one request is left open, so its author has one to answer).
    let mut asked = 0usize;
    for (v, _) in created {
        let bought: Vec<i64> = services
            .tags
            .taggable(v, "")
            .await?
            .into_iter()
            .filter(|t| t.reason == "bought")
            .map(|t| t.product_id)
            .collect();
        if bought.is_empty() {
            continue;
        }
        let Some(post) = posts_of(services, v).await?.into_iter().next() else {
            continue;
        };
        if !post.tags.is_empty() {
            continue;
        }
        placed += place(services, v, &post, &bought, 1).await?;
        let tagged = services.tags.list(Some(v), post.post.id).await?;
        let Some(shop) = tagged
            .first()
            .and_then(|t| SHOPS.iter().find(|s| s.handle == t.shop_handle))
        else {
            continue;
        };
        let Some(owner) = find(shop.owner) else {
            continue;
        };
        let request = services
            .ugc
            .request(owner, shop.handle, post.post.id, "")
            .await?;
        if asked % 4 != 3 {
            services
                .ugc
                .decide(v, request.feature.id, Decision::Approve)
                .await?;
        }
        asked += 1;
    }
    Ok(placed)
}
