//! Product filters and facet counts over the matches of a text query.
//!
//! Counts are disjunctive: each facet is counted over the matches that pass every *other* filter, so a
//! shopper who picked one shop still sees the other shops' counts and can switch.

use crate::{Facets, ProductFilters};
use std::collections::HashMap;

/// A price range in one currency: `[min_minor, max_minor)` in minor units, open-ended when `max_minor` is
/// `None`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PriceBucket {
    pub currency: String,
    pub min_minor: i64,
    pub max_minor: Option<i64>,
    pub count: u64,
}

/// Bucket edges in minor units for a currency: round numbers a shopper would pick, scaled to what things
/// cost in that currency (a 25-dollar step would be a 25-won step, meaningless, in KRW).
pub fn price_edges(currency: &str) -> Vec<i64> {
    let major: [i64; 4] = match currency {
        "KRW" => [25_000, 50_000, 100_000, 250_000],
        "JPY" => [2_500, 5_000, 10_000, 25_000],
        "TWD" => [500, 1_000, 2_500, 5_000],
        "CNY" | "HKD" => [100, 200, 500, 1_000],
        "INR" | "THB" | "PHP" => [1_000, 2_500, 5_000, 10_000],
        "VND" | "IDR" => [250_000, 500_000, 1_000_000, 2_500_000],
        _ => [25, 50, 100, 250],
    };
    let unit = souk_domain::Currency::parse(currency)
        .map(|c| 10_i64.pow(c.exponent()))
        .unwrap_or(100);
    major.iter().map(|m| m * unit).collect()
}

/// Packs a three-letter code into a number for a fast field (0 for anything else).
pub fn currency_code(currency: &str) -> u64 {
    let b = currency.as_bytes();
    if b.len() != 3 || !b.iter().all(u8::is_ascii_alphabetic) {
        return 0;
    }
    b.iter().fold(0u64, |acc, c| {
        (acc << 8) | u64::from(c.to_ascii_uppercase())
    })
}

pub fn currency_name(code: u64) -> String {
    let bytes = [(code >> 16) as u8, (code >> 8) as u8, code as u8];
    String::from_utf8_lossy(&bytes).into_owned()
}

/// What the facet pass needs of one matching product.
#[derive(Debug, Clone, Copy)]
pub(crate) struct ProductRow {
    pub shop_id: i64,
    pub price_minor: i64,
    pub currency: u64,
    /// Hundredths of a star.
    pub rating: i64,
    pub in_stock: bool,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Filter {
    Shop,
    Price,
    Rating,
    Stock,
}

pub(crate) struct Compiled {
    shop_id: Option<i64>,
    currency: Option<u64>,
    price_min: Option<i64>,
    price_max: Option<i64>,
    rating_min: Option<i64>,
    in_stock: Option<bool>,
}

impl Compiled {
    pub fn new(f: &ProductFilters) -> Self {
        Self {
            shop_id: f.shop_id,
            currency: f.currency.as_deref().map(currency_code),
            price_min: f.price_min,
            price_max: f.price_max,
            rating_min: f.rating_min.map(|r| (r * 100.0).round() as i64),
            in_stock: f.in_stock,
        }
    }

    pub fn is_empty(&self) -> bool {
        self.shop_id.is_none()
            && self.currency.is_none()
            && self.price_min.is_none()
            && self.price_max.is_none()
            && self.rating_min.is_none()
            && self.in_stock.is_none()
    }

    fn passes(&self, r: &ProductRow, except: Option<Filter>) -> bool {
        let on = |f: Filter| except != Some(f);
        if on(Filter::Shop) && self.shop_id.is_some_and(|s| s != r.shop_id) {
            return false;
        }
        if on(Filter::Price) {
            if self.currency.is_some_and(|c| c != r.currency) {
                return false;
            }
            if self.price_min.is_some_and(|m| r.price_minor < m)
                || self.price_max.is_some_and(|m| r.price_minor >= m)
            {
                return false;
            }
        }
        if on(Filter::Rating) && self.rating_min.is_some_and(|m| r.rating < m) {
            return false;
        }
        if on(Filter::Stock) && self.in_stock.is_some_and(|s| s != r.in_stock) {
            return false;
        }
        true
    }

    pub fn accepts(&self, r: &ProductRow) -> bool {
        self.passes(r, None)
    }

    /// Facet counts over `rows` (every match of the text query, before filters).
    pub fn facets(&self, rows: &[ProductRow]) -> Facets {
        let mut shops: HashMap<i64, u64> = HashMap::new();
        let mut prices: HashMap<u64, Vec<u64>> = HashMap::new();
        let mut edges_of: HashMap<u64, Vec<i64>> = HashMap::new();
        let mut ratings = [0u64; 4];
        let (mut in_stock, mut out_of_stock) = (0, 0);
        for r in rows {
            if self.passes(r, Some(Filter::Shop)) {
                *shops.entry(r.shop_id).or_default() += 1;
            }
            if self.passes(r, Some(Filter::Price)) {
                let edges = edges_of
                    .entry(r.currency)
                    .or_insert_with(|| price_edges(&currency_name(r.currency)));
                let bucket = edges.iter().take_while(|e| r.price_minor >= **e).count();
                let counts = prices
                    .entry(r.currency)
                    .or_insert_with(|| vec![0; edges.len() + 1]);
                if let Some(c) = counts.get_mut(bucket) {
                    *c += 1;
                }
            }
            if self.passes(r, Some(Filter::Rating)) {
                for (i, stars) in [4, 3, 2, 1].iter().enumerate() {
                    if r.rating >= stars * 100 {
                        ratings[i] += 1;
                    }
                }
            }
            if self.passes(r, Some(Filter::Stock)) {
                if r.in_stock {
                    in_stock += 1;
                } else {
                    out_of_stock += 1;
                }
            }
        }
        let mut shops: Vec<(i64, u64)> = shops.into_iter().collect();
        shops.sort_by(|a, b| b.1.cmp(&a.1).then(a.0.cmp(&b.0)));
        let mut currencies: Vec<(u64, Vec<u64>)> = prices.into_iter().collect();
        // The currency with most results first: that is the one the shopper is most likely browsing in.
        currencies.sort_by(|a, b| {
            let (na, nb) = (a.1.iter().sum::<u64>(), b.1.iter().sum::<u64>());
            nb.cmp(&na).then(a.0.cmp(&b.0))
        });
        let mut price_buckets = Vec::new();
        for (code, counts) in currencies {
            let currency = currency_name(code);
            let edges = edges_of.remove(&code).unwrap_or_default();
            for (i, count) in counts.into_iter().enumerate() {
                if count == 0 {
                    continue;
                }
                price_buckets.push(PriceBucket {
                    currency: currency.clone(),
                    min_minor: if i == 0 { 0 } else { edges[i - 1] },
                    max_minor: edges.get(i).copied(),
                    count,
                });
            }
        }
        Facets {
            shops,
            prices: price_buckets,
            ratings: [4u8, 3, 2, 1].into_iter().zip(ratings).collect(),
            in_stock,
            out_of_stock,
        }
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used, clippy::expect_used)]
    use super::*;

    fn row(shop_id: i64, price_minor: i64, rating: i64, in_stock: bool) -> ProductRow {
        ProductRow {
            shop_id,
            price_minor,
            currency: currency_code("USD"),
            rating,
            in_stock,
        }
    }

    #[test]
    fn currency_codes_round_trip() {
        assert_eq!(currency_name(currency_code("KRW")), "KRW");
        assert_eq!(currency_code("usd"), currency_code("USD"));
        assert_eq!(currency_code("dollars"), 0);
    }

    #[test]
    fn edges_scale_with_the_currency() {
        assert_eq!(price_edges("USD"), vec![2_500, 5_000, 10_000, 25_000]);
        assert_eq!(price_edges("KRW"), vec![25_000, 50_000, 100_000, 250_000]);
    }

    #[test]
    fn facet_counts_ignore_their_own_filter() {
        let rows = [
            row(1, 1_000, 450, true),
            row(1, 3_000, 0, false),
            row(2, 30_000, 300, true),
        ];
        let c = Compiled::new(&ProductFilters {
            shop_id: Some(1),
            in_stock: Some(true),
            ..ProductFilters::default()
        });
        let f = c.facets(&rows);
        // Shops counted with the stock filter only: shop 1 has one in stock, shop 2 one.
        assert_eq!(f.shops, vec![(1, 1), (2, 1)]);
        // Stock counted within shop 1: one in, one out.
        assert_eq!((f.in_stock, f.out_of_stock), (1, 1));
        assert_eq!(f.prices.len(), 1);
        assert_eq!(f.prices[0].max_minor, Some(2_500));
        assert_eq!(f.ratings[0], (4, 1));
        assert!(c.accepts(&rows[0]) && !c.accepts(&rows[1]) && !c.accepts(&rows[2]));
    }
}
