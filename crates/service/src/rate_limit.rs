//! Per-key rate limits for abuse-prone actions (log-in, sign-up), using the GCRA limiter from `governor`.
//!
//! Limits are kept in process memory: they protect one node from bursts. A multi-node deployment puts the
//! same limits at its load balancer or moves them to Redis behind this same interface.

use crate::{ServiceError, ServiceResult};
use governor::clock::{Clock, DefaultClock};
use governor::{DefaultKeyedRateLimiter, Quota};
use std::net::IpAddr;
use std::num::NonZeroU32;
use std::time::Duration;

/// `count` actions per `per`, allowed as a burst and replenished evenly.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Rate {
    pub count: u32,
    pub per: Duration,
}

impl Rate {
    pub const fn new(count: u32, per: Duration) -> Self {
        Self { count, per }
    }

    fn quota(self) -> Quota {
        let count = NonZeroU32::new(self.count.max(1)).unwrap_or(NonZeroU32::MIN);
        let period = (self.per / count.get()).max(Duration::from_nanos(1));
        Quota::with_period(period)
            .unwrap_or_else(|| Quota::per_second(count))
            .allow_burst(count)
    }
}

impl std::str::FromStr for Rate {
    type Err = String;

    /// Parses `COUNT/UNIT` with an optional multiple: `10/min`, `10/5min`, `100/day`, `3/30s`.
    fn from_str(s: &str) -> Result<Self, String> {
        let (n, unit) = s
            .split_once('/')
            .ok_or_else(|| format!("expected COUNT/UNIT like 10/min, got {s:?}"))?;
        let count: u32 = n
            .trim()
            .parse()
            .map_err(|_| format!("{n:?} is not a whole number"))?;
        if count == 0 {
            return Err("count must be at least 1".into());
        }
        let unit = unit.trim();
        let digits = unit.chars().take_while(char::is_ascii_digit).count();
        let (multiple, name) = unit.split_at(digits);
        let multiple: u64 = if multiple.is_empty() {
            1
        } else {
            multiple
                .parse()
                .ok()
                .filter(|m| *m > 0)
                .ok_or_else(|| format!("{multiple:?} is not a positive number"))?
        };
        let secs = match name {
            "s" | "sec" | "second" => 1,
            "m" | "min" | "minute" => 60,
            "h" | "hour" => 3600,
            "d" | "day" => 86_400,
            other => return Err(format!("unknown unit {other:?}; use s, min, hour or day")),
        };
        Ok(Rate::new(count, Duration::from_secs(secs * multiple)))
    }
}

impl std::fmt::Display for Rate {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let secs = self.per.as_secs().max(1);
        let (unit_secs, unit) = [(86_400, "day"), (3600, "hour"), (60, "min"), (1, "s")]
            .into_iter()
            .find(|(u, _)| secs.is_multiple_of(*u))
            .unwrap_or((1, "s"));
        match secs / unit_secs {
            1 => write!(f, "{}/{unit}", self.count),
            k => write!(f, "{}/{k}{unit}", self.count),
        }
    }
}

#[derive(Debug, Clone, Copy)]
pub struct RateLimitConfig {
    pub login_per_ip: Rate,
    pub login_per_account: Rate,
    pub signup_per_ip: Rate,
}

impl Default for RateLimitConfig {
    fn default() -> Self {
        Self {
            login_per_ip: Rate::new(20, Duration::from_secs(60)),
            login_per_account: Rate::new(10, Duration::from_secs(300)),
            signup_per_ip: Rate::new(5, Duration::from_secs(3600)),
        }
    }
}

pub struct RateLimiter {
    login_ip: DefaultKeyedRateLimiter<IpAddr>,
    login_account: DefaultKeyedRateLimiter<String>,
    signup_ip: DefaultKeyedRateLimiter<IpAddr>,
    clock: DefaultClock,
}

impl RateLimiter {
    pub fn new(cfg: &RateLimitConfig) -> Self {
        Self {
            login_ip: governor::RateLimiter::keyed(cfg.login_per_ip.quota()),
            login_account: governor::RateLimiter::keyed(cfg.login_per_account.quota()),
            signup_ip: governor::RateLimiter::keyed(cfg.signup_per_ip.quota()),
            clock: DefaultClock::default(),
        }
    }

    /// A log-in needs budget left for both its address and its account (see
    /// [`RateLimiter::check_login_account`]), so neither one IP spraying many accounts nor many IPs
    /// hammering one account gets through.
    pub fn check_login_ip(&self, ip: IpAddr) -> ServiceResult<()> {
        self.check(&self.login_ip, &ip)
    }

    /// `account_key` names the account the same way whether it was addressed by username or email.
    pub fn check_login_account(&self, account_key: &str) -> ServiceResult<()> {
        self.check(&self.login_account, &account_key.to_owned())
    }

    pub fn check_signup(&self, ip: IpAddr) -> ServiceResult<()> {
        self.check(&self.signup_ip, &ip)
    }

    fn check<K: std::hash::Hash + Eq + Clone>(
        &self,
        limiter: &DefaultKeyedRateLimiter<K>,
        key: &K,
    ) -> ServiceResult<()> {
        limiter.check_key(key).map_err(|not_until| {
            let wait = not_until.wait_time_from(self.clock.now());
            ServiceError::RateLimited {
                retry_after_secs: wait.as_secs() + u64::from(wait.subsec_nanos() > 0),
            }
        })
    }

    /// Forgets keys whose budget is full again, so memory tracks recent traffic, not all traffic ever.
    pub fn housekeeping(&self) {
        self.login_ip.retain_recent();
        self.login_account.retain_recent();
        self.signup_ip.retain_recent();
        self.login_ip.shrink_to_fit();
        self.login_account.shrink_to_fit();
        self.signup_ip.shrink_to_fit();
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_rates() {
        assert_eq!("10/min".parse(), Ok(Rate::new(10, Duration::from_secs(60))));
        assert_eq!(
            " 3 / hour".parse(),
            Ok(Rate::new(3, Duration::from_secs(3600)))
        );
        assert!("0/min".parse::<Rate>().is_err());
        assert!("ten/min".parse::<Rate>().is_err());
        assert!("10/fortnight".parse::<Rate>().is_err());
        assert_eq!(
            "10/5min".parse(),
            Ok(Rate::new(10, Duration::from_secs(300)))
        );
        assert!("10/0min".parse::<Rate>().is_err());
        assert_eq!(
            Rate::new(5, Duration::from_secs(3600)).to_string(),
            "5/hour"
        );
        for r in ["10/5min", "3/30s", "100/day", "7/2hour"] {
            assert_eq!(r.parse::<Rate>().map(|x| x.to_string()).as_deref(), Ok(r));
        }
    }

    #[test]
    fn burst_then_refuse_with_retry_after() {
        let limiter = RateLimiter::new(&RateLimitConfig {
            signup_per_ip: Rate::new(2, Duration::from_secs(3600)),
            ..RateLimitConfig::default()
        });
        let ip: IpAddr = [10, 0, 0, 1].into();
        assert!(limiter.check_signup(ip).is_ok());
        assert!(limiter.check_signup(ip).is_ok());
        match limiter.check_signup(ip) {
            Err(ServiceError::RateLimited { retry_after_secs }) => {
                assert!((1..=1800).contains(&retry_after_secs), "{retry_after_secs}")
            }
            other => panic!("expected rate limit, got {other:?}"),
        }
        // Another address has its own budget.
        assert!(limiter.check_signup([10, 0, 0, 2].into()).is_ok());
    }
}
