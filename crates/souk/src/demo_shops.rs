//! Demo shops: five branded shops in USD, EUR, CNY, TWD and KRW with about sixty products, their variants
//! and drawn photos, shipping regions, and orders in several states. Loaded by `souk demo` after the demo
//! accounts; a shop that already exists is left exactly as it is.

use crate::demo_images::Motif;

pub(crate) struct DemoShop {
    pub owner: &'static str,
    pub handle: &'static str,
    pub name: &'static str,
    pub currency: &'static str,
    pub description: &'static str,
    pub return_policy: &'static str,
    pub accent: &'static str,
    pub background: &'static str,
    pub font: &'static str,
    pub motif: Motif,
    /// (region name, countries, tax in basis points, flat shipping as a decimal, free over as a decimal)
    pub region: (
        &'static str,
        &'static [&'static str],
        i64,
        &'static str,
        &'static str,
    ),
    pub collections: &'static [(&'static str, &'static str)],
    pub products: &'static [DemoProduct],
}

pub(crate) struct DemoProduct {
    pub title: &'static str,
    pub description: &'static str,
    pub price: &'static str,
    pub compare_at: Option<&'static str>,
    pub product_type: &'static str,
    /// Option axes and their values; variants are every combination.
    pub axes: &'static [(&'static str, &'static [&'static str])],
    /// Which of the shop's collections (by index) list this product.
    pub collection: usize,
}

const SIZES: &[&str] = &["S", "M", "L"];

pub(crate) const SHOPS: &[DemoShop] = &[
    DemoShop {
        owner: "brooklyn_kicks",
        handle: "brooklyn-kicks",
        name: "Brooklyn Kicks",
        currency: "USD",
        description: "Deadstock and everyday sneakers from a corner store in Bushwick. Every pair checked by hand.",
        return_policy: "Unworn pairs can be returned within 30 days. We pay return shipping inside the US.",
        accent: "#c2410c",
        background: "#fffaf5",
        font: "system",
        motif: Motif::Sneakers,
        region: ("United States", &["US"], 887, "8.00", "120.00"),
        collections: &[("New drops", "new"), ("Everyday", "everyday")],
        products: &[
            DemoProduct {
                title: "Court Classic Low",
                description: "Leather low-top with a gum sole. Runs true to size.",
                price: "89.00",
                compare_at: Some("110.00"),
                product_type: "Sneakers",
                axes: &[
                    ("Colour", &["White", "Black"]),
                    ("Size", &["8", "9", "10", "11"]),
                ],
                collection: 0,
            },
            DemoProduct {
                title: "Runner 2 Mesh",
                description: "Breathable mesh runner for long city walks.",
                price: "120.00",
                compare_at: None,
                product_type: "Sneakers",
                axes: &[("Size", &["8", "9", "10", "11"])],
                collection: 0,
            },
            DemoProduct {
                title: "Canvas High-Top",
                description: "The classic canvas high-top, double-stitched.",
                price: "65.00",
                compare_at: None,
                product_type: "Sneakers",
                axes: &[("Colour", &["Red", "Navy"]), ("Size", &["8", "9", "10"])],
                collection: 1,
            },
            DemoProduct {
                title: "Trail Hiker",
                description: "Grippy outsole and a water-resistant upper.",
                price: "145.00",
                compare_at: Some("160.00"),
                product_type: "Boots",
                axes: &[("Size", &["9", "10", "11"])],
                collection: 1,
            },
            DemoProduct {
                title: "Crew Socks, 3 pack",
                description: "Cushioned cotton crew socks.",
                price: "18.00",
                compare_at: None,
                product_type: "Socks",
                axes: &[("Size", SIZES)],
                collection: 1,
            },
            DemoProduct {
                title: "Sneaker Care Kit",
                description: "Cleaner, brush and cloth. Works on leather, suede and mesh.",
                price: "24.00",
                compare_at: None,
                product_type: "Care",
                axes: &[],
                collection: 1,
            },
            DemoProduct {
                title: "Skate Pro Suede",
                description: "Suede upper with a reinforced toe cap.",
                price: "79.00",
                compare_at: None,
                product_type: "Sneakers",
                axes: &[("Size", &["8", "9", "10", "11"])],
                collection: 0,
            },
            DemoProduct {
                title: "Retro Basketball Mid",
                description: "A 1985 silhouette, reissued in full-grain leather.",
                price: "150.00",
                compare_at: None,
                product_type: "Sneakers",
                axes: &[("Size", &["9", "10", "11"])],
                collection: 0,
            },
            DemoProduct {
                title: "Laces, Waxed Cotton",
                description: "Round waxed laces, 120 cm.",
                price: "9.00",
                compare_at: None,
                product_type: "Accessories",
                axes: &[("Colour", &["Black", "White", "Tan"])],
                collection: 1,
            },
            DemoProduct {
                title: "Slip-On Checker",
                description: "Easy on, easy off, with a padded collar.",
                price: "55.00",
                compare_at: Some("60.00"),
                product_type: "Sneakers",
                axes: &[("Size", &["8", "9", "10"])],
                collection: 1,
            },
            DemoProduct {
                title: "Shoe Tree, Cedar",
                description: "Keeps shape and absorbs moisture.",
                price: "29.00",
                compare_at: None,
                product_type: "Care",
                axes: &[("Size", &["S/M", "L/XL"])],
                collection: 1,
            },
            DemoProduct {
                title: "Tote Bag",
                description: "Heavy canvas tote with our logo.",
                price: "20.00",
                compare_at: None,
                product_type: "Accessories",
                axes: &[],
                collection: 1,
            },
        ],
    },
    DemoShop {
        owner: "alma_ceramics",
        handle: "alma-ceramics",
        name: "Alma Ceramics",
        currency: "EUR",
        description: "Small-batch stoneware thrown and glazed in our Lisbon studio. Dishwasher safe.",
        return_policy: "Returns within 14 days in the EU. Breakage in transit is replaced free.",
        accent: "#1d4e89",
        background: "#f7f4ef",
        font: "serif",
        motif: Motif::Ceramics,
        region: (
            "European Union",
            &["PT", "ES", "FR", "DE", "IT", "NL", "BE", "AT", "IE"],
            2300,
            "6.50",
            "80.00",
        ),
        collections: &[("Tableware", "table"), ("Gifts", "gifts")],
        products: &[
            DemoProduct {
                title: "Speckled Mug",
                description: "350 ml mug with a speckled oatmeal glaze.",
                price: "24.00",
                compare_at: None,
                product_type: "Mugs",
                axes: &[("Glaze", &["Oatmeal", "Ocean", "Charcoal"])],
                collection: 0,
            },
            DemoProduct {
                title: "Dinner Plate",
                description: "27 cm dinner plate, slightly irregular rim.",
                price: "32.00",
                compare_at: None,
                product_type: "Plates",
                axes: &[("Glaze", &["Oatmeal", "Ocean"])],
                collection: 0,
            },
            DemoProduct {
                title: "Breakfast Bowl",
                description: "A deep bowl for cereal, ramen or salad.",
                price: "22.00",
                compare_at: None,
                product_type: "Bowls",
                axes: &[("Glaze", &["Oatmeal", "Ocean", "Charcoal"])],
                collection: 0,
            },
            DemoProduct {
                title: "Pour-Over Dripper",
                description: "Fits standard #2 filters.",
                price: "38.00",
                compare_at: Some("45.00"),
                product_type: "Coffee",
                axes: &[],
                collection: 1,
            },
            DemoProduct {
                title: "Bud Vase Trio",
                description: "Three small vases for single stems.",
                price: "48.00",
                compare_at: None,
                product_type: "Vases",
                axes: &[],
                collection: 1,
            },
            DemoProduct {
                title: "Serving Platter",
                description: "Oval platter, 38 cm.",
                price: "64.00",
                compare_at: None,
                product_type: "Plates",
                axes: &[("Glaze", &["Oatmeal", "Charcoal"])],
                collection: 0,
            },
            DemoProduct {
                title: "Espresso Cups, pair",
                description: "Two 90 ml cups with saucers.",
                price: "36.00",
                compare_at: None,
                product_type: "Mugs",
                axes: &[],
                collection: 1,
            },
            DemoProduct {
                title: "Olive Oil Cruet",
                description: "Drip-free spout, 250 ml.",
                price: "29.00",
                compare_at: None,
                product_type: "Kitchen",
                axes: &[],
                collection: 1,
            },
            DemoProduct {
                title: "Planter with Saucer",
                description: "For small herbs on a sunny sill.",
                price: "34.00",
                compare_at: None,
                product_type: "Planters",
                axes: &[("Size", &["S", "M"])],
                collection: 1,
            },
            DemoProduct {
                title: "Side Plate",
                description: "20 cm side plate.",
                price: "18.00",
                compare_at: None,
                product_type: "Plates",
                axes: &[("Glaze", &["Oatmeal", "Ocean", "Charcoal"])],
                collection: 0,
            },
            DemoProduct {
                title: "Incense Holder",
                description: "A small glazed dish with a hole for sticks.",
                price: "14.00",
                compare_at: None,
                product_type: "Home",
                axes: &[],
                collection: 1,
            },
            DemoProduct {
                title: "Studio Seconds Box",
                description: "Five pieces with small flaws, chosen by us.",
                price: "55.00",
                compare_at: Some("90.00"),
                product_type: "Bundles",
                axes: &[],
                collection: 1,
            },
        ],
    },
    DemoShop {
        owner: "chaye_tea",
        handle: "chaye-tea",
        name: "茶也 Chaye Tea",
        currency: "CNY",
        description: "云南古树普洱与滇红，产地直发。每一饼都附冲泡建议。",
        return_policy: "未拆封商品 7 天无理由退货。",
        accent: "#2f6b3a",
        background: "#fbfaf3",
        font: "serif",
        motif: Motif::Tea,
        region: ("中国大陆", &["CN"], 0, "10.00", "199.00"),
        collections: &[("普洱", "puer"), ("茶器与礼盒", "gifts")],
        products: &[
            DemoProduct {
                title: "古树普洱生茶 2019",
                description: "布朗山古树，357 克一饼，回甘持久。",
                price: "368.00",
                compare_at: Some("428.00"),
                product_type: "普洱",
                axes: &[("规格", &["357g 饼", "100g 体验装"])],
                collection: 0,
            },
            DemoProduct {
                title: "宫廷普洱熟茶",
                description: "金芽熟普，汤色红浓，适合日常。",
                price: "128.00",
                compare_at: None,
                product_type: "普洱",
                axes: &[("规格", &["200g", "500g"])],
                collection: 0,
            },
            DemoProduct {
                title: "滇红金芽",
                description: "蜜香浓郁的云南红茶。",
                price: "98.00",
                compare_at: None,
                product_type: "红茶",
                axes: &[("规格", &["100g", "250g"])],
                collection: 0,
            },
            DemoProduct {
                title: "月光白",
                description: "白茶工艺的普洱，清甜花香。",
                price: "158.00",
                compare_at: None,
                product_type: "白茶",
                axes: &[],
                collection: 0,
            },
            DemoProduct {
                title: "小青柑",
                description: "新会青柑配宫廷熟普，单颗独立包装。",
                price: "88.00",
                compare_at: Some("108.00"),
                product_type: "普洱",
                axes: &[("规格", &["10 颗", "30 颗"])],
                collection: 0,
            },
            DemoProduct {
                title: "白瓷盖碗",
                description: "150 毫升，薄胎不烫手。",
                price: "68.00",
                compare_at: None,
                product_type: "茶器",
                axes: &[],
                collection: 1,
            },
            DemoProduct {
                title: "公道杯",
                description: "高硼硅玻璃，带滤网。",
                price: "45.00",
                compare_at: None,
                product_type: "茶器",
                axes: &[],
                collection: 1,
            },
            DemoProduct {
                title: "竹制茶盘",
                description: "储水式，适合两到四人。",
                price: "199.00",
                compare_at: None,
                product_type: "茶器",
                axes: &[],
                collection: 1,
            },
            DemoProduct {
                title: "春节茶礼盒",
                description: "生茶、熟茶、滇红各一，附手写贺卡。",
                price: "298.00",
                compare_at: None,
                product_type: "礼盒",
                axes: &[],
                collection: 1,
            },
            DemoProduct {
                title: "普洱茶刀",
                description: "不锈钢茶针，撬饼不碎。",
                price: "25.00",
                compare_at: None,
                product_type: "茶器",
                axes: &[],
                collection: 1,
            },
            DemoProduct {
                title: "旅行茶具套装",
                description: "一壶两杯，收纳包随身带。",
                price: "139.00",
                compare_at: Some("169.00"),
                product_type: "茶器",
                axes: &[("颜色", &["米白", "墨绿"])],
                collection: 1,
            },
            DemoProduct {
                title: "冰岛古树生茶",
                description: "冰岛老寨，每年限量。",
                price: "880.00",
                compare_at: None,
                product_type: "普洱",
                axes: &[],
                collection: 0,
            },
        ],
    },
    DemoShop {
        owner: "formosa_ceramics",
        handle: "formosa-ceramics",
        name: "福爾摩沙陶坊",
        currency: "TWD",
        description: "鶯歌手拉坯茶器與餐具，每件都不一樣。",
        return_policy: "收到商品 7 天內可退換，手作紋理差異不在退換範圍。",
        accent: "#8a3b12",
        background: "#fdf8f2",
        font: "serif",
        motif: Motif::Ceramics,
        region: ("台灣", &["TW"], 500, "80", "1500"),
        collections: &[("茶器", "tea"), ("餐具", "table")],
        products: &[
            DemoProduct {
                title: "柴燒小茶壺",
                description: "容量 180 毫升，出水順暢。",
                price: "2800",
                compare_at: None,
                product_type: "茶壺",
                axes: &[],
                collection: 0,
            },
            DemoProduct {
                title: "青瓷品茗杯",
                description: "薄胎青瓷，一組兩入。",
                price: "680",
                compare_at: Some("800"),
                product_type: "茶杯",
                axes: &[("釉色", &["青瓷", "月白"])],
                collection: 0,
            },
            DemoProduct {
                title: "手拉坯飯碗",
                description: "直徑 12 公分，適合日常。",
                price: "450",
                compare_at: None,
                product_type: "碗",
                axes: &[("釉色", &["灰釉", "天目", "粉引"])],
                collection: 1,
            },
            DemoProduct {
                title: "天目茶碗",
                description: "油滴天目，光下閃爍。",
                price: "3200",
                compare_at: None,
                product_type: "茶碗",
                axes: &[],
                collection: 0,
            },
            DemoProduct {
                title: "陶製濾網",
                description: "免濾紙的陶瓷濾網。",
                price: "520",
                compare_at: None,
                product_type: "茶器",
                axes: &[],
                collection: 0,
            },
            DemoProduct {
                title: "八吋圓盤",
                description: "餐桌上的主角。",
                price: "880",
                compare_at: None,
                product_type: "盤",
                axes: &[("釉色", &["灰釉", "粉引"])],
                collection: 1,
            },
            DemoProduct {
                title: "筷架 五入",
                description: "小魚造型筷架。",
                price: "350",
                compare_at: None,
                product_type: "餐具",
                axes: &[],
                collection: 1,
            },
            DemoProduct {
                title: "花器 一輪插",
                description: "單枝花器，高 15 公分。",
                price: "760",
                compare_at: None,
                product_type: "花器",
                axes: &[],
                collection: 1,
            },
            DemoProduct {
                title: "茶海",
                description: "附把手，容量 250 毫升。",
                price: "980",
                compare_at: None,
                product_type: "茶器",
                axes: &[],
                collection: 0,
            },
            DemoProduct {
                title: "醬料小碟 三入",
                description: "直徑 8 公分。",
                price: "390",
                compare_at: Some("450"),
                product_type: "盤",
                axes: &[],
                collection: 1,
            },
            DemoProduct {
                title: "旅行茶組",
                description: "一壺兩杯加收納布包。",
                price: "1880",
                compare_at: None,
                product_type: "茶器",
                axes: &[],
                collection: 0,
            },
            DemoProduct {
                title: "馬克杯",
                description: "350 毫升，適合咖啡或奶茶。",
                price: "620",
                compare_at: None,
                product_type: "杯",
                axes: &[("釉色", &["灰釉", "天目"])],
                collection: 1,
            },
        ],
    },
    DemoShop {
        owner: "seoul_stitch",
        handle: "seoul-stitch",
        name: "서울스티치 Seoul Stitch",
        currency: "KRW",
        description: "성수동 니트 공방. 매주 금요일 신상 오픈!",
        return_policy: "수령 후 7일 이내 교환·반품 가능 (착용 흔적이 없는 경우).",
        accent: "#7c3aed",
        background: "#ffffff",
        font: "rounded",
        motif: Motif::Knitwear,
        region: ("대한민국", &["KR"], 1000, "3000", "50000"),
        collections: &[("니트", "knit"), ("소품", "acc")],
        products: &[
            DemoProduct {
                title: "캐시미어 라운드 니트",
                description: "부드러운 캐시미어 30%, 오버핏.",
                price: "89000",
                compare_at: Some("119000"),
                product_type: "니트",
                axes: &[("색상", &["아이보리", "차콜", "버건디"]), ("사이즈", SIZES)],
                collection: 0,
            },
            DemoProduct {
                title: "꽈배기 가디건",
                description: "도톰한 케이블 짜임 가디건.",
                price: "79000",
                compare_at: None,
                product_type: "가디건",
                axes: &[("색상", &["크림", "네이비"]), ("사이즈", SIZES)],
                collection: 0,
            },
            DemoProduct {
                title: "울 비니",
                description: "메리노 울 100%.",
                price: "25000",
                compare_at: None,
                product_type: "모자",
                axes: &[("색상", &["블랙", "오트밀", "레드"])],
                collection: 1,
            },
            DemoProduct {
                title: "니트 머플러",
                description: "180cm 롱 머플러.",
                price: "39000",
                compare_at: None,
                product_type: "머플러",
                axes: &[("색상", &["그레이", "카멜"])],
                collection: 1,
            },
            DemoProduct {
                title: "터틀넥 스웨터",
                description: "목까지 따뜻한 기본 터틀넥.",
                price: "69000",
                compare_at: None,
                product_type: "니트",
                axes: &[("사이즈", SIZES)],
                collection: 0,
            },
            DemoProduct {
                title: "니트 베스트",
                description: "셔츠 위에 레이어드하기 좋아요.",
                price: "49000",
                compare_at: Some("59000"),
                product_type: "베스트",
                axes: &[("사이즈", SIZES)],
                collection: 0,
            },
            DemoProduct {
                title: "손뜨개 장갑",
                description: "터치스크린 가능한 손끝.",
                price: "22000",
                compare_at: None,
                product_type: "장갑",
                axes: &[],
                collection: 1,
            },
            DemoProduct {
                title: "니트 원피스",
                description: "무릎 아래 길이의 슬림핏 원피스.",
                price: "99000",
                compare_at: None,
                product_type: "원피스",
                axes: &[("사이즈", SIZES)],
                collection: 0,
            },
            DemoProduct {
                title: "양말 3종 세트",
                description: "울 혼방 겨울 양말.",
                price: "15000",
                compare_at: None,
                product_type: "양말",
                axes: &[],
                collection: 1,
            },
            DemoProduct {
                title: "니트 파우치",
                description: "작은 소지품 정리용.",
                price: "18000",
                compare_at: None,
                product_type: "파우치",
                axes: &[("색상", &["핑크", "민트"])],
                collection: 1,
            },
            DemoProduct {
                title: "울 케어 세제",
                description: "니트 전용 중성 세제 500ml.",
                price: "12000",
                compare_at: None,
                product_type: "케어",
                axes: &[],
                collection: 1,
            },
            DemoProduct {
                title: "뜨개 키트 (초급)",
                description: "실, 바늘, 영상 강의 포함.",
                price: "35000",
                compare_at: None,
                product_type: "키트",
                axes: &[],
                collection: 1,
            },
        ],
    },
];

use souk_domain::Locale;
use souk_service::Viewer;
use souk_service::cart::Shopper;
use souk_service::catalog::{CollectionInput, PriceInput, ProductInput, VariantInput};
use souk_service::checkout::{
    AddressIn, CheckoutCommand, MoneyIn, PaymentChoice, RateInput, RegionInput,
};
use souk_service::refunds::RefundCommand;
use souk_service::shops::{BrandingPatch, OpenShop, ShopPatch};
use souk_service::social::Upload;
use souk_service::{ServiceError, Services};

/// What the shop part of the demo created.
#[derive(Debug, Default)]
pub struct ShopReport {
    pub shops: usize,
    pub products: usize,
    pub orders: usize,
}

fn mix(a: u64, b: u64) -> u64 {
    let mut x = a.wrapping_mul(0x9E37_79B9_7F4A_7C15) ^ b.wrapping_add(0x632B_E59B_D9B4_E019);
    x ^= x >> 31;
    x = x.wrapping_mul(0xBF58_476D_1CE4_E5B9);
    x ^ (x >> 29)
}

fn price(text: &str) -> PriceInput {
    PriceInput::Text(text.to_owned())
}

/// Every combination of the axes' values, in axis order.
fn combinations(axes: &[(&str, &[&str])]) -> Vec<Vec<String>> {
    let mut out: Vec<Vec<String>> = vec![Vec::new()];
    for (_, values) in axes {
        out = out
            .into_iter()
            .flat_map(|prefix| {
                values.iter().map(move |v| {
                    let mut p = prefix.clone();
                    p.push((*v).to_owned());
                    p
                })
            })
            .collect();
    }
    out
}

/// A shipping address in the shop's own region, so checkout finds a rate.
fn address_for(shop: &DemoShop, buyer: &str) -> AddressIn {
    let (line1, city, postal_code) = match shop.region.1.first().copied().unwrap_or("US") {
        "KR" => ("성수이로 20", "서울", "04783"),
        "CN" => ("南京西路 1266 号", "上海", "200040"),
        "TW" => ("忠孝東路四段 100 號", "台北", "106"),
        "PT" => ("Rua Augusta 24", "Lisboa", "1100-053"),
        _ => ("350 Fifth Avenue", "New York", "10118"),
    };
    AddressIn {
        name: buyer.to_owned(),
        line1: line1.to_owned(),
        city: city.to_owned(),
        postal_code: postal_code.to_owned(),
        country: shop.region.1.first().copied().unwrap_or("US").to_owned(),
        ..AddressIn::default()
    }
}

/// How a demo order ends up, so the order lists and the dashboard show every state.
#[derive(Clone, Copy)]
enum Outcome {
    Delivered,
    Fulfilled,
    Paid,
    AwaitingTransfer,
    PartlyRefunded,
    Cancelled,
}

const OUTCOMES: &[Outcome] = &[
    Outcome::Delivered,
    Outcome::Delivered,
    Outcome::Fulfilled,
    Outcome::PartlyRefunded,
    Outcome::Paid,
    Outcome::Delivered,
    Outcome::AwaitingTransfer,
    Outcome::Cancelled,
];

/// Opens the demo shops for the owners among `created` (accounts this run created), fills their
/// catalogs, and places orders from the other demo accounts. Shops that exist already are skipped.
pub async fn load(services: &Services, created: &[(Viewer, Locale)]) -> anyhow::Result<ShopReport> {
    let mut report = ShopReport::default();
    let buyers: Vec<&Viewer> = created
        .iter()
        .map(|(v, _)| v)
        .filter(|v| !SHOPS.iter().any(|s| s.owner == v.username))
        .collect();
    for (n, shop) in SHOPS.iter().enumerate() {
        let Some((owner, _)) = created.iter().find(|(v, _)| v.username == shop.owner) else {
            continue;
        };
        let opened = services
            .shops
            .open(
                owner,
                OpenShop {
                    handle: shop.handle.into(),
                    name: shop.name.into(),
                    currency: shop.currency.into(),
                    settings: ShopPatch {
                        description: Some(shop.description.into()),
                        return_policy: Some(shop.return_policy.into()),
                        contact_email: Some(format!("{}@demo.souk.test", shop.owner)),
                        ..ShopPatch::default()
                    },
                },
            )
            .await;
        match opened {
            Ok(_) => report.shops += 1,
            Err(ServiceError::Conflict(_)) => continue,
            Err(e) => return Err(anyhow::anyhow!("demo shop {}: {e:?}", shop.handle)),
        }
        let seed = mix(n as u64, 0x5_0b);
        let logo = crate::demo::photo(seed, shop.motif, 320, 320);
        let cover = crate::demo::photo(seed ^ 1, shop.motif, 960, 480);
        services
            .shops
            .upload_branding_image(owner, shop.handle, false, Some(logo))
            .await?;
        services
            .shops
            .upload_branding_image(owner, shop.handle, true, Some(cover))
            .await?;
        services
            .shops
            .edit_branding(
                owner,
                shop.handle,
                BrandingPatch {
                    accent_color: Some(shop.accent.into()),
                    background_color: Some(shop.background.into()),
                    font: Some(shop.font.into()),
                    featured: None,
                },
            )
            .await?;
        let (region_name, countries, tax_bps, flat, free_over) = shop.region;
        let money = |text: &str| -> anyhow::Result<MoneyIn> {
            let currency =
                souk_domain::Currency::parse(shop.currency).map_err(|e| anyhow::anyhow!("{e}"))?;
            let m = souk_domain::Money::parse(text, currency, "amount")
                .map_err(|e| anyhow::anyhow!("{e}"))?;
            Ok(MoneyIn {
                amount_minor: m.amount_minor,
                currency: shop.currency.into(),
            })
        };
        services
            .checkout
            .add_region(
                owner,
                shop.handle,
                &RegionInput {
                    name: region_name.into(),
                    countries: countries.iter().map(|c| (*c).to_owned()).collect(),
                    tax_bps,
                    rates: vec![RateInput {
                        name: match shop.currency {
                            "KRW" => "택배",
                            "CNY" => "顺丰快递",
                            "TWD" => "宅配",
                            _ => "Standard",
                        }
                        .into(),
                        kind: "flat".into(),
                        amount: money(flat)?,
                        min_grams: None,
                        max_grams: None,
                        free_over: Some(money(free_over)?),
                    }],
                },
            )
            .await?;
        // Products, each with drawn photos; a few variants run low so the dashboard has a low-stock list.
        let mut by_collection: Vec<Vec<i64>> = vec![Vec::new(); shop.collections.len()];
        let mut first_variants = Vec::new();
        for (k, p) in shop.products.iter().enumerate() {
            let pseed = mix(seed, k as u64);
            let variants: Vec<VariantInput> = combinations(p.axes)
                .into_iter()
                .enumerate()
                .map(|(i, values)| VariantInput {
                    sku: Some(format!(
                        "{}-{:02}-{:02}",
                        shop.handle
                            .split('-')
                            .next()
                            .unwrap_or("sku")
                            .to_uppercase(),
                        k + 1,
                        i + 1
                    )),
                    options: Some(values),
                    stock: Some(Some(
                        (mix(pseed, i as u64) % 40) as i64 + if k % 5 == 4 { 0 } else { 3 },
                    )),
                    ..VariantInput::default()
                })
                .collect();
            let input = ProductInput {
                title: Some(p.title.into()),
                description: Some(p.description.into()),
                price: Some(price(p.price)),
                compare_at_price: p.compare_at.map(|c| Some(price(c))),
                status: Some("active".into()),
                brand: Some(shop.name.into()),
                product_type: Some(p.product_type.into()),
                options: Some(p.axes.iter().map(|(name, _)| (*name).to_owned()).collect()),
                variants: if p.axes.is_empty() {
                    None
                } else {
                    Some(variants)
                },
                stock: if p.axes.is_empty() {
                    Some(Some((pseed % 30) as i64 + 2))
                } else {
                    None
                },
                weight_grams: Some(300 + (pseed % 900) as i64),
                ..ProductInput::default()
            };
            let product = services
                .catalog
                .create_product(owner, shop.handle, input)
                .await?;
            // A second photo on every third product: enough to show the carousel without slowing the demo.
            let photos = if k % 3 == 0 { 2 } else { 1 };
            let uploads = (0..photos)
                .map(|i| Upload {
                    image: crate::demo::photo(pseed.wrapping_add(i as u64), shop.motif, 640, 640),
                    alt_text: format!("{} ({})", p.title, i + 1),
                })
                .collect();
            services
                .catalog
                .add_images(owner, product.product.id, uploads)
                .await?;
            if let Some(list) = by_collection.get_mut(p.collection) {
                list.push(product.product.id);
            }
            if let Some(v) = product.variants.first() {
                first_variants.push(v.record.id);
            }
            report.products += 1;
        }
        let mut featured = Vec::new();
        for ((title, _), ids) in shop.collections.iter().zip(by_collection) {
            let c = services
                .catalog
                .create_collection(
                    owner,
                    shop.handle,
                    CollectionInput {
                        title: Some((*title).into()),
                        kind: Some("manual".into()),
                        rules: None,
                        product_ids: Some(ids),
                    },
                )
                .await?;
            featured.push(c.id);
        }
        services
            .shops
            .edit_branding(
                owner,
                shop.handle,
                BrandingPatch {
                    featured: Some(featured),
                    ..BrandingPatch::default()
                },
            )
            .await?;
        services.shops.publish_branding(owner, shop.handle).await?;
        // Orders from other demo accounts, spread over the last two weeks.
        for (i, outcome) in OUTCOMES.iter().enumerate() {
            let Some(buyer) = buyers.get((n * 3 + i) % buyers.len().max(1)) else {
                break;
            };
            let Some(variant) = first_variants.get((i * 5 + n) % first_variants.len().max(1))
            else {
                break;
            };
            services
                .cart
                .add(Shopper::User(buyer.user_id), *variant, 1 + (i % 2) as i64)
                .await?;
            let payment = match outcome {
                Outcome::AwaitingTransfer | Outcome::Cancelled => PaymentChoice::Manual,
                _ => PaymentChoice::Test {
                    card_number: "4242424242424242".into(),
                },
            };
            let order = services
                .checkout_and_pay(
                    buyer,
                    &CheckoutCommand {
                        shop: shop.handle.into(),
                        address: address_for(shop, &buyer.display_name),
                        email: None,
                        shipping_rate_id: None,
                        payment,
                        expected_total: None,
                        buy_now: None,
                    },
                )
                .await?;
            let id = order.id;
            match outcome {
                Outcome::Delivered => {
                    services
                        .orders
                        .fulfil(
                            owner,
                            id,
                            &format!("DEMO{:06}", id * 7919 % 1_000_000),
                            "DHL",
                        )
                        .await?;
                    services.orders.deliver(owner, id).await?;
                }
                Outcome::Fulfilled => {
                    services
                        .orders
                        .fulfil(
                            owner,
                            id,
                            &format!("DEMO{:06}", id * 7919 % 1_000_000),
                            "UPS",
                        )
                        .await?;
                }
                Outcome::PartlyRefunded => {
                    let line = order.lines.first().map(|l| l.id);
                    if let Some(line) = line {
                        services
                            .refunds
                            .refund(
                                owner,
                                id,
                                RefundCommand {
                                    amount: None,
                                    lines: vec![(line, 1)],
                                    restock: true,
                                    reason: "Arrived damaged".into(),
                                },
                            )
                            .await?;
                    }
                }
                Outcome::Cancelled => {
                    services.orders.cancel(buyer, id).await?;
                }
                Outcome::Paid | Outcome::AwaitingTransfer => {}
            }
            // Spread orders over the past fortnight so the revenue chart has a shape.
            let days_ago = (mix(seed, i as u64) % 14) as i64;
            let shift =
                -(days_ago * 86_400 + (mix(seed, 100 + i as u64) % 36_000) as i64) * 1_000_000;
            let mut tx = services.db.begin().await?;
            souk_store::demo::backdate_order(tx.conn(), id, shift).await?;
            tx.commit().await?;
            report.orders += 1;
        }
    }
    Ok(report)
}
