//! Refunds: full or partial, by line or by amount, never more than was paid, with optional restock.
//!
//! One transaction per refund. The amount is reserved first with a guarded UPDATE
//! (`refunded_minor + n <= paid_minor`), which both engines apply atomically, so concurrent refunds can
//! never add up to more than was paid; then the provider is asked to return the money, and the refund row,
//! its lines, restocking, the ledger transaction, the status change and the `order_refunded` mail follow
//! in the same transaction. If the provider refuses, everything rolls back.

use crate::ledger::{self, NewTransaction, TxnKind};
use crate::mail::{MailKind, enqueue_order_mail, order_number};
use crate::payments::{Providers, RefundResult, manual};
use crate::shops::{ShopRef, require_staff};
use crate::{Refusal, ServiceError, ServiceResult, Viewer};
use souk_domain::commerce::OrderStatus;
use souk_domain::{Currency, FieldError, Money, Timestamp};
use souk_store::Db;
use souk_store::payments::OrderMoney;
use souk_store::refunds::{RefundRecord, RefundableLine};
use std::sync::Arc;

/// What the merchant asks for. No amount and no lines means "everything that is left".
#[derive(Debug, Clone, Default)]
pub struct RefundCommand {
    pub amount: Option<Money>,
    /// (order line id, quantity)
    pub lines: Vec<(i64, i64)>,
    pub restock: bool,
    pub reason: String,
}

#[derive(Debug, Clone)]
pub struct RefundView {
    pub refund: RefundRecord,
    pub order_id: i64,
    pub order_status: String,
    pub paid: Money,
    pub refunded: Money,
}

impl RefundView {
    pub fn amount(&self) -> Money {
        Money::new(self.refund.amount_minor, self.paid.currency)
    }

    /// `none`, `partial` or `full`.
    pub fn refund_state(&self) -> &'static str {
        refund_state(self.paid.amount_minor, self.refunded.amount_minor)
    }
}

pub fn refund_state(paid: i64, refunded: i64) -> &'static str {
    if refunded <= 0 {
        "none"
    } else if refunded >= paid {
        "full"
    } else {
        "partial"
    }
}

/// What the merchant's refund form needs.
#[derive(Debug, Clone)]
pub struct RefundForm {
    pub order_id: i64,
    pub shop_handle: String,
    pub refundable: Money,
    pub can_refund: bool,
    pub lines: Vec<RefundableLine>,
}

const MAX_REASON: usize = 500;

fn invalid_transition(status: &str) -> ServiceError {
    ServiceError::refused(
        Refusal::Conflict,
        "invalid_transition",
        format!("The order is {status}; only paid, fulfilled or delivered orders can be refunded."),
    )
    .with_details(serde_json::json!({ "status": status, "to": "refunded" }))
}

fn exceeds(remaining: i64, requested: i64, currency: Currency) -> ServiceError {
    ServiceError::refused(
        Refusal::Unprocessable,
        "refund_exceeds_paid",
        "The refund is more than what is left of the payment.",
    )
    .with_details(serde_json::json!({
        "refundable": { "amount_minor": remaining, "currency": currency.code() },
        "requested": { "amount_minor": requested, "currency": currency.code() },
    }))
}

fn currency_of(order: &OrderMoney) -> ServiceResult<Currency> {
    Currency::parse(&order.currency).map_err(|e| ServiceError::Internal(e.to_string()))
}

fn status_of(order: &OrderMoney) -> ServiceResult<OrderStatus> {
    OrderStatus::parse(&order.status, "status").map_err(|e| ServiceError::Internal(e.to_string()))
}

/// Checks the requested lines against the order and merges duplicates: (line, quantity).
fn plan_lines(
    requested: &[(i64, i64)],
    lines: &[RefundableLine],
) -> ServiceResult<Vec<(RefundableLine, i64)>> {
    let mut out: Vec<(RefundableLine, i64)> = Vec::new();
    for &(line_id, qty) in requested {
        let Some(line) = lines.iter().find(|l| l.id == line_id) else {
            return Err(FieldError::new(
                "lines",
                "line_not_found",
                format!("Line {line_id} is not part of this order."),
            )
            .into());
        };
        if qty < 1 {
            return Err(
                FieldError::new("lines", "quantity_invalid", "Quantities start at 1.").into(),
            );
        }
        match out.iter_mut().find(|(l, _)| l.id == line_id) {
            Some((_, q)) => *q = q.saturating_add(qty),
            None => out.push((line.clone(), qty)),
        }
    }
    for (line, qty) in &out {
        if *qty > line.quantity - line.refunded_quantity {
            return Err(FieldError::new(
                "lines",
                "refund_quantity_exceeds",
                format!(
                    "Only {} of \"{}\" can still be refunded.",
                    line.quantity - line.refunded_quantity,
                    line.title
                ),
            )
            .into());
        }
    }
    Ok(out)
}

#[derive(Clone)]
pub struct RefundService {
    db: Db,
    providers: Arc<Providers>,
}

impl RefundService {
    pub fn new(db: Db, providers: Arc<Providers>) -> Self {
        Self { db, providers }
    }

    /// Refunds (part of) an order. Staff of the order's shop only; others get 404.
    pub async fn refund(
        &self,
        viewer: &Viewer,
        order_id: i64,
        cmd: RefundCommand,
    ) -> ServiceResult<RefundView> {
        let reason = cmd.reason.trim().to_owned();
        if reason.chars().count() > MAX_REASON {
            return Err(FieldError::new(
                "reason",
                "too_long",
                format!("At most {MAX_REASON} characters."),
            )
            .into());
        }
        let now = Timestamp::now();
        let us = now.as_micros();
        let mut tx = self.db.begin().await?;
        let order = souk_store::payments::order_money(tx.conn(), order_id)
            .await?
            .ok_or(ServiceError::NotFound)?;
        require_staff(tx.conn(), viewer, ShopRef::Id(order.shop_id), false).await?;
        let status = status_of(&order)?;
        if !status.refundable() {
            return Err(invalid_transition(status.as_str()));
        }
        let currency = currency_of(&order)?;
        let all_lines = souk_store::refunds::order_lines(tx.conn(), order_id).await?;
        let mut lines = plan_lines(&cmd.lines, &all_lines)?;
        let remaining = order.paid_minor - order.refunded_minor;
        let amount = match cmd.amount {
            Some(m) => {
                if m.currency != currency {
                    return Err(FieldError::new(
                        "amount",
                        "currency_mismatch",
                        format!("The order is in {}.", currency.code()),
                    )
                    .into());
                }
                if m.amount_minor < 1 {
                    return Err(FieldError::new(
                        "amount",
                        "amount_invalid",
                        "Refund a positive amount.",
                    )
                    .into());
                }
                m.amount_minor
            }
            None if !lines.is_empty() => lines.iter().fold(0_i64, |acc, (l, q)| {
                acc.saturating_add(l.unit_price_minor.saturating_mul(*q))
            }),
            None => {
                // Everything that is left: every unrefunded unit goes back too (and to stock if asked).
                lines = all_lines
                    .iter()
                    .filter(|l| l.quantity > l.refunded_quantity)
                    .map(|l| (l.clone(), l.quantity - l.refunded_quantity))
                    .collect();
                remaining
            }
        };
        if amount < 1 || amount > remaining {
            return Err(exceeds(remaining.max(0), amount, currency));
        }
        if !souk_store::refunds::reserve_amount(tx.conn(), order_id, amount, us).await? {
            // Lost a race: report against the order as it is now.
            let now_order = souk_store::payments::order_money(tx.conn(), order_id)
                .await?
                .ok_or(ServiceError::NotFound)?;
            let now_status = status_of(&now_order)?;
            if !now_status.refundable() {
                return Err(invalid_transition(now_status.as_str()));
            }
            return Err(exceeds(
                now_order.paid_minor - now_order.refunded_minor,
                amount,
                currency,
            ));
        }
        // Return the money through the provider that took it (the most recent succeeded payment).
        let payments = souk_store::payments::succeeded_for_order(tx.conn(), order_id).await?;
        let payment = payments.last();
        let provider_id = payment.map_or(manual::ID, |p| p.provider.as_str());
        let provider = self.providers.get(provider_id).ok_or_else(|| {
            ServiceError::Internal(format!(
                "payment provider {provider_id:?} is not configured"
            ))
        })?;
        let provider_ref = match provider
            .refund(
                payment.map_or("", |p| p.provider_ref.as_str()),
                Money::new(amount, currency),
            )
            .await?
        {
            RefundResult::Succeeded { reference } => reference,
            RefundResult::Failed { code, message } => {
                return Err(ServiceError::refused(
                    Refusal::Conflict,
                    "refund_failed",
                    format!("The payment provider refused the refund: {message}"),
                )
                .with_details(serde_json::json!({ "provider_code": code })));
            }
        };
        let refund_id = souk_store::refunds::insert(
            tx.conn(),
            &souk_store::refunds::NewRefund {
                order_id,
                payment_id: payment.map(|p| p.id),
                amount_minor: amount,
                currency: currency.code(),
                reason: &reason,
                restock: cmd.restock,
                provider_ref: &provider_ref,
                actor_id: Some(viewer.user_id),
                now_us: us,
            },
        )
        .await?;
        for (line, qty) in &lines {
            if !souk_store::refunds::add_line(tx.conn(), refund_id, line.id, *qty).await? {
                return Err(FieldError::new(
                    "lines",
                    "refund_quantity_exceeds",
                    format!("\"{}\" was refunded in the meantime.", line.title),
                )
                .into());
            }
            if cmd.restock
                && let Some(variant_id) = line.variant_id
            {
                souk_store::inventory::give_back(tx.conn(), variant_id, *qty, us).await?;
            }
        }
        ledger::post(
            tx.conn(),
            &NewTransaction {
                kind: TxnKind::Refund,
                order_id: Some(order_id),
                payment_id: payment.map(|p| p.id),
                refund_id: Some(refund_id),
                shop_id: Some(order.shop_id),
                currency,
                memo: format!("refund for {}", order_number(order_id)),
                entries: ledger::refund_entries(amount),
            },
            now,
        )
        .await?;
        let after = souk_store::payments::order_money(tx.conn(), order_id)
            .await?
            .ok_or(ServiceError::NotFound)?;
        let mut final_status = after.status.clone();
        if after.refunded_minor >= after.paid_minor {
            let from = status_of(&after)?;
            if from.can_become(OrderStatus::Refunded)
                && souk_store::orders::transition(
                    tx.conn(),
                    order_id,
                    from.as_str(),
                    OrderStatus::Refunded.as_str(),
                    Some(viewer.user_id),
                    &reason,
                    us,
                )
                .await?
            {
                final_status = OrderStatus::Refunded.as_str().to_owned();
            }
        }
        enqueue_order_mail(tx.conn(), order_id, MailKind::OrderRefunded).await?;
        tx.commit().await?;
        Ok(RefundView {
            refund: RefundRecord {
                id: refund_id,
                order_id,
                amount_minor: amount,
                currency: currency.code().to_owned(),
                reason,
                restock: cmd.restock,
                provider_ref,
                created_at: us,
                lines: lines.iter().map(|(l, q)| (l.id, *q)).collect(),
            },
            order_id,
            order_status: final_status,
            paid: Money::new(after.paid_minor, currency),
            refunded: Money::new(after.refunded_minor, currency),
        })
    }

    /// An order's refunds, for its buyer or its shop's staff; others get 404.
    pub async fn list(&self, viewer: &Viewer, order_id: i64) -> ServiceResult<Vec<RefundRecord>> {
        let mut h = self.db.read().await?;
        let order = souk_store::payments::order_money(h.conn(), order_id)
            .await?
            .ok_or(ServiceError::NotFound)?;
        if order.buyer_id != viewer.user_id {
            require_staff(h.conn(), viewer, ShopRef::Id(order.shop_id), false).await?;
        }
        Ok(souk_store::refunds::for_order(h.conn(), order_id).await?)
    }

    /// What the merchant's refund form shows; staff only (404 for others).
    pub async fn form(&self, viewer: &Viewer, order_id: i64) -> ServiceResult<RefundForm> {
        let mut h = self.db.read().await?;
        let order = souk_store::payments::order_money(h.conn(), order_id)
            .await?
            .ok_or(ServiceError::NotFound)?;
        let access = require_staff(h.conn(), viewer, ShopRef::Id(order.shop_id), false).await?;
        let lines = souk_store::refunds::order_lines(h.conn(), order_id).await?;
        let remaining = order.paid_minor - order.refunded_minor;
        Ok(RefundForm {
            order_id,
            shop_handle: access.handle,
            refundable: Money::new(remaining, currency_of(&order)?),
            can_refund: status_of(&order)?.refundable() && remaining > 0,
            lines,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn line(id: i64, qty: i64, refunded: i64) -> RefundableLine {
        RefundableLine {
            id,
            variant_id: Some(id),
            title: format!("Item {id}"),
            variant_title: String::new(),
            unit_price_minor: 1_000,
            quantity: qty,
            refunded_quantity: refunded,
        }
    }

    #[test]
    fn line_plans_merge_duplicates_and_respect_what_is_left() {
        let lines = vec![line(1, 3, 1), line(2, 1, 0)];
        let plan = plan_lines(&[(1, 1), (1, 1), (2, 1)], &lines).unwrap();
        assert_eq!(plan.len(), 2);
        assert_eq!(plan[0].1, 2);
        assert!(plan_lines(&[(1, 3)], &lines).is_err());
        assert!(plan_lines(&[(9, 1)], &lines).is_err());
        assert!(plan_lines(&[(2, 0)], &lines).is_err());
    }

    #[test]
    fn refund_states() {
        assert_eq!(refund_state(100, 0), "none");
        assert_eq!(refund_state(100, 30), "partial");
        assert_eq!(refund_state(100, 100), "full");
    }
}
