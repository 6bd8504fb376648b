//! Shared commerce helpers for the shop, catalog, cart, checkout and payment tests: a merchant account, a
//! shop, and products created through the public API.

#![allow(dead_code)]

use souk_test_support::reqwest::{Method, StatusCode};
use souk_test_support::serde_json::{Value, json};
use souk_test_support::{TestApp, TestUser};

/// A business account (the kind that may open a shop), signed up and logged in.
pub async fn merchant(app: &TestApp, username: &str) -> TestUser {
    app.user_of_kind(username, "business").await
}

/// Opens a shop as `token` with `handle` and `currency`; asserts 201 and returns the Shop JSON.
pub async fn shop(app: &TestApp, token: &str, handle: &str, currency: &str) -> Value {
    let (status, body) = app
        .call(
            Method::POST,
            "/api/v1/shops",
            Some(token),
            Some(
                &json!({"handle": handle, "name": format!("{handle} shop"), "currency": currency}),
            ),
        )
        .await;
    assert_eq!(status, StatusCode::CREATED, "open shop {handle}: {body}");
    body
}

/// Creates a product in shop `handle` as `token`; asserts 201 and returns the Product JSON.
pub async fn product(app: &TestApp, token: &str, handle: &str, body: Value) -> Value {
    let (status, res) = app
        .call(
            Method::POST,
            &format!("/api/v1/shops/{handle}/products"),
            Some(token),
            Some(&body),
        )
        .await;
    assert_eq!(
        status,
        StatusCode::CREATED,
        "create product in {handle}: {res}"
    );
    res
}

/// Money as the API spells it.
pub fn money(amount_minor: i64, currency: &str) -> Value {
    json!({"amount_minor": amount_minor, "currency": currency})
}

/// An active product with one tracked default variant: `stock` units at `price_minor`.
pub async fn simple_product(
    app: &TestApp,
    token: &str,
    handle: &str,
    currency: &str,
    price_minor: i64,
    stock: i64,
) -> Value {
    product(
        app,
        token,
        handle,
        json!({
            "title": "Simple thing",
            "price": money(price_minor, currency),
            "status": "active",
            "stock": stock,
        }),
    )
    .await
}

/// The id of a product's first variant.
pub fn first_variant(product: &Value) -> i64 {
    product["variants"][0]["id"]
        .as_i64()
        .unwrap_or_else(|| panic!("no variant: {product}"))
}
