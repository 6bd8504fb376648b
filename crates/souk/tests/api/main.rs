//! Behaviour tests through the HTTP API and pages, each run on SQLite and PostgreSQL.

#![allow(clippy::unwrap_used, clippy::expect_used)]

mod cart;
mod checkout;
mod collections;
mod commerce_support;
mod csrf;
mod idempotency;
mod ledger;
mod login;
mod mail;
mod ops;
mod order_pages;
mod orders;
mod oversell;
mod pages;
mod payments;
mod products;
mod profiles;
mod rate_limits;
mod refunds;
mod sessions;
mod shop_pages;
mod shops;
mod signup;
mod smoke;
mod social_engagement;
mod social_feeds;
mod social_graph;
mod social_moderation;
mod social_notifications;
mod social_pages;
mod social_posts;
mod social_profile;
mod social_support;
mod support;
