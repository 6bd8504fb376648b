//! Reputation alerts: watches a shop's feedback and warns its owner and staff when negative signals spike.
//!
//! # Signals
//! - **Reviews** of the shop's products (visible ones): 1–2 stars negative, 3 neutral, 4–5 positive.
//! - **Comments** on posts written by the shop's owner or staff, by anyone else: sentiment of the text.
//! - **Mentions** of the owner's `@username` in posts and comments by anyone outside the shop: sentiment
//!   of the text. A comment that is both (a mention on a staff post) counts once.
//!
//! Sentiment comes from a [`Sentiment`] implementation (the built-in multilingual lexicon by default; see
//! `souk_domain::sentiment`), so a model can replace it without touching the rule.
//!
//! # The rule
//! With `now` the time of the check, the **window** is the last `window_hours` (default 24) and the
//! **baseline** the `baseline_days` (default 30) before the window. A share is negative signals ÷ all
//! signals, in whole basis points rounded down (10000 = 100 %). An alert fires when all of these hold:
//! 1. alerts are enabled for the shop;
//! 2. the window has at least `min_signals` signals (default 5);
//! 3. the window's negative share is at least `min_negative_bp` (default 3000 = 30 %);
//! 4. the window's negative share is at least `ratio_bp` (default 20000 = 2.0×) times the baseline share,
//!    where the baseline share is taken as at least [`BASELINE_FLOOR_BP`] (5 %) so a quiet or spotless
//!    month does not make every small dip look infinite;
//! 5. no alert fired in the last `cooldown_hours` (default 24).
//!
//! All comparisons are integer arithmetic in basis points, so SQLite and PostgreSQL decide alike. Firing
//! inserts a `reputation_alerts` row and notifies every owner and staff member (`reputation_alert`, actor =
//! the owner, subject = the alert). The cooldown is claimed with a conditional update in the same
//! transaction, so concurrent checks (two nodes, or the button beside the scheduled job) fire once, and a
//! rerun of the job is a no-op.
//!
//! A check reads at most [`SIGNAL_CAP`] rows per source; beyond that a shop's oldest baseline signals are
//! left out, which only makes the baseline more recent.

use crate::jobs::{EnqueueOptions, JobHandler, Jobs};
use crate::shops::{ShopRef, require_staff};
use crate::{ServiceError, ServiceResult, Viewer};
use futures_util::future::BoxFuture;
use souk_domain::sentiment::{LexiconSentiment, Polarity, Sentiment};
use souk_domain::{FieldError, Timestamp};
use souk_store::notifications::{self, NewNotification};
use souk_store::reputation::{self, AlertRecord, SettingsRow};
use souk_store::{Conn, Db};
use std::collections::HashSet;
use std::sync::Arc;

/// The job kind of one shop's check.
pub const JOB_CHECK: &str = "reputation.check";
/// The least baseline share the ratio is applied to (5 %).
pub const BASELINE_FLOOR_BP: i64 = 500;
/// Most rows read per signal source in one check.
pub const SIGNAL_CAP: i64 = 20_000;
/// Days the trend chart covers.
pub const TREND_DAYS: i64 = 30;
/// Most items listed as driving the current window.
const DRIVERS_MAX: usize = 50;
const ALERTS_LISTED: i64 = 20;
const HOUR_US: i64 = 3_600_000_000;
const DAY_US: i64 = 24 * HOUR_US;

/// A shop's thresholds (see the module documentation for how they combine).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Settings {
    pub enabled: bool,
    pub window_hours: i64,
    pub baseline_days: i64,
    pub ratio_bp: i64,
    pub min_negative_bp: i64,
    pub min_signals: i64,
    pub cooldown_hours: i64,
}

/// Same numbers as the column defaults in migration 0010.
impl Default for Settings {
    fn default() -> Self {
        Self {
            enabled: true,
            window_hours: 24,
            baseline_days: 30,
            ratio_bp: 20_000,
            min_negative_bp: 3_000,
            min_signals: 5,
            cooldown_hours: 24,
        }
    }
}

/// Allowed ranges: (field, code, min, max). The same bounds are CHECK constraints in the migration.
pub const LIMITS: [(&str, &str, i64, i64); 6] = [
    ("window_hours", "window_hours_out_of_range", 1, 168),
    ("baseline_days", "baseline_days_out_of_range", 7, 90),
    ("ratio_bp", "ratio_out_of_range", 10_000, 100_000),
    (
        "min_negative_bp",
        "min_negative_share_out_of_range",
        100,
        10_000,
    ),
    ("min_signals", "min_signals_out_of_range", 1, 1000),
    ("cooldown_hours", "cooldown_hours_out_of_range", 1, 720),
];

impl Settings {
    fn from_row(r: &SettingsRow) -> Self {
        Self {
            enabled: r.enabled,
            window_hours: r.window_hours,
            baseline_days: r.baseline_days,
            ratio_bp: r.ratio_bp,
            min_negative_bp: r.min_negative_bp,
            min_signals: r.min_signals,
            cooldown_hours: r.cooldown_hours,
        }
    }

    fn value(&self, field: &str) -> i64 {
        match field {
            "window_hours" => self.window_hours,
            "baseline_days" => self.baseline_days,
            "ratio_bp" => self.ratio_bp,
            "min_negative_bp" => self.min_negative_bp,
            "min_signals" => self.min_signals,
            _ => self.cooldown_hours,
        }
    }

    /// Every out-of-range field, each with its own stable code.
    pub fn validate(&self) -> Result<(), Vec<FieldError>> {
        let errors: Vec<FieldError> = LIMITS
            .iter()
            .filter(|(f, _, lo, hi)| !(*lo..=*hi).contains(&self.value(f)))
            .map(|(f, code, lo, hi)| {
                FieldError::new(f, code, format!("Must be between {lo} and {hi}."))
            })
            .collect();
        if errors.is_empty() {
            Ok(())
        } else {
            Err(errors)
        }
    }
}

/// A settings change; `None` keeps the current value.
#[derive(Debug, Clone, Default)]
pub struct SettingsInput {
    pub enabled: Option<bool>,
    pub window_hours: Option<i64>,
    pub baseline_days: Option<i64>,
    pub ratio_bp: Option<i64>,
    pub min_negative_bp: Option<i64>,
    pub min_signals: Option<i64>,
    pub cooldown_hours: Option<i64>,
}

impl SettingsInput {
    fn apply(&self, s: Settings) -> Settings {
        Settings {
            enabled: self.enabled.unwrap_or(s.enabled),
            window_hours: self.window_hours.unwrap_or(s.window_hours),
            baseline_days: self.baseline_days.unwrap_or(s.baseline_days),
            ratio_bp: self.ratio_bp.unwrap_or(s.ratio_bp),
            min_negative_bp: self.min_negative_bp.unwrap_or(s.min_negative_bp),
            min_signals: self.min_signals.unwrap_or(s.min_signals),
            cooldown_hours: self.cooldown_hours.unwrap_or(s.cooldown_hours),
        }
    }
}

/// Reads a decimal such as `2`, `2.5` or `1.75` as basis points of one (`2.5` → 25000), for forms that show
/// ratios as "2.5×" and shares as percentages. At most two decimals for ratios; the caller scales.
pub fn parse_decimal_bp(raw: &str, field: &'static str) -> Result<i64, FieldError> {
    let bad = || FieldError::new(field, "number_invalid", "Enter a number such as 2 or 2.5.");
    let s = raw.trim();
    let (whole, frac) = s.split_once('.').unwrap_or((s, ""));
    if whole.is_empty() && frac.is_empty() {
        return Err(bad());
    }
    if !whole.bytes().all(|b| b.is_ascii_digit())
        || !frac.bytes().all(|b| b.is_ascii_digit())
        || frac.len() > 4
        || whole.len() > 6
    {
        return Err(bad());
    }
    let w: i64 = if whole.is_empty() {
        0
    } else {
        whole.parse().map_err(|_| bad())?
    };
    let f: i64 = if frac.is_empty() {
        0
    } else {
        format!("{frac:0<4}").parse().map_err(|_| bad())?
    };
    Ok(w * 10_000 + f)
}

/// Signals counted by polarity.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Counts {
    pub signals: i64,
    pub negative: i64,
    pub neutral: i64,
    pub positive: i64,
}

impl Counts {
    fn add(&mut self, p: Polarity) {
        self.signals += 1;
        match p {
            Polarity::Negative => self.negative += 1,
            Polarity::Neutral => self.neutral += 1,
            Polarity::Positive => self.positive += 1,
        }
    }

    /// Negative share in basis points, rounded down; 0 without signals.
    pub fn share_bp(&self) -> i64 {
        if self.signals == 0 {
            0
        } else {
            self.negative * 10_000 / self.signals
        }
    }
}

/// How the window compares with the thresholds.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Verdict {
    pub window_share_bp: i64,
    pub baseline_share_bp: i64,
    /// The share the window must reach: the larger of the minimum share and ratio × floored baseline.
    pub threshold_bp: i64,
    pub enough_signals: bool,
    pub above_min_share: bool,
    pub above_ratio: bool,
    /// All three hold (enabled and cooldown are checked separately).
    pub spike: bool,
}

/// The rule's arithmetic, without the enabled flag and the cooldown.
pub fn judge(s: &Settings, window: Counts, baseline: Counts) -> Verdict {
    let w = window.share_bp();
    let b = baseline.share_bp();
    let base = b.max(BASELINE_FLOOR_BP);
    let enough_signals = window.signals >= s.min_signals;
    let above_min_share = w >= s.min_negative_bp;
    // w ≥ ratio × base, both sides scaled by 10000 so nothing is rounded.
    let above_ratio = w.saturating_mul(10_000) >= s.ratio_bp.saturating_mul(base);
    let ratio_threshold = (s.ratio_bp.saturating_mul(base) + 9_999) / 10_000;
    Verdict {
        window_share_bp: w,
        baseline_share_bp: b,
        threshold_bp: s.min_negative_bp.max(ratio_threshold).min(10_000),
        enough_signals,
        above_min_share,
        above_ratio,
        spike: enough_signals && above_min_share && above_ratio,
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SignalKind {
    Review,
    Comment,
    Mention,
}

impl SignalKind {
    pub fn as_str(self) -> &'static str {
        match self {
            SignalKind::Review => "review",
            SignalKind::Comment => "comment",
            SignalKind::Mention => "mention",
        }
    }
}

/// One piece of feedback with its polarity.
#[derive(Debug, Clone)]
pub struct Signal {
    pub kind: SignalKind,
    pub review_id: Option<i64>,
    pub product_id: Option<i64>,
    pub product_title: String,
    pub rating: Option<i64>,
    pub post_id: Option<i64>,
    pub comment_id: Option<i64>,
    pub author: String,
    pub text: String,
    pub polarity: Polarity,
    pub score: i32,
    pub at: Timestamp,
    /// A review the shop already replied to.
    pub replied: bool,
}

/// Stars to polarity: 1–2 negative, 3 neutral, 4–5 positive.
pub fn review_polarity(rating: i64) -> Polarity {
    match rating {
        ..=2 => Polarity::Negative,
        3 => Polarity::Neutral,
        _ => Polarity::Positive,
    }
}

/// One day (24 hours ending at `day_end`) of the trend.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct DayPoint {
    pub day_end: Timestamp,
    pub signals: i64,
    pub negative: i64,
    pub share_bp: i64,
}

/// Where a shop stands at `now`.
#[derive(Debug, Clone)]
pub struct Evaluation {
    pub settings: Settings,
    pub now: Timestamp,
    pub window: Counts,
    pub baseline: Counts,
    pub verdict: Verdict,
    /// While the last alert's cooldown runs, when it ends.
    pub cooldown_until: Option<Timestamp>,
    /// [`TREND_DAYS`] points, oldest first.
    pub trend: Vec<DayPoint>,
    /// Negative signals in the window, newest first.
    pub drivers: Vec<Signal>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum CheckStatus {
    Fired,
    Disabled,
    Cooldown,
    BelowThreshold,
}

impl CheckStatus {
    pub fn as_str(self) -> &'static str {
        match self {
            CheckStatus::Fired => "fired",
            CheckStatus::Disabled => "disabled",
            CheckStatus::Cooldown => "cooldown",
            CheckStatus::BelowThreshold => "below_threshold",
        }
    }
}

#[derive(Debug, Clone)]
pub struct CheckOutcome {
    pub status: CheckStatus,
    pub alert_id: Option<i64>,
    pub evaluation: Evaluation,
}

impl CheckOutcome {
    pub fn fired(&self) -> bool {
        self.status == CheckStatus::Fired
    }
}

/// The reputation page and API: the evaluation, past alerts, and who is looking.
#[derive(Debug, Clone)]
pub struct Overview {
    pub shop_id: i64,
    pub handle: String,
    pub is_owner: bool,
    pub evaluation: Evaluation,
    pub alerts: Vec<AlertRecord>,
}

#[derive(Clone)]
pub struct ReputationService {
    db: Db,
    sentiment: Arc<dyn Sentiment>,
    jobs: Jobs,
}

fn reborrow<'a>(c: &'a mut Conn<'_>) -> Conn<'a> {
    match c {
        Conn::Sqlite(c) => Conn::Sqlite(c),
        Conn::Postgres(c) => Conn::Postgres(c),
    }
}

impl ReputationService {
    /// With the built-in lexicon sentiment.
    pub fn new(db: Db, jobs: Jobs) -> Self {
        Self::with_sentiment(db, jobs, Arc::new(LexiconSentiment))
    }

    pub fn with_sentiment(db: Db, jobs: Jobs, sentiment: Arc<dyn Sentiment>) -> Self {
        Self {
            db,
            sentiment,
            jobs,
        }
    }

    async fn settings_of(c: Conn<'_>, shop_id: i64) -> ServiceResult<(Settings, Option<i64>)> {
        Ok(match reputation::settings(c, shop_id).await? {
            Some(r) => (Settings::from_row(&r), r.last_alert_at),
            None => (Settings::default(), None),
        })
    }

    /// Every signal of the shop in `[since, until)`, newest first, text signals deduplicated.
    async fn signals(
        &self,
        c: Conn<'_>,
        shop_id: i64,
        owner_id: i64,
        since: Timestamp,
        until: Timestamp,
    ) -> ServiceResult<Vec<Signal>> {
        let mut c = c;
        let mut out = Vec::new();
        for r in
            reputation::review_signals(reborrow(&mut c), shop_id, since, until, SIGNAL_CAP).await?
        {
            out.push(Signal {
                kind: SignalKind::Review,
                review_id: Some(r.id),
                product_id: Some(r.product_id),
                product_title: r.product_title,
                rating: Some(r.rating),
                post_id: None,
                comment_id: None,
                author: r.author_username,
                text: if r.title.is_empty() {
                    r.body
                } else if r.body.is_empty() {
                    r.title
                } else {
                    format!("{} — {}", r.title, r.body)
                },
                polarity: review_polarity(r.rating),
                score: i32::try_from(r.rating - 3).unwrap_or(0),
                at: Timestamp::from_micros(r.created_at),
                replied: r.replied,
            });
        }
        let comments =
            reputation::comment_signals(reborrow(&mut c), shop_id, since, until, SIGNAL_CAP)
                .await?;
        let mentions =
            reputation::mention_signals(c, shop_id, owner_id, since, until, SIGNAL_CAP).await?;
        let mut seen: HashSet<(i64, Option<i64>)> = HashSet::new();
        let texts = comments
            .into_iter()
            .map(|t| (SignalKind::Comment, t))
            .chain(mentions.into_iter().map(|t| (SignalKind::Mention, t)));
        for (kind, t) in texts {
            if !seen.insert((t.post_id, t.comment_id)) {
                continue;
            }
            let s = self.sentiment.score(&t.text);
            out.push(Signal {
                kind,
                review_id: None,
                product_id: None,
                product_title: String::new(),
                rating: None,
                post_id: Some(t.post_id),
                comment_id: t.comment_id,
                author: t.author_username,
                text: t.text,
                polarity: s.polarity,
                score: s.score,
                at: Timestamp::from_micros(t.created_at),
                replied: false,
            });
        }
        out.sort_by_key(|s| std::cmp::Reverse(s.at.as_micros()));
        Ok(out)
    }

    async fn evaluate(
        &self,
        c: Conn<'_>,
        shop_id: i64,
        owner_id: i64,
        now: Timestamp,
    ) -> ServiceResult<Evaluation> {
        let mut c = c;
        let (settings, last_alert) = Self::settings_of(reborrow(&mut c), shop_id).await?;
        let now_us = now.as_micros();
        let window_start = now_us - settings.window_hours * HOUR_US;
        let baseline_start = window_start - settings.baseline_days * DAY_US;
        let trend_start = now_us - TREND_DAYS * DAY_US;
        let since = Timestamp::from_micros(baseline_start.min(trend_start));
        // Signals stamped after `now` (a check "as of" the past) are not seen yet.
        let until = Timestamp::from_micros(now_us.saturating_add(1));
        let signals = self.signals(c, shop_id, owner_id, since, until).await?;
        let mut window = Counts::default();
        let mut baseline = Counts::default();
        let mut trend: Vec<DayPoint> = (0..TREND_DAYS)
            .map(|k| DayPoint {
                day_end: Timestamp::from_micros(now_us - (TREND_DAYS - 1 - k) * DAY_US),
                signals: 0,
                negative: 0,
                share_bp: 0,
            })
            .collect();
        let mut drivers = Vec::new();
        for s in signals {
            let at = s.at.as_micros();
            if at >= window_start {
                window.add(s.polarity);
                if s.polarity == Polarity::Negative && drivers.len() < DRIVERS_MAX {
                    drivers.push(s.clone());
                }
            } else if at >= baseline_start {
                baseline.add(s.polarity);
            }
            let age_days = (now_us - at) / DAY_US;
            if let Some(p) = usize::try_from(TREND_DAYS - 1 - age_days)
                .ok()
                .and_then(|i| trend.get_mut(i))
            {
                p.signals += 1;
                if s.polarity == Polarity::Negative {
                    p.negative += 1;
                }
            }
        }
        for p in &mut trend {
            p.share_bp = if p.signals == 0 {
                0
            } else {
                p.negative * 10_000 / p.signals
            };
        }
        let cooldown_until = last_alert
            .map(|t| t + settings.cooldown_hours * HOUR_US)
            .filter(|t| *t > now_us)
            .map(Timestamp::from_micros);
        Ok(Evaluation {
            verdict: judge(&settings, window, baseline),
            settings,
            now,
            window,
            baseline,
            cooldown_until,
            trend,
            drivers,
        })
    }

    /// Runs the rule for one shop as of `now`, firing and notifying when it holds. Safe to repeat: a
    /// second run inside the cooldown changes nothing.
    pub async fn check_as_of(&self, shop_id: i64, now: Timestamp) -> ServiceResult<CheckOutcome> {
        let (owner_id, staff, evaluation) = {
            let mut h = self.db.read().await?;
            let mut c = h.conn();
            let (owner_id, _, staff) = reputation::people(reborrow(&mut c), shop_id)
                .await?
                .ok_or(ServiceError::NotFound)?;
            let ev = self.evaluate(c, shop_id, owner_id, now).await?;
            (owner_id, staff, ev)
        };
        let status = if !evaluation.settings.enabled {
            CheckStatus::Disabled
        } else if !evaluation.verdict.spike {
            CheckStatus::BelowThreshold
        } else if evaluation.cooldown_until.is_some() {
            CheckStatus::Cooldown
        } else {
            CheckStatus::Fired
        };
        if status != CheckStatus::Fired {
            return Ok(CheckOutcome {
                status,
                alert_id: None,
                evaluation,
            });
        }
        let cooldown_since =
            Timestamp::from_micros(now.as_micros() - evaluation.settings.cooldown_hours * HOUR_US);
        let mut tx = self.db.begin().await?;
        if !reputation::claim_fire(tx.conn(), shop_id, now, cooldown_since).await? {
            return Ok(CheckOutcome {
                status: CheckStatus::Cooldown,
                alert_id: None,
                evaluation,
            });
        }
        let ev = &evaluation;
        let alert_id = reputation::insert_alert(
            tx.conn(),
            &AlertRecord {
                id: 0,
                shop_id,
                fired_at: now.as_micros(),
                window_hours: ev.settings.window_hours,
                window_signals: ev.window.signals,
                window_negative: ev.window.negative,
                window_share_bp: ev.verdict.window_share_bp,
                baseline_signals: ev.baseline.signals,
                baseline_negative: ev.baseline.negative,
                baseline_share_bp: ev.verdict.baseline_share_bp,
                acknowledged_at: None,
            },
        )
        .await?;
        for user_id in &staff {
            notifications::insert(
                tx.conn(),
                &NewNotification {
                    user_id: *user_id,
                    kind: "reputation_alert",
                    actor_id: owner_id,
                    post_id: None,
                    comment_id: None,
                    shop_id: Some(shop_id),
                    subject_id: Some(alert_id),
                    now,
                },
            )
            .await?;
        }
        tx.commit().await?;
        tracing::info!(
            shop_id,
            alert_id,
            share_bp = ev.verdict.window_share_bp,
            "reputation alert fired"
        );
        Ok(CheckOutcome {
            status: CheckStatus::Fired,
            alert_id: Some(alert_id),
            evaluation,
        })
    }

    /// The "check now" button: owner only (staff 403, anyone else 404).
    pub async fn check_now(&self, viewer: &Viewer, handle: &str) -> ServiceResult<CheckOutcome> {
        let access = {
            let mut h = self.db.read().await?;
            require_staff(h.conn(), viewer, ShopRef::Handle(handle), true).await?
        };
        self.check_as_of(access.shop_id, Timestamp::now()).await
    }

    /// The shop's reputation as of `now` for its owner and staff (others 404).
    pub async fn overview_as_of(
        &self,
        viewer: &Viewer,
        handle: &str,
        now: Timestamp,
    ) -> ServiceResult<Overview> {
        let mut h = self.db.read().await?;
        let mut c = h.conn();
        let access =
            require_staff(reborrow(&mut c), viewer, ShopRef::Handle(handle), false).await?;
        let (owner_id, _, _) = reputation::people(reborrow(&mut c), access.shop_id)
            .await?
            .ok_or(ServiceError::NotFound)?;
        let evaluation = self
            .evaluate(reborrow(&mut c), access.shop_id, owner_id, now)
            .await?;
        let alerts = reputation::alerts(c, access.shop_id, ALERTS_LISTED).await?;
        Ok(Overview {
            shop_id: access.shop_id,
            is_owner: access.role == souk_domain::commerce::ShopRole::Owner,
            handle: access.handle,
            evaluation,
            alerts,
        })
    }

    pub async fn overview(&self, viewer: &Viewer, handle: &str) -> ServiceResult<Overview> {
        self.overview_as_of(viewer, handle, Timestamp::now()).await
    }

    /// Changes the thresholds (owner and staff); every out-of-range field is reported with its own code.
    pub async fn update_settings(
        &self,
        viewer: &Viewer,
        handle: &str,
        input: &SettingsInput,
    ) -> ServiceResult<Settings> {
        let mut tx = self.db.begin().await?;
        let access = require_staff(tx.conn(), viewer, ShopRef::Handle(handle), false).await?;
        let (current, last_alert_at) = Self::settings_of(tx.conn(), access.shop_id).await?;
        let next = input.apply(current);
        next.validate().map_err(ServiceError::Validation)?;
        reputation::save_settings(
            tx.conn(),
            access.shop_id,
            &SettingsRow {
                enabled: next.enabled,
                window_hours: next.window_hours,
                baseline_days: next.baseline_days,
                ratio_bp: next.ratio_bp,
                min_negative_bp: next.min_negative_bp,
                min_signals: next.min_signals,
                cooldown_hours: next.cooldown_hours,
                last_alert_at,
            },
            Timestamp::now(),
        )
        .await?;
        tx.commit().await?;
        Ok(next)
    }

    /// Marks an alert seen (owner and staff; an alert of another shop is 404).
    pub async fn acknowledge(
        &self,
        viewer: &Viewer,
        handle: &str,
        alert_id: i64,
    ) -> ServiceResult<()> {
        let mut tx = self.db.begin().await?;
        let access = require_staff(tx.conn(), viewer, ShopRef::Handle(handle), false).await?;
        let changed = reputation::acknowledge(
            tx.conn(),
            access.shop_id,
            alert_id,
            viewer.user_id,
            Timestamp::now(),
        )
        .await?;
        tx.commit().await?;
        if changed {
            return Ok(());
        }
        // Already acknowledged is fine; an alert that is not this shop's is not found.
        let mut h = self.db.read().await?;
        let known = reputation::alerts(h.conn(), access.shop_id, i64::MAX)
            .await?
            .iter()
            .any(|a| a.id == alert_id);
        if known {
            Ok(())
        } else {
            Err(ServiceError::NotFound)
        }
    }

    /// Queues one check per enabled shop for the time bucket `now` falls in (`every_secs` long). The
    /// dedupe key names the shop and the bucket, so several nodes scheduling at once queue each check once.
    /// Returns how many jobs were queued.
    pub async fn enqueue_due(&self, now: Timestamp, every_secs: i64) -> ServiceResult<usize> {
        let ids = {
            let mut h = self.db.read().await?;
            reputation::enabled_shop_ids(h.conn()).await?
        };
        let bucket = now.as_micros() / (every_secs.max(1) * 1_000_000);
        let mut queued = 0;
        for shop_id in ids {
            let key = format!("{shop_id}:{bucket}");
            let payload = serde_json::json!({ "shop_id": shop_id });
            let id = self
                .jobs
                .enqueue_with(&EnqueueOptions {
                    kind: JOB_CHECK,
                    key: Some(&key),
                    payload: &payload,
                    run_at: now,
                    // A check that keeps failing is retried by the next bucket anyway.
                    max_attempts: 3,
                })
                .await?;
            if id.is_some() {
                queued += 1;
            }
        }
        Ok(queued)
    }
}

/// Registers the check with the job queue.
pub fn register_jobs(jobs: &Jobs, service: &ReputationService) {
    jobs.register(Arc::new(CheckJob {
        service: service.clone(),
    }));
}

/// One shop's check. Idempotent: the cooldown claim makes a rerun fire nothing, and a shop that no longer
/// exists has nothing to check.
struct CheckJob {
    service: ReputationService,
}

impl JobHandler for CheckJob {
    fn kind(&self) -> &'static str {
        JOB_CHECK
    }

    fn run<'a>(&'a self, payload: &'a serde_json::Value) -> BoxFuture<'a, ServiceResult<()>> {
        Box::pin(async move {
            let shop_id = payload
                .get("shop_id")
                .and_then(serde_json::Value::as_i64)
                .ok_or_else(|| ServiceError::Internal("job payload lacks shop_id".into()))?;
            match self.service.check_as_of(shop_id, Timestamp::now()).await {
                Ok(_) | Err(ServiceError::NotFound) => Ok(()),
                Err(e) => Err(e),
            }
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn counts(signals: i64, negative: i64) -> Counts {
        Counts {
            signals,
            negative,
            neutral: 0,
            positive: signals - negative,
        }
    }

    #[test]
    fn fires_on_a_spike_over_a_calm_baseline() {
        let v = judge(&Settings::default(), counts(10, 6), counts(100, 5));
        assert_eq!((v.window_share_bp, v.baseline_share_bp), (6000, 500));
        assert!(v.spike);
    }

    #[test]
    fn needs_enough_signals() {
        let v = judge(&Settings::default(), counts(4, 4), counts(100, 0));
        assert!(!v.enough_signals && !v.spike);
    }

    #[test]
    fn a_negative_baseline_needs_the_ratio() {
        // 50 % now against 40 % usually: above the 30 % minimum but not 2× the baseline.
        let v = judge(&Settings::default(), counts(10, 5), counts(100, 40));
        assert!(v.above_min_share && !v.above_ratio && !v.spike);
        assert_eq!(v.threshold_bp, 8000);
        let v = judge(&Settings::default(), counts(10, 8), counts(100, 40));
        assert!(v.spike);
    }

    #[test]
    fn a_zero_baseline_is_floored() {
        let s = Settings {
            min_negative_bp: 100,
            min_signals: 1,
            ..Settings::default()
        };
        // 1 of 20 (5 %) against a spotless month: not 2× the 5 % floor.
        let v = judge(&s, counts(20, 1), counts(0, 0));
        assert!(!v.spike);
        let v = judge(&s, counts(20, 2), counts(0, 0));
        assert!(v.spike);
    }

    #[test]
    fn stars_map_to_polarity() {
        assert_eq!(review_polarity(1), Polarity::Negative);
        assert_eq!(review_polarity(2), Polarity::Negative);
        assert_eq!(review_polarity(3), Polarity::Neutral);
        assert_eq!(review_polarity(5), Polarity::Positive);
    }

    #[test]
    fn validates_each_field() {
        let s = Settings {
            window_hours: 0,
            ratio_bp: 5000,
            ..Settings::default()
        };
        let codes: Vec<&str> = s.validate().unwrap_err().iter().map(|e| e.code).collect();
        assert_eq!(codes, ["window_hours_out_of_range", "ratio_out_of_range"]);
        assert!(Settings::default().validate().is_ok());
    }

    #[test]
    fn parses_decimals_as_basis_points() {
        assert_eq!(parse_decimal_bp("2", "r").unwrap(), 20_000);
        assert_eq!(parse_decimal_bp("2.5", "r").unwrap(), 25_000);
        assert_eq!(parse_decimal_bp(" 1.75 ", "r").unwrap(), 17_500);
        assert!(parse_decimal_bp("abc", "r").is_err());
        assert!(parse_decimal_bp("-1", "r").is_err());
        assert!(parse_decimal_bp("", "r").is_err());
    }
}
