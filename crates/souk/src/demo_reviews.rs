//! Demo reviews: the demo buyers review what was delivered to them, in English, Chinese or Korean by
//! their language, some with drawn photos, and each shop answers its first review. Runs after the demo
//! shops and orders; lines already reviewed are skipped, so loading twice adds nothing.

use crate::demo_images::Motif;
use crate::demo_shops::SHOPS;
use souk_domain::{Locale, Timestamp};
use souk_service::reviews::ReviewInput;
use souk_service::social::Upload;
use souk_service::{Services, Viewer};
use std::collections::HashSet;

/// (rating, title, body, fit note) per language; chosen by review number.
type Text = (i64, &'static str, &'static str, &'static str);

const EN: &[Text] = &[
    (
        5,
        "Exactly as pictured",
        "Arrived quickly and well packed. The quality is better than I expected for the price.",
        "size M, usually wear S",
    ),
    (
        4,
        "Lovely, runs a little small",
        "Beautiful colour and feels solid. I would size up next time.",
        "true to size for me",
    ),
    (
        2,
        "Not for me",
        "Looks nice but the finish had a small mark. The shop answered quickly though.",
        "",
    ),
    (
        5,
        "Second one I bought",
        "Bought one for a friend after using mine for a month. Still looks new.",
        "",
    ),
];

const ZH_CN: &[Text] = &[
    (
        5,
        "和图片一模一样",
        "发货很快，包装仔细，做工比预期好，性价比很高。",
        "买了 M 码，平时穿 S 码",
    ),
    (
        4,
        "很喜欢，偏小一点",
        "颜色很正，质感不错，下次会买大一码。",
        "",
    ),
    (3, "还可以", "东西不错，就是物流慢了两天。", ""),
];

const ZH_TW: &[Text] = &[
    (
        5,
        "非常滿意",
        "包裝很用心，質感很好，已經推薦給朋友了。",
        "買了 M 號，平常穿 S 號",
    ),
    (4, "顏色很美", "實品比照片更好看，只是尺寸略小。", ""),
];

const KO: &[Text] = &[
    (
        5,
        "사진 그대로예요",
        "배송도 빠르고 포장도 꼼꼼했어요. 가격 대비 품질이 정말 좋아요.",
        "M 사이즈 구매, 평소 S 착용",
    ),
    (
        4,
        "예쁜데 조금 작아요",
        "색감이 정말 예뻐요. 다음엔 한 치수 크게 살게요.",
        "",
    ),
    (3, "무난해요", "나쁘지 않은데 마감이 조금 아쉬워요.", ""),
];

fn texts(locale: Locale) -> &'static [Text] {
    match locale {
        Locale::En => EN,
        Locale::ZhCn => ZH_CN,
        Locale::ZhTw => ZH_TW,
        Locale::Ko => KO,
    }
}

fn reply_for(locale: Locale) -> &'static str {
    match locale {
        Locale::En => "Thank you for the kind words! We are glad it arrived safely.",
        Locale::ZhCn => "感谢您的评价！很高兴商品安全送达。",
        Locale::ZhTw => "謝謝您的評價！很高興商品平安送達。",
        Locale::Ko => "소중한 리뷰 감사합니다! 안전하게 도착해서 다행이에요.",
    }
}

/// Writes the demo reviews; returns how many were written.
pub async fn load(services: &Services, created: &[(Viewer, Locale)]) -> anyhow::Result<usize> {
    let started = std::time::Instant::now();
    let mut written = 0usize;
    let mut answered: HashSet<String> = HashSet::new();
    let now = Timestamp::now();
    for (viewer, locale) in created {
        let lines = services.reviews.reviewable_lines(viewer, 0, 0).await?;
        for line in lines.into_iter().filter(|l| l.review_id.is_none()) {
            let pool = texts(*locale);
            let Some(&(rating, title, body, fit)) = pool.get(written % pool.len()) else {
                continue;
            };
            // Demo shops are opened in list order, so a shop's id picks its entry (and picture motif).
            let motif = SHOPS
                .get(usize::try_from(line.shop_id - 1).unwrap_or(0) % SHOPS.len())
                .map(|s| s.motif)
                .unwrap_or(Motif::Tea);
            // Every third review carries photos, drawn small so loading stays quick.
            let uploads = if written.is_multiple_of(3) {
                (0..1 + written % 2)
                    .map(|k| Upload {
                        image: crate::demo::photo(
                            line.line_id as u64 * 31 + k as u64,
                            motif,
                            480,
                            360,
                        ),
                        alt_text: String::new(),
                    })
                    .collect()
            } else {
                Vec::new()
            };
            let at = now.plus_seconds(-((written as i64 % 5) * 3_600 + 600));
            let review = services
                .reviews
                .create_as_of(
                    viewer,
                    line.product_id,
                    ReviewInput {
                        order_line_id: Some(line.line_id),
                        rating,
                        title: title.into(),
                        body: body.into(),
                        // A fit note only makes sense for clothes.
                        fit_note: if motif == Motif::Knitwear {
                            fit.into()
                        } else {
                            String::new()
                        },
                    },
                    uploads,
                    at,
                )
                .await?;
            written += 1;
            // The shop owner answers the first review of each shop.
            let handle = review.review.shop_handle.clone();
            if answered.insert(handle.clone())
                && let Some(shop) = SHOPS.iter().find(|s| s.handle == handle)
                && let Some((owner, owner_locale)) =
                    created.iter().find(|(v, _)| v.username == shop.owner)
            {
                services
                    .reviews
                    .reply(owner, review.review.id, reply_for(*owner_locale))
                    .await?;
            }
        }
    }
    tracing::info!(
        reviews = written,
        ms = started.elapsed().as_millis() as u64,
        "demo reviews written"
    );
    Ok(written)
}
