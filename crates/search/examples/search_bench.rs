//! Search benchmark (run by `bench/search.sh`): generates products in English, simplified and
//! traditional Chinese, Korean and mixed text, builds an on-disk index of them, and times a fixed list of
//! queries with facets the way `GET /api/v1/search` runs them. The baseline is a linear scan with
//! `str::contains` over the same folded text (what a search without an index would do), timed on the
//! same queries in the same run.
//!
//! `cargo run --release -p souk-search --example search_bench -- [PRODUCTS] [ROUNDS]`

#![allow(clippy::unwrap_used, clippy::expect_used)]

use souk_search::analysis::fold;
use souk_search::{
    Document, IndexLocation, Kind, ProductDoc, ProductFilters, SearchIndex, SearchRequest,
    TantivyIndex,
};
use std::time::{Duration, Instant};

/// A small deterministic generator (xorshift64*), so every run indexes the same catalogue.
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 >> 12;
        self.0 ^= self.0 << 25;
        self.0 ^= self.0 >> 27;
        self.0.wrapping_mul(0x2545_F491_4F6C_DD1D)
    }

    fn below(&mut self, n: usize) -> usize {
        (self.next() % n as u64) as usize
    }

    fn pick<'a>(&mut self, list: &[&'a str]) -> &'a str {
        list[self.below(list.len())]
    }
}

const EN_ADJ: &[&str] = &[
    "linen",
    "cotton",
    "silk",
    "wool",
    "vintage",
    "organic",
    "hydrating",
    "summer",
    "winter",
    "oversized",
    "slim",
    "classic",
    "floral",
    "striped",
    "waterproof",
    "lightweight",
    "leather",
    "denim",
    "cashmere",
    "handmade",
    "minimal",
    "soft",
    "bright",
    "gentle",
    "daily",
];
const EN_NOUN: &[&str] = &[
    "dress",
    "serum",
    "jacket",
    "scarf",
    "sneakers",
    "tote bag",
    "moisturizer",
    "cleanser",
    "t-shirt",
    "hoodie",
    "jeans",
    "sunscreen",
    "lipstick",
    "backpack",
    "sandals",
    "candle",
    "mug",
    "notebook",
    "headphones",
    "watch",
    "skirt",
    "blazer",
    "toner",
    "face mask",
    "perfume",
];
const ZH_HANS: &[&str] = &[
    "夏季",
    "连衣裙",
    "护肤",
    "精华液",
    "保湿",
    "面霜",
    "外套",
    "牛仔裤",
    "运动鞋",
    "手提包",
    "防晒霜",
    "口红",
    "卫衣",
    "围巾",
    "真丝",
    "纯棉",
    "新款",
    "韩版",
    "宽松",
    "修身",
    "补水",
    "洗面奶",
    "香水",
    "耳机",
    "手表",
];
const ZH_HANT: &[&str] = &[
    "夏季",
    "連衣裙",
    "護膚",
    "精華液",
    "保濕",
    "面霜",
    "外套",
    "牛仔褲",
    "運動鞋",
    "手提包",
    "防曬霜",
    "口紅",
    "衛衣",
    "圍巾",
    "真絲",
    "純棉",
    "新款",
    "韓版",
    "寬鬆",
    "修身",
    "補水",
    "洗面乳",
    "香水",
    "耳機",
    "手錶",
];
const KO: &[&str] = &[
    "비타민세럼",
    "수분크림",
    "원피스",
    "여름",
    "린넨셔츠",
    "가죽가방",
    "선크림",
    "립스틱",
    "후드티",
    "청바지",
    "스니커즈",
    "스카프",
    "토너",
    "마스크팩",
    "향수",
    "니트",
    "코트",
    "블라우스",
    "클렌저",
    "에센스",
];
const BRANDS: &[&str] = &[
    "Souk Basics",
    "Mina Studio",
    "Lin Wei",
    "Seoul Skin",
    "台北設計",
    "上海工坊",
    "Nordic Home",
];
const CURRENCIES: &[(&str, i64)] = &[("USD", 100), ("CNY", 700), ("TWD", 3_000), ("KRW", 1_300)];

fn words(rng: &mut Rng, list: &[&str], n: usize, sep: &str) -> String {
    (0..n).map(|_| rng.pick(list)).collect::<Vec<_>>().join(sep)
}

/// One product; the language mix is roughly a third English, a third Chinese (half of it traditional),
/// a fifth Korean and the rest mixed.
fn product(rng: &mut Rng, id: i64) -> ProductDoc {
    let (title, description) = match rng.below(10) {
        0..=2 => (
            format!("{} {}", words(rng, EN_ADJ, 2, " "), rng.pick(EN_NOUN)),
            words(rng, EN_ADJ, 6, " ") + " " + &words(rng, EN_NOUN, 6, " "),
        ),
        3 | 4 => (words(rng, ZH_HANS, 3, ""), words(rng, ZH_HANS, 12, "")),
        5 | 6 => (words(rng, ZH_HANT, 3, ""), words(rng, ZH_HANT, 12, "")),
        7 | 8 => (words(rng, KO, 2, " "), words(rng, KO, 8, " ")),
        _ => (
            format!(
                "{} {} {}",
                rng.pick(EN_ADJ),
                rng.pick(ZH_HANS),
                rng.pick(KO)
            ),
            format!(
                "{} {} {}",
                words(rng, EN_NOUN, 3, " "),
                words(rng, ZH_HANT, 4, ""),
                words(rng, KO, 2, " ")
            ),
        ),
    };
    let (currency, scale) = CURRENCIES[rng.below(CURRENCIES.len())];
    let shop = rng.below(200) as i64 + 1;
    ProductDoc {
        id,
        shop_id: shop,
        shop_handle: format!("shop-{shop}"),
        shop_name: format!("Shop {shop}"),
        title,
        description,
        brand: rng.pick(BRANDS).to_owned(),
        tags: vec![rng.pick(EN_ADJ).to_owned(), rng.pick(ZH_HANS).to_owned()],
        product_type: rng.pick(EN_NOUN).to_owned(),
        price_minor: (rng.below(300) as i64 + 5) * scale,
        currency: currency.to_owned(),
        rating: (rng.below(50) as f64) / 10.0,
        in_stock: rng.below(5) > 0,
    }
}

const QUERIES: &[&str] = &[
    "serum",
    "dress",
    "linen dress",
    "moisturizr",
    "cashmere scarf",
    "hydratng",
    "tote bag",
    "护肤",
    "護膚",
    "连衣裙",
    "連衣裙",
    "精华液",
    "牛仔裤",
    "防曬霜",
    "真丝 围巾",
    "세럼",
    "원피스",
    "수분크림",
    "비타민",
    "summer 连衣裙",
    "silk 스카프",
    "Souk Basics",
];

fn percentile(sorted: &[Duration], p: f64) -> f64 {
    let i = ((sorted.len() as f64 - 1.0) * p).round() as usize;
    sorted[i.min(sorted.len() - 1)].as_secs_f64() * 1000.0
}

fn dir_size(path: &std::path::Path) -> u64 {
    std::fs::read_dir(path)
        .map(|rd| {
            rd.flatten()
                .map(|e| {
                    let m = e.metadata().ok();
                    match m {
                        Some(m) if m.is_dir() => dir_size(&e.path()),
                        Some(m) => m.len(),
                        None => 0,
                    }
                })
                .sum()
        })
        .unwrap_or(0)
}

fn main() {
    let mut args = std::env::args().skip(1);
    let n: i64 = args.next().and_then(|a| a.parse().ok()).unwrap_or(100_000);
    let rounds: usize = args.next().and_then(|a| a.parse().ok()).unwrap_or(20);
    let threads = std::thread::available_parallelism()
        .map(|n| n.get())
        .unwrap_or(1);

    let mut rng = Rng(0x5eed_50c0_0001);
    let docs: Vec<ProductDoc> = (1..=n).map(|id| product(&mut rng, id)).collect();
    let dir = tempfile::tempdir().expect("temp dir");
    let index = TantivyIndex::open_with(
        &IndexLocation::Dir(dir.path().to_path_buf()),
        threads,
        128 << 20,
    )
    .expect("index opens");

    let started = Instant::now();
    for chunk in docs.chunks(1_000) {
        let batch: Vec<Document> = chunk.iter().cloned().map(Document::Product).collect();
        index.upsert(&batch).expect("upsert");
    }
    index.commit(Some("{\"since\":0}")).expect("commit");
    let build = started.elapsed();
    println!(
        "index: {n} products in {:.1} s = {:.0} products/s ({threads} writer threads, {:.0} MiB on disk)",
        build.as_secs_f64(),
        n as f64 / build.as_secs_f64(),
        dir_size(dir.path()) as f64 / (1024.0 * 1024.0)
    );

    // Warm up (page cache, jieba's dictionary), then time.
    let request = |q: &str| SearchRequest {
        kind: Kind::Product,
        text: q.to_owned(),
        filters: ProductFilters::default(),
        offset: 0,
        limit: 24,
        facets: true,
    };
    let mut hits = Vec::new();
    for q in QUERIES {
        hits.push((q, index.search(&request(q)).expect("search").total));
    }
    let mut times = Vec::new();
    for _ in 0..rounds {
        for q in QUERIES {
            let t = Instant::now();
            let r = index.search(&request(q)).expect("search");
            times.push(t.elapsed());
            std::hint::black_box(r);
        }
    }
    times.sort();
    let (p50, p99) = (percentile(&times, 0.50), percentile(&times, 0.99));
    println!(
        "search (top 24 with facets): {} queries, p50 {p50:.2} ms, p99 {p99:.2} ms",
        times.len()
    );
    let filtered = SearchRequest {
        filters: ProductFilters {
            currency: Some("USD".into()),
            price_min: Some(2_500),
            price_max: Some(10_000),
            in_stock: Some(true),
            ..ProductFilters::default()
        },
        ..request("dress")
    };
    let mut ftimes: Vec<Duration> = (0..rounds * 5)
        .map(|_| {
            let t = Instant::now();
            std::hint::black_box(index.search(&filtered).expect("search"));
            t.elapsed()
        })
        .collect();
    ftimes.sort();
    println!(
        "search \"dress\" with price and stock filters: p50 {:.2} ms, p99 {:.2} ms",
        percentile(&ftimes, 0.5),
        percentile(&ftimes, 0.99)
    );

    // Baseline: every product's folded text scanned for the folded query, no index.
    let texts: Vec<String> = docs
        .iter()
        .map(|d| {
            fold(&format!(
                "{} {} {} {}",
                d.title,
                d.description,
                d.brand,
                d.tags.join(" ")
            ))
        })
        .collect();
    let mut scan = Vec::new();
    for _ in 0..rounds.div_ceil(4) {
        for q in QUERIES {
            let t = Instant::now();
            let needle = fold(q);
            let found = texts.iter().filter(|t| t.contains(needle.as_str())).count();
            std::hint::black_box(found);
            scan.push(t.elapsed());
        }
    }
    scan.sort();
    let (s50, s99) = (percentile(&scan, 0.5), percentile(&scan, 0.99));
    println!(
        "baseline linear scan (substring, no typos or segmentation): p50 {s50:.2} ms, p99 {s99:.2} ms; index p50 is {:.1}x faster",
        s50 / p50.max(1e-9)
    );
    println!("matches per query:");
    for (q, total) in hits {
        println!("  {q:<16} {total}");
    }
}
