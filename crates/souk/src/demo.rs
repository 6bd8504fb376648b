//! Demo data that makes a fresh install look alive: people and businesses in English, Chinese and Korean.
//! Loading is idempotent: what already exists is left exactly as it is.

use crate::demo_images::Motif;
use souk_domain::{Locale, Role, Timestamp};
use souk_service::accounts::{Account, SignUp};
use souk_service::media::{Drawing, ImageSource};
use souk_service::social::Upload;
use souk_service::{ServiceError, Services, Viewer};

/// Every demo account uses this password; it is printed after loading.
pub const DEMO_PASSWORD: &str = "souk-demo";

struct DemoAccount {
    username: &'static str,
    display_name: &'static str,
    kind: &'static str,
    locale: Locale,
    bio: &'static str,
}

const ACCOUNTS: &[DemoAccount] = &[
    DemoAccount {
        username: "demo",
        display_name: "Demo Shopper",
        kind: "personal",
        locale: Locale::En,
        bio: "Trying out Souk. Log in as me to look around.",
    },
    DemoAccount {
        username: "mina_kim",
        display_name: "김민아 Mina",
        kind: "creator",
        locale: Locale::Ko,
        bio: "서울 데일리룩 · 가성비 패션 꿀템 공유해요 ✨",
    },
    DemoAccount {
        username: "seoul_stitch",
        display_name: "서울스티치 Seoul Stitch",
        kind: "business",
        locale: Locale::Ko,
        bio: "성수동 니트 공방. 매주 금요일 신상 오픈!",
    },
    DemoAccount {
        username: "lin_wei",
        display_name: "林薇",
        kind: "creator",
        locale: Locale::ZhCn,
        bio: "上海 · 春季穿搭和护肤好物分享",
    },
    DemoAccount {
        username: "chaye_tea",
        display_name: "茶也 Chaye Tea",
        kind: "business",
        locale: Locale::ZhCn,
        bio: "云南古树普洱，产地直发。",
    },
    DemoAccount {
        username: "yating_chen",
        display_name: "陳雅婷",
        kind: "personal",
        locale: Locale::ZhTw,
        bio: "台北 · 咖啡、手作、週末市集",
    },
    DemoAccount {
        username: "formosa_ceramics",
        display_name: "福爾摩沙陶坊",
        kind: "business",
        locale: Locale::ZhTw,
        bio: "鶯歌手拉坯茶器，每件都不一樣。",
    },
    DemoAccount {
        username: "alma_ceramics",
        display_name: "Alma Ceramics",
        kind: "business",
        locale: Locale::En,
        bio: "Small-batch stoneware from Lisbon. Shipping worldwide.",
    },
    DemoAccount {
        username: "alex_rivera",
        display_name: "Alex Rivera",
        kind: "creator",
        locale: Locale::En,
        bio: "Home cook. I review kitchen gear so you don't have to.",
    },
    DemoAccount {
        username: "hana_bakery",
        display_name: "하나 베이커리 Hana Bakery",
        kind: "business",
        locale: Locale::Ko,
        bio: "연남동 동네 빵집 🥐 매일 아침 8시 오픈",
    },
    DemoAccount {
        username: "jisoo_runs",
        display_name: "박지수",
        kind: "creator",
        locale: Locale::Ko,
        bio: "러닝 크루 리더 · 운동화 리뷰",
    },
    DemoAccount {
        username: "minjun_lee",
        display_name: "이민준",
        kind: "personal",
        locale: Locale::Ko,
        bio: "카페 투어 중 ☕",
    },
    DemoAccount {
        username: "xiaoyu_coffee",
        display_name: "小雨咖啡 Xiaoyu Coffee",
        kind: "business",
        locale: Locale::ZhCn,
        bio: "成都 · 手冲与自家烘焙豆",
    },
    DemoAccount {
        username: "zhang_hao",
        display_name: "张浩",
        kind: "personal",
        locale: Locale::ZhCn,
        bio: "周末爱逛市集，喜欢拍城市夜景。",
    },
    DemoAccount {
        username: "mei_florals",
        display_name: "梅花坊 Mei Florals",
        kind: "business",
        locale: Locale::ZhTw,
        bio: "台中花藝工作室 · 客製花束、婚禮佈置",
    },
    DemoAccount {
        username: "wang_jiahui",
        display_name: "王嘉慧",
        kind: "creator",
        locale: Locale::ZhTw,
        bio: "美食記錄 · 在家也能做的台式料理",
    },
    DemoAccount {
        username: "olivia_knits",
        display_name: "Olivia Knits",
        kind: "creator",
        locale: Locale::En,
        bio: "Knitting patterns and cosy makes. New pattern every month.",
    },
    DemoAccount {
        username: "brooklyn_kicks",
        display_name: "Brooklyn Kicks",
        kind: "business",
        locale: Locale::En,
        bio: "Independent sneaker shop. Restocks every Thursday.",
    },
    DemoAccount {
        username: "sam_taylor",
        display_name: "Sam Taylor",
        kind: "personal",
        locale: Locale::En,
        bio: "City walks, good coffee, better company.",
    },
    DemoAccount {
        username: "kaito_tanaka",
        display_name: "Kaito",
        kind: "personal",
        locale: Locale::En,
        bio: "Tea nerd. Photos of whatever is in my cup.",
    },
];

/// What each account posts about: a picture motif and captions in the account's language.
/// Captions carry hashtags (CJK ones included) and mentions so tag pages and notifications fill up.
const POSTS: &[(&str, Motif, &[&str])] = &[
    (
        "mina_kim",
        Motif::Knitwear,
        &[
            "오늘의 데일리룩 🧶 @seoul_stitch 니트 너무 포근해요 #데일리룩 #니트 #가을코디",
            "가성비 최고 니트 찾았어요! 색감 실화인가요 #데일리룩 #ootd",
            "주말엔 편하게, 그래도 예쁘게 #주말룩 #니트",
            "성수동 카페 나들이 ☕ #성수동 #데일리룩",
            "겨울 준비 완료 ❄️ 여러분 최애 컬러는? #겨울코디 #ootd",
            "비 오는 날엔 포근한 니트가 최고 ☔ #데일리룩 #니트",
            "이번 주 코디 총정리! 어떤 게 제일 좋아요? #ootd #코디",
        ],
    ),
    (
        "seoul_stitch",
        Motif::Knitwear,
        &[
            "이번 주 금요일 신상 오픈! 울 100% 라운드넥 #니트 #신상 #성수동",
            "공방에서 한 땀 한 땀 ✂️ #핸드메이드 #니트",
            "@mina_kim 님 착용샷 감사해요 💛 #데일리룩",
            "컬러 5종 재입고 완료 #재입고 #니트",
            "니트 세탁법 꿀팁 🧺 울 전용 세제 필수! #니트 #꿀팁",
        ],
    ),
    (
        "lin_wei",
        Motif::Flowers,
        &[
            "春天就该穿得明亮一点 🌸 #春季穿搭 #ootd",
            "周末去花市，带回一整束好心情 #周末 #春季穿搭",
            "最近的护肤好物都在这张图里啦 #护肤 #好物分享",
            "上海的春天真的太短了 #上海 #春季穿搭",
            "通勤穿搭也可以很温柔 #春季穿搭 #通勤",
            "新买的花瓶，配一束郁金香 🌷 #好物分享",
        ],
    ),
    (
        "chaye_tea",
        Motif::Tea,
        &[
            "新茶到店：2024 古树普洱，回甘明显 #普洱 #茶 #好物分享",
            "一杯茶的时间，慢下来 🍵 #茶 #生活方式",
            "云南产地直发，每一饼都有批次编号 #普洱",
            "冬天适合熟普，暖胃 #茶 #冬天",
            "白茶、绿茶、普洱，你最爱哪一款？ #茶 #普洱",
            "茶山直播预告：周六下午三点 #茶",
        ],
    ),
    (
        "yating_chen",
        Motif::Coffee,
        &[
            "週末市集挖到寶 ☕ #週末市集 #咖啡",
            "台北巷弄小咖啡館，拿鐵拉花好療癒 #台北 #咖啡",
            "@formosa_ceramics 的杯子拿來喝咖啡剛剛好 #手作",
            "手作課初體驗，捏了一個歪歪的杯子 😆 #手作 #陶藝",
            "雨天的台北也很美 #台北",
        ],
    ),
    (
        "formosa_ceramics",
        Motif::Ceramics,
        &[
            "鶯歌手拉坯茶杯，每一只釉色都不同 #手作 #陶藝 #茶器",
            "窯燒出爐 🔥 這批青瓷特別漂亮 #陶藝",
            "客製刻字服務開放中 #手作 #禮物",
            "工作室日常 #陶藝 #鶯歌",
            "新品：霧面白瓷茶壺 #茶器 #手作",
        ],
    ),
    (
        "alma_ceramics",
        Motif::Ceramics,
        &[
            "Fresh out of the kiln: speckled stoneware bowls #ceramics #handmade",
            "Glaze tests for the spring collection. Which one wins? #ceramics #pottery",
            "Every mug is thrown by hand in our Lisbon studio #handmade #lisbon",
            "Restock Friday 9am CET — set your alarms #ceramics",
            "Behind the scenes: trimming 60 bowls in one afternoon #pottery #handmade",
            "Customer photo from @kaito_tanaka — thank you! #ceramics",
        ],
    ),
    (
        "alex_rivera",
        Motif::Food,
        &[
            "Weeknight ramen in 20 minutes. Recipe in the comments #homecooking #ramen",
            "Tested 5 chef's knives so you don't have to. Winner in the next post #kitchengear",
            "Sunday brunch, nothing fancy #homecooking #brunch",
            "Plated on @alma_ceramics — the colours pop #homecooking",
            "Cast iron care 101: season, wipe, repeat #kitchengear #homecooking",
            "Five-ingredient weeknight pasta #homecooking",
        ],
    ),
    (
        "hana_bakery",
        Motif::Food,
        &[
            "오늘 아침 갓 구운 크루아상 🥐 #연남동 #빵집 #크루아상",
            "주말 한정 무화과 캄파뉴 #빵스타그램",
            "단골 손님들께 감사의 마음을 담아 #빵집",
            "신메뉴 소금빵 출시! #소금빵 #빵스타그램",
            "크리스마스 슈톨렌 예약 시작 🎄 #빵집 #연남동",
            "오늘의 빵 라인업 🥖 #빵스타그램",
        ],
    ),
    (
        "jisoo_runs",
        Motif::Sneakers,
        &[
            "한강 10km 완주 🏃‍♀️ 새 러닝화 착화감 최고 #러닝 #운동화",
            "러닝화 3종 비교 리뷰 올렸어요 #러닝화 #리뷰",
            "새벽 러닝 크루 모집합니다 #러닝크루 #한강",
            "러닝 후 스트레칭 루틴 공유해요 #러닝 #운동",
            "가을 마라톤 D-30 🏅 #러닝",
        ],
    ),
    (
        "minjun_lee",
        Motif::Coffee,
        &[
            "성수동 카페 투어 3탄 ☕ #카페투어 #성수동",
            "@hana_bakery 소금빵이랑 아메리카노 조합 👍 #빵스타그램",
            "연남동 골목 산책 #카페투어",
        ],
    ),
    (
        "xiaoyu_coffee",
        Motif::Coffee,
        &[
            "本周单品：埃塞俄比亚 耶加雪菲，柑橘花香 #咖啡 #手冲",
            "自家烘焙，每周二、五新鲜出炉 #咖啡豆 #成都",
            "拉花练习第 100 天 ☕ #咖啡",
            "店里新来的手冲壶，颜值满分 #手冲 #好物分享",
            "冷萃上新，夏天就靠它了 #咖啡 #成都",
            "咖啡豆怎么保存？三个小技巧 #咖啡豆 #好物分享",
        ],
    ),
    (
        "zhang_hao",
        Motif::Street,
        &[
            "成都的傍晚，霓虹刚亮 #城市夜景 #成都",
            "周末市集随手拍 #周末",
            "下班路上的晚霞，值得停下来 #城市夜景",
            "成都的火锅和夜景，一个都不能少 #成都 #城市夜景",
        ],
    ),
    (
        "mei_florals",
        Motif::Flowers,
        &[
            "母親節花束預購開跑 💐 #花藝 #母親節",
            "婚禮佈置小角落 #婚禮 #花藝",
            "今日花材：芍藥與尤加利 #花藝 #台中",
            "客製花束歡迎私訊 #花束 #禮物",
            "乾燥花圈工作坊，名額剩 3 位 #花藝 #手作",
            "@yating_chen 謝謝你的支持 💐 #花束",
        ],
    ),
    (
        "wang_jiahui",
        Motif::Food,
        &[
            "三杯雞在家做超簡單！ #台式料理 #家常菜",
            "夜市滷味自己滷 #台式料理",
            "用 @formosa_ceramics 的盤子擺盤 #家常菜 #手作",
            "週末早午餐：蛋餅配豆漿 #早午餐",
            "滷肉飯的祕訣是紅蔥酥 #台式料理 #家常菜",
        ],
    ),
    (
        "olivia_knits",
        Motif::Knitwear,
        &[
            "New pattern: the Harbour cardigan. Sizes XS–4XL #knitting #knitwear",
            "Yarn haul from the wool festival #knitting #yarn",
            "Work in progress, sleeve number two #knitting #wip",
            "Cosy season is here #knitwear #handmade",
            "Finished object Friday! Harbour cardigan in oatmeal #knitting #knitwear",
            "Which colourway should I knit next? #yarn #knitting",
        ],
    ),
    (
        "brooklyn_kicks",
        Motif::Sneakers,
        &[
            "Thursday restock: retro runners in three colourways #sneakers #restock",
            "Staff pick of the week #sneakers",
            "Cleaning kit back in stock — keep them fresh #sneakers #sneakercare",
            "Shout-out to @jisoo_runs for the review! #running #sneakers",
            "Sneaker cleaning clinic this Saturday, bring your dirtiest pair #sneakercare",
            "Just landed: trail runners for the weekend #sneakers #running",
        ],
    ),
    (
        "sam_taylor",
        Motif::Street,
        &[
            "Golden hour over the bridge #citywalks #sunset",
            "Found a new favourite coffee spot #coffee #citywalks",
            "Rainy city, neon reflections #citywalks",
            "Sunday market haul #citywalks",
        ],
    ),
    (
        "kaito_tanaka",
        Motif::Tea,
        &[
            "Morning sencha, second steep is the best #tea",
            "Trying the puer from @chaye_tea — earthy and sweet #tea #puer",
            "Tea tasting flight this weekend #tea",
            "Gongfu session with a new gaiwan from @formosa_ceramics #tea",
        ],
    ),
    (
        "demo",
        Motif::Flowers,
        &["Hello Souk! My first post 👋 #hello"],
    ),
];

/// Comments in each language, picked by the commenter's locale.
fn comment_for(locale: Locale, n: usize) -> &'static str {
    const EN: &[&str] = &[
        "Love this! 😍",
        "Where can I get one?",
        "Saving this for later",
        "So good 👏",
        "Need this in my life",
    ];
    const ZH_CN: &[&str] = &[
        "太好看了！",
        "求链接 🙏",
        "已收藏",
        "好喜欢这个颜色",
        "种草了",
    ];
    const ZH_TW: &[&str] = &[
        "好美喔！",
        "請問哪裡買得到？",
        "已收藏 ❤️",
        "顏色好療癒",
        "被圈粉了",
    ];
    const KO: &[&str] = &[
        "너무 예뻐요! 😍",
        "정보 부탁드려요 🙏",
        "저장했어요",
        "색감 대박",
        "사고 싶어요",
    ];
    let list = match locale {
        Locale::En => EN,
        Locale::ZhCn => ZH_CN,
        Locale::ZhTw => ZH_TW,
        Locale::Ko => KO,
    };
    list[n % list.len()]
}

#[derive(Debug, Default)]
pub struct DemoReport {
    pub created: usize,
    pub existing: usize,
    pub posts: usize,
    pub shops: usize,
    pub products: usize,
    pub orders: usize,
    pub tags: usize,
}

/// A small deterministic mixer, so demo likes and follows look varied but are the same on every run.
pub(crate) fn mix(a: u64, b: u64) -> u64 {
    let mut x = a.wrapping_mul(0x9E37_79B9_7F4A_7C15) ^ b.wrapping_add(0x632B_E59B_D9B4_E019);
    x ^= x >> 31;
    x = x.wrapping_mul(0xBF58_476D_1CE4_E5B9);
    x ^ (x >> 29)
}

/// A demo photo: its row is written now and its pixels are drawn in the background (drawing is most of
/// the demo's work; see `souk_service::media::Drawing`).
pub(crate) fn photo(seed: u64, motif: Motif, width: u32, height: u32) -> ImageSource {
    Drawing::new(width, height, move || {
        crate::demo_images::draw(seed, motif, width, height)
    })
    .into()
}

fn as_viewer(account: &Account) -> Viewer {
    Viewer {
        user_id: account.profile.id,
        username: account.profile.username.clone(),
        display_name: account.profile.display_name.clone(),
        kind: account.profile.kind,
        role: account.role,
        locale: account.locale,
        token_id: 0,
        token_kind: souk_service::accounts::AuthTokenKind::Api,
    }
}

/// Loads the demo. Accounts that already exist are left alone, and posts, follows, likes and comments are
/// added only when the accounts are new, so a second run changes nothing.
pub async fn load(services: &Services) -> anyhow::Result<DemoReport> {
    let mut report = DemoReport::default();
    let mut created: Vec<(Viewer, Locale)> = Vec::new();
    for a in ACCOUNTS {
        let cmd = SignUp {
            username: a.username.into(),
            email: format!("{}@demo.souk.test", a.username),
            password: DEMO_PASSWORD.into(),
            kind: a.kind.into(),
            display_name: Some(a.display_name.into()),
            bio: Some(a.bio.into()),
            locale: Some(a.locale),
        };
        match services.accounts.create_user(cmd, Role::User).await {
            Ok(account) => {
                report.created += 1;
                created.push((as_viewer(&account), a.locale));
            }
            Err(ServiceError::Conflict(_)) => report.existing += 1,
            Err(e) => return Err(anyhow::anyhow!("demo account {}: {e:?}", a.username)),
        }
    }
    if created.is_empty() {
        return Ok(report);
    }
    let social = &services.social;
    // Follows: everyone follows a varied handful; `demo` follows most accounts so its home feed is full.
    for (i, (v, _)) in created.iter().enumerate() {
        for (j, (other, _)) in created.iter().enumerate() {
            let wanted = if v.username == "demo" {
                j % 4 != 3
            } else {
                mix(i as u64, j as u64).is_multiple_of(3)
            };
            if i != j && wanted {
                social.follow(v, &other.username).await?;
            }
        }
    }
    // Posts, oldest first, spread over the last two weeks.
    let mut plan: Vec<(&Viewer, Motif, &str, usize)> = Vec::new();
    for (account, motif, captions) in POSTS {
        if let Some((v, _)) = created.iter().find(|(v, _)| v.username == *account) {
            for (k, caption) in captions.iter().enumerate() {
                plan.push((v, *motif, caption, k));
            }
        }
    }
    plan.sort_by_key(|(v, _, _, k)| mix(v.user_id as u64, *k as u64) % 10_000);
    let now = Timestamp::now();
    let span = 14 * 86_400;
    let total = plan.len() as i64;
    let mut post_ids = Vec::new();
    for (n, (v, motif, caption, k)) in plan.iter().enumerate() {
        let seed = mix(v.user_id as u64, *k as u64);
        let tall = seed.is_multiple_of(3);
        let photos = 1 + (seed % 3) as usize;
        let uploads = (0..photos)
            .map(|p| Upload {
                image: photo(
                    seed.wrapping_add(p as u64),
                    *motif,
                    720,
                    if tall { 900 } else { 720 },
                ),
                alt_text: String::new(),
            })
            .collect();
        let at = now.plus_seconds(-span + span * (n as i64 + 1) / (total + 1));
        let post = social
            .publish_as_of(v, (*caption).to_owned(), String::new(), uploads, at)
            .await?;
        post_ids.push((post.post.id, v.user_id, at));
        report.posts += 1;
    }
    // Likes and comments from other demo accounts, in their own languages.
    for (n, (post_id, author, posted_at)) in post_ids.iter().enumerate() {
        let mut comments = 0;
        for (i, (v, locale)) in created.iter().enumerate() {
            if v.user_id == *author {
                continue;
            }
            let roll = mix(*post_id as u64, i as u64) % 100;
            if roll < 45 {
                social.mark(v, *post_id, true, true).await?;
            }
            if roll < 8 && comments < 3 {
                // Conversations follow the post by minutes to hours, never run ahead of now.
                // Later commenters come later, so conversation order and times agree.
                let after =
                    600 + comments * 3_600 + (mix(*post_id as u64, 7 + i as u64) % 3_000) as i64;
                let at = posted_at.plus_seconds(after).min(now);
                social
                    .add_comment_as_of(v, *post_id, comment_for(*locale, n + i), None, at)
                    .await?;
                comments += 1;
            }
            if roll == 99 {
                social.mark(v, *post_id, false, true).await?;
            }
        }
    }
    let shops = crate::demo_shops::load(services, &created).await?;
    crate::demo_reviews::load(services, &created).await?;
    report.tags = crate::demo_tags::load(services, &created).await?;
    report.shops = shops.shops;
    report.products = shops.products;
    report.orders = shops.orders;
    Ok(report)
}

pub fn login_hint(base_url: &str) -> String {
    format!(
        "Log in at {base_url}/login as `demo` with password `{DEMO_PASSWORD}` (every demo account, e.g. `mina_kim` or `lin_wei`, uses the same password)."
    )
}
