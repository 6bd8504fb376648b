//! Hot-read workloads for ADR 0005: the schema, data, SQL, the runner and CPU accounting.
//!
//! Three operations shaped like Souk's hottest paths:
//! (a) `session`: one row of 8 columns by primary key;
//! (b) `feed`: Souk's home-feed query (posts JOIN users, followed-or-own, visibility rule with a
//!     blocks subquery, newest first, 20 rows of 14 columns) followed by two lookups keyed by the
//!     20 post ids (images: 30 rows of 6 columns; product tags: 10 rows of 4 columns);
//! (c) `order`: a write transaction — guarded stock UPDATE, order INSERT … RETURNING, two ledger
//!     INSERTs, COMMIT.
//! Each is run sequentially from one task and from 16 concurrent tokio tasks.
use std::future::Future;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::Instant;

pub type BoxErr = Box<dyn std::error::Error + Send + Sync>;
pub type Res<T> = Result<T, BoxErr>;

pub const USERS: i64 = 1_000;
pub const POSTS: i64 = 20_000;
pub const SESSIONS: i64 = 10_000;
pub const STOCK_ROWS: i64 = 100;
pub const PAGE: i64 = 20;
pub const TASKS: usize = 16;
/// Connections per pool (Souk's default `max_connections`).
pub const POOL: usize = 16;

/// Operation counts per (workload, mode); overridable with `DB_SPIKE_SCALE` (a float factor).
pub fn ops(w: Workload) -> usize {
    let scale: f64 = std::env::var("DB_SPIKE_SCALE")
        .ok()
        .and_then(|s| s.parse().ok())
        .unwrap_or(1.0);
    let base = match w {
        Workload::Session => 40_000.0,
        Workload::Feed => 4_000.0,
        Workload::Order => 3_000.0,
    };
    ((base * scale) as usize).max(TASKS)
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Workload {
    Session,
    Feed,
    Order,
}

impl Workload {
    pub fn name(self) -> &'static str {
        match self {
            Workload::Session => "a session pk",
            Workload::Feed => "b feed page",
            Workload::Order => "c order tx",
        }
    }
}

// ---------------------------------------------------------------- SQL (shared text)

pub const SESSION_SQL: &str =
    "SELECT id, user_id, created_at, expires_at, last_seen_at, ip, user_agent, csrf \
     FROM sessions WHERE id = $1";

/// Souk's `posts::home` with its `SELECT` and `VISIBLE` fragments, `$1` viewer, `$2` before, `$3` limit.
pub const FEED_SQL: &str = "SELECT p.id, p.author_id, u.username, u.display_name, u.kind, u.avatar_key, p.caption, \
     p.location, p.repost_of, p.like_count, p.comment_count, p.share_count, p.save_count, p.created_at \
     FROM posts p JOIN users u ON u.id = p.author_id \
     WHERE (p.author_id = $1 OR EXISTS (SELECT 1 FROM follows f WHERE f.follower_id = $1 AND f.followee_id = p.author_id)) \
     AND p.id < $2 AND p.hidden_at IS NULL AND u.suspended_at IS NULL AND NOT EXISTS (SELECT 1 FROM blocks b \
     WHERE (b.blocker_id = p.author_id AND b.blocked_id = $1) OR (b.blocker_id = $1 AND b.blocked_id = p.author_id)) \
     ORDER BY p.id DESC LIMIT $3";

/// SQLite (and Souk on both engines today): an IN list of `$n` placeholders, built per list length.
pub fn images_sql_in(n: usize) -> String {
    format!(
        "SELECT post_id, position, media_key, width, height, alt_text FROM post_images \
         WHERE post_id IN ({}) ORDER BY post_id, position",
        crate::hot::placeholders(1, n)
    )
}
pub fn tags_sql_in(n: usize) -> String {
    format!(
        "SELECT post_id, product_id, x_pct, y_pct FROM post_tags WHERE post_id IN ({}) ORDER BY post_id",
        crate::hot::placeholders(1, n)
    )
}
/// PostgreSQL variants: one array parameter, so one statement text whatever the list length.
pub const IMAGES_SQL_ANY: &str =
    "SELECT post_id, position, media_key, width, height, alt_text FROM post_images \
     WHERE post_id = ANY($1) ORDER BY post_id, position";
pub const TAGS_SQL_ANY: &str =
    "SELECT post_id, product_id, x_pct, y_pct FROM post_tags WHERE post_id = ANY($1) ORDER BY post_id";

pub const STOCK_SQL: &str =
    "UPDATE stock SET quantity = quantity - $2 WHERE id = $1 AND quantity >= $2";
pub const ORDER_SQL: &str =
    "INSERT INTO orders (buyer_id, stock_id, quantity, amount_minor, currency, created_at) \
     VALUES ($1, $2, $3, $4, $5, $6) RETURNING id";
pub const LEDGER_SQL: &str =
    "INSERT INTO ledger (order_id, account, amount_minor, created_at) VALUES ($1, $2, $3, $4)";

pub fn placeholders(first: usize, n: usize) -> String {
    (first..first + n)
        .map(|i| format!("${i}"))
        .collect::<Vec<_>>()
        .join(", ")
}

// ---------------------------------------------------------------- rows

pub type SessionRow = (i64, i64, i64, i64, i64, String, String, String);
pub type PostRow = (
    i64,
    i64,
    String,
    String,
    String,
    Option<String>,
    String,
    String,
    Option<i64>,
    i64,
    i64,
    i64,
    i64,
    i64,
);
pub type ImageRow = (i64, i32, String, i32, i32, String);
pub type TagRow = (i64, i64, i32, i32);

#[derive(Default)]
pub struct FeedPage {
    pub posts: Vec<PostRow>,
    pub images: Vec<ImageRow>,
    pub tags: Vec<TagRow>,
}

/// Inputs of one order transaction.
pub struct OrderIn {
    pub buyer: i64,
    pub stock: i64,
    pub amount: i64,
    pub now: i64,
}

/// One access path. Futures are `Send` so 16 of them can be spawned on the runtime.
pub trait Backend: Clone + Send + Sync + 'static {
    fn session(&self, id: i64) -> impl Future<Output = Res<SessionRow>> + Send;
    fn feed(&self, viewer: i64, before: i64) -> impl Future<Output = Res<FeedPage>> + Send;
    fn order(&self, o: OrderIn) -> impl Future<Output = Res<i64>> + Send;
}

// ---------------------------------------------------------------- checks

pub fn check_session(r: &SessionRow, id: i64) {
    assert_eq!(r.0, id);
    assert_eq!(r.1, (id * 7) % USERS + 1);
    assert_eq!(r.7, format!("csrf-{id}"));
}

pub fn check_feed(p: &FeedPage, before: i64) {
    assert!(
        !p.posts.is_empty() && p.posts.len() <= PAGE as usize,
        "feed page of {}",
        p.posts.len()
    );
    assert!(p.posts.iter().all(|r| r.0 < before));
    assert!(
        p.posts.windows(2).all(|w| w[0].0 > w[1].0),
        "feed not newest first"
    );
    let want_images: usize = p
        .posts
        .iter()
        .map(|r| if r.0 % 2 == 0 { 2 } else { 1 })
        .sum();
    assert_eq!(p.images.len(), want_images, "images");
    let want_tags = p.posts.iter().filter(|r| r.0 % 2 == 1).count();
    assert_eq!(p.tags.len(), want_tags, "tags");
}

// ---------------------------------------------------------------- data (same formulas on both engines)

pub const DDL_SQLITE: &[&str] = &[
    "CREATE TABLE users (id INTEGER PRIMARY KEY, username TEXT NOT NULL, display_name TEXT NOT NULL, \
     kind TEXT NOT NULL, avatar_key TEXT, suspended_at BIGINT)",
    "CREATE TABLE sessions (id INTEGER PRIMARY KEY, user_id BIGINT NOT NULL, created_at BIGINT NOT NULL, \
     expires_at BIGINT NOT NULL, last_seen_at BIGINT NOT NULL, ip TEXT NOT NULL, user_agent TEXT NOT NULL, csrf TEXT NOT NULL)",
    "CREATE TABLE posts (id INTEGER PRIMARY KEY, author_id BIGINT NOT NULL, caption TEXT NOT NULL, location TEXT NOT NULL, \
     repost_of BIGINT, like_count BIGINT NOT NULL, comment_count BIGINT NOT NULL, share_count BIGINT NOT NULL, \
     save_count BIGINT NOT NULL, created_at BIGINT NOT NULL, hidden_at BIGINT)",
    "CREATE INDEX posts_author ON posts (author_id, id)",
    "CREATE TABLE follows (follower_id BIGINT NOT NULL, followee_id BIGINT NOT NULL, PRIMARY KEY (follower_id, followee_id))",
    "CREATE TABLE blocks (blocker_id BIGINT NOT NULL, blocked_id BIGINT NOT NULL, PRIMARY KEY (blocker_id, blocked_id))",
    "CREATE INDEX blocks_blocked ON blocks (blocked_id, blocker_id)",
    "CREATE TABLE post_images (post_id BIGINT NOT NULL, position INTEGER NOT NULL, media_key TEXT NOT NULL, \
     width INTEGER NOT NULL, height INTEGER NOT NULL, alt_text TEXT NOT NULL, PRIMARY KEY (post_id, position))",
    "CREATE TABLE post_tags (post_id BIGINT NOT NULL, product_id BIGINT NOT NULL, x_pct INTEGER NOT NULL, \
     y_pct INTEGER NOT NULL, PRIMARY KEY (post_id, product_id))",
    "CREATE TABLE stock (id INTEGER PRIMARY KEY, quantity BIGINT NOT NULL)",
    "CREATE TABLE orders (id INTEGER PRIMARY KEY, buyer_id BIGINT NOT NULL, stock_id BIGINT NOT NULL, \
     quantity BIGINT NOT NULL, amount_minor BIGINT NOT NULL, currency TEXT NOT NULL, created_at BIGINT NOT NULL)",
    "CREATE TABLE ledger (id INTEGER PRIMARY KEY, order_id BIGINT NOT NULL, account TEXT NOT NULL, \
     amount_minor BIGINT NOT NULL, created_at BIGINT NOT NULL)",
];

/// PostgreSQL DDL: the SQLite text with identity columns for the generated ids.
pub fn ddl_postgres() -> Vec<String> {
    DDL_SQLITE
        .iter()
        .map(|s| {
            let s = s.replace("id INTEGER PRIMARY KEY", "id BIGINT PRIMARY KEY");
            if s.starts_with("CREATE TABLE orders") || s.starts_with("CREATE TABLE ledger") {
                s.replacen(
                    "id BIGINT PRIMARY KEY",
                    "id BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY",
                    1,
                )
            } else {
                s
            }
        })
        .collect()
}

/// `INSERT … SELECT` statements filling the tables; `{S}` is replaced by an engine's row source for
/// integers `i` in 1..=N (`{N}` is part of each entry).
pub const FILL: &[(&str, i64)] = &[
    (
        "INSERT INTO users (id, username, display_name, kind, avatar_key, suspended_at) SELECT i, 'user' || i, \
         'User Number ' || i, CASE WHEN i % 10 = 0 THEN 'business' ELSE 'personal' END, \
         CASE WHEN i % 5 = 0 THEN NULL ELSE 'avatars/' || i || '.jpg' END, CASE WHEN i % 101 = 0 THEN 1 ELSE NULL END FROM {S}",
        USERS,
    ),
    (
        "INSERT INTO sessions (id, user_id, created_at, expires_at, last_seen_at, ip, user_agent, csrf) SELECT i, \
         (i * 7) % 1000 + 1, 1795000000000000 + i, 1796000000000000 + i, 1795500000000000 + i, '10.0.' || (i % 250) || '.1', \
         'Mozilla/5.0 (X11; Linux x86_64) Souk-bench/' || (i % 17), 'csrf-' || i FROM {S}",
        SESSIONS,
    ),
    (
        "INSERT INTO posts (id, author_id, caption, location, repost_of, like_count, comment_count, share_count, save_count, \
         created_at, hidden_at) SELECT i, (i * 7919) % 1000 + 1, 'A caption for post ' || i || ' with a few words #tag' || (i % 50), \
         CASE WHEN i % 3 = 0 THEN '' ELSE 'Seoul' END, CASE WHEN i % 11 = 0 THEN i - 1 ELSE NULL END, i % 500, i % 40, i % 7, i % 30, \
         1795000000000000 + i * 1000, CASE WHEN i % 97 = 0 THEN 1 ELSE NULL END FROM {S}",
        POSTS,
    ),
    // every user follows 200 others: followee k*5 + follower (mod 1000), k in 0..200, all distinct
    (
        "INSERT INTO follows (follower_id, followee_id) SELECT (i - 1) / 200 + 1, \
         (((i - 1) % 200) * 5 + (i - 1) / 200 + 1 + 1) % 1000 + 1 FROM {S}",
        USERS * 200,
    ),
    (
        "INSERT INTO blocks (blocker_id, blocked_id) SELECT i, (i * 13) % 1000 + 1 FROM {S} WHERE (i * 13) % 1000 + 1 <> i",
        USERS,
    ),
    (
        "INSERT INTO post_images (post_id, position, media_key, width, height, alt_text) SELECT i, 0, \
         'media/' || i || '/0.jpg', 1080, 1350, 'Photo of item ' || i FROM {S}",
        POSTS,
    ),
    (
        "INSERT INTO post_images (post_id, position, media_key, width, height, alt_text) SELECT i, 1, \
         'media/' || i || '/1.jpg', 1080, 1080, '' FROM {S} WHERE i % 2 = 0",
        POSTS,
    ),
    (
        "INSERT INTO post_tags (post_id, product_id, x_pct, y_pct) SELECT i, i * 3 + 1, i % 100, (i * 7) % 100 FROM {S} WHERE i % 2 = 1",
        POSTS,
    ),
    ("INSERT INTO stock (id, quantity) SELECT i, 1000000000000 FROM {S}", STOCK_ROWS),
];

pub fn series_sqlite(n: i64) -> String {
    format!("(WITH RECURSIVE s(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM s WHERE i < {n}) SELECT i FROM s) AS g")
}
pub fn series_postgres(n: i64) -> String {
    format!("generate_series(1, {n}) AS g(i)")
}

// ---------------------------------------------------------------- pseudo-random inputs

pub struct Rng(u64);
impl Rng {
    pub fn new(seed: u64) -> Rng {
        Rng(seed.wrapping_mul(0x9E37_79B9_7F4A_7C15) | 1)
    }
    pub fn below(&mut self, n: i64) -> i64 {
        self.0 ^= self.0 << 13;
        self.0 ^= self.0 >> 7;
        self.0 ^= self.0 << 17;
        (self.0 % n as u64) as i64
    }
}

// ---------------------------------------------------------------- CPU accounting

#[derive(Clone, Copy, Default)]
pub struct Cpu {
    pub user_us: u64,
    pub sys_us: u64,
    pub ctxsw: u64,
}

pub fn self_cpu() -> Cpu {
    // SAFETY: getrusage only writes into the zeroed struct we pass.
    let mut ru: libc::rusage = unsafe { std::mem::zeroed() };
    let rc = unsafe { libc::getrusage(libc::RUSAGE_SELF, &mut ru) };
    assert_eq!(rc, 0);
    let us = |t: libc::timeval| t.tv_sec as u64 * 1_000_000 + t.tv_usec as u64;
    Cpu {
        user_us: us(ru.ru_utime),
        sys_us: us(ru.ru_stime),
        ctxsw: (ru.ru_nvcsw + ru.ru_nivcsw) as u64,
    }
}

/// user+sys µs of every process named `postgres` (the server and all its backends, including any
/// other developer's sessions on this shared box), from `/proc/<pid>/stat`, in clock ticks.
pub fn postgres_cpu_us() -> u64 {
    let tick = unsafe { libc::sysconf(libc::_SC_CLK_TCK) } as u64;
    let mut total = 0;
    let Ok(dir) = std::fs::read_dir("/proc") else {
        return 0;
    };
    for e in dir.flatten() {
        let name = e.file_name();
        let Some(s) = name.to_str() else { continue };
        if !s.bytes().all(|b| b.is_ascii_digit()) {
            continue;
        }
        let Ok(stat) = std::fs::read_to_string(format!("/proc/{s}/stat")) else {
            continue;
        };
        let Some(open) = stat.find('(') else { continue };
        let Some(close) = stat.rfind(')') else {
            continue;
        };
        if &stat[open + 1..close] != "postgres" {
            continue;
        }
        let f: Vec<&str> = stat[close + 2..].split(' ').collect();
        // fields after the name start at field 3 (state); utime is field 14, stime 15
        let ut: u64 = f.get(11).and_then(|v| v.parse().ok()).unwrap_or(0);
        let st: u64 = f.get(12).and_then(|v| v.parse().ok()).unwrap_or(0);
        total += (ut + st) * 1_000_000 / tick;
    }
    total
}

/// Counter the rusqlite variant adds `SQLITE_STMTSTATUS_REPREPARE` deltas to.
pub static REPREPARES: AtomicU64 = AtomicU64::new(0);

pub struct Line {
    pub engine: &'static str,
    pub variant: String,
    pub workload: Workload,
    pub mode: &'static str,
    pub ops: usize,
    pub secs: f64,
    pub cpu_us: u64,
    pub sys_us: u64,
    pub pg_us: Option<u64>,
    pub ctxsw: u64,
    pub reprepares: u64,
}

impl Line {
    pub fn print_header() {
        println!(
            "{:<6} {:<26} {:<13} {:<4} {:>7} {:>9} {:>9} {:>8} {:>9} {:>9} {:>8} {:>8}",
            "engine",
            "variant",
            "workload",
            "mode",
            "ops",
            "ops/s",
            "cpu us/op",
            "sys %",
            "pg us/op",
            "total/op",
            "ctxsw/op",
            "reprep/op"
        );
    }
    pub fn print(&self) {
        let per = |v: u64| v as f64 / self.ops as f64;
        let pg = self
            .pg_us
            .map(|p| format!("{:.0}", per(p)))
            .unwrap_or_else(|| "-".into());
        println!(
            "{:<6} {:<26} {:<13} {:<4} {:>7} {:>9.0} {:>9.1} {:>7.0}% {:>9} {:>9.1} {:>8.2} {:>8.2}",
            self.engine,
            self.variant,
            self.workload.name(),
            self.mode,
            self.ops,
            self.ops as f64 / self.secs,
            per(self.cpu_us),
            100.0 * self.sys_us as f64 / self.cpu_us.max(1) as f64,
            pg,
            per(self.cpu_us + self.pg_us.unwrap_or(0)),
            per(self.ctxsw),
            per(self.reprepares),
        );
    }
}

async fn one<B: Backend>(b: &B, w: Workload, rng: &mut Rng, check: bool) -> Res<()> {
    match w {
        Workload::Session => {
            let id = rng.below(SESSIONS) + 1;
            let r = b.session(id).await?;
            if check {
                check_session(&r, id);
            }
        }
        Workload::Feed => {
            let viewer = rng.below(USERS) + 1;
            let before = POSTS / 2 + rng.below(POSTS / 2) + 1;
            let p = b.feed(viewer, before).await?;
            if check {
                check_feed(&p, before);
            }
        }
        Workload::Order => {
            let o = OrderIn {
                buyer: rng.below(USERS) + 1,
                stock: rng.below(STOCK_ROWS) + 1,
                amount: 100 + rng.below(10_000),
                now: 1_796_000_000_000_000 + rng.below(1_000_000),
            };
            let id = b.order(o).await?;
            assert!(id > 0);
        }
    }
    Ok(())
}

/// Runs `w` sequentially and then from `TASKS` tasks; a short checked warm-up comes first so every
/// connection has its statements prepared before timing starts.
pub async fn run_all<B: Backend>(
    engine: &'static str,
    variant: &str,
    b: &B,
    pg: bool,
    out: &mut Vec<Line>,
) -> Res<()> {
    for w in [Workload::Session, Workload::Feed, Workload::Order] {
        // warm-up: checked, from TASKS tasks so every pooled connection gets used
        let mut hs = Vec::new();
        for t in 0..TASKS {
            let b = b.clone();
            hs.push(tokio::spawn(async move {
                let mut rng = Rng::new(1000 + t as u64);
                for _ in 0..10 {
                    one(&b, w, &mut rng, true).await?;
                }
                Ok::<_, BoxErr>(())
            }));
        }
        for h in hs {
            h.await??;
        }
        for mode in ["seq", "c16"] {
            let n = ops(w);
            REPREPARES.store(0, Ordering::Relaxed);
            let c0 = self_cpu();
            let p0 = if pg { postgres_cpu_us() } else { 0 };
            let t0 = Instant::now();
            if mode == "seq" {
                let mut rng = Rng::new(7);
                for _ in 0..n {
                    one(b, w, &mut rng, false).await?;
                }
            } else {
                let mut hs = Vec::new();
                for t in 0..TASKS {
                    let b = b.clone();
                    hs.push(tokio::spawn(async move {
                        let mut rng = Rng::new(100 + t as u64);
                        for _ in 0..n / TASKS {
                            one(&b, w, &mut rng, false).await?;
                        }
                        Ok::<_, BoxErr>(())
                    }));
                }
                for h in hs {
                    h.await??;
                }
            }
            let secs = t0.elapsed().as_secs_f64();
            let c1 = self_cpu();
            let p1 = if pg { postgres_cpu_us() } else { 0 };
            let n = if mode == "seq" { n } else { n / TASKS * TASKS };
            let line = Line {
                engine,
                variant: variant.to_string(),
                workload: w,
                mode,
                ops: n,
                secs,
                cpu_us: (c1.user_us + c1.sys_us) - (c0.user_us + c0.sys_us),
                sys_us: c1.sys_us - c0.sys_us,
                pg_us: pg.then(|| p1.saturating_sub(p0)),
                ctxsw: c1.ctxsw - c0.ctxsw,
                reprepares: REPREPARES.load(Ordering::Relaxed),
            };
            line.print();
            out.push(line);
        }
    }
    Ok(())
}
