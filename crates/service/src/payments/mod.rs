//! Payments behind the `PaymentProvider` trait: the manual provider, the offline test card provider, and
//! webhook confirmation.
//!
//! A provider only talks to the outside world; this module owns every state change. Each outcome is one
//! database transaction: the payment row, the order's paid total and status, the ledger transaction and the
//! `order_paid` mail commit together. Provider calls happen outside transactions, since a real provider is
//! a network round trip. See docs/payments.md for the state diagram and how a Stripe-style provider plugs in.

pub mod manual;
pub mod test_card;

use crate::ledger::{self, NewTransaction, TxnKind, rb};
use crate::mail::{MailKind, enqueue_order_mail};
use crate::shops::{ShopRef, require_staff};
use crate::{CommerceConfig, Refusal, ServiceError, ServiceResult, Viewer};
use souk_domain::commerce::PaymentStatus;
use souk_domain::money::apply_bps;
use souk_domain::{Currency, FieldError, Money, Timestamp};
use souk_store::payments::{NewPayment, OrderMoney, PaymentRecord};
use souk_store::{Conn, Db};
use std::collections::BTreeMap;
use std::future::Future;
use std::pin::Pin;
use std::sync::Arc;

/// Providers are object-safe: async methods return boxed futures so an HTTP client fits behind the trait.
pub type BoxFuture<'a, T> = Pin<Box<dyn Future<Output = T> + Send + 'a>>;

/// How the shopper pays.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum PaymentMethod {
    /// Bank transfer or cash on delivery: the merchant confirms.
    Manual,
    /// The offline test provider's card numbers (see [`test_card`]).
    TestCard { card_number: String },
}

impl PaymentMethod {
    /// From the checkout/payment JSON: `{provider: "test", card_number}` or `{provider: "manual"}`.
    pub fn parse(provider: &str, card_number: Option<&str>) -> ServiceResult<PaymentMethod> {
        match provider.trim() {
            manual::ID => Ok(PaymentMethod::Manual),
            test_card::ID => {
                let number: String = card_number
                    .unwrap_or("")
                    .chars()
                    .filter(|c| !c.is_whitespace() && *c != '-')
                    .collect();
                if number.len() < 12
                    || number.len() > 19
                    || !number.bytes().all(|b| b.is_ascii_digit())
                {
                    return Err(FieldError::new(
                        "payment.card_number",
                        "invalid_card_number",
                        "Enter a card number of 12 to 19 digits.",
                    )
                    .into());
                }
                Ok(PaymentMethod::TestCard {
                    card_number: number,
                })
            }
            _ => Err(FieldError::new(
                "payment.provider",
                "unknown_provider",
                "Choose \"manual\" or \"test\".",
            )
            .into()),
        }
    }

    pub fn provider_id(&self) -> &'static str {
        match self {
            PaymentMethod::Manual => manual::ID,
            PaymentMethod::TestCard { .. } => test_card::ID,
        }
    }
}

/// What a provider is asked to charge.
#[derive(Debug, Clone)]
pub struct PaymentRequest {
    pub order_id: i64,
    pub amount: Money,
    pub method: PaymentMethod,
    /// Stable per attempt, so a provider that supports idempotency keys never charges one attempt twice.
    pub idempotency_reference: String,
}

/// What the provider said about a new payment.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum PaymentStart {
    Succeeded {
        reference: String,
    },
    Declined {
        code: String,
        message: String,
    },
    /// Waiting for the shopper, the merchant or a webhook.
    Pending {
        reference: String,
    },
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum WebhookKind {
    PaymentSucceeded,
    PaymentFailed {
        code: String,
    },
    /// Events Souk does not act on are acknowledged and ignored.
    Other,
}

/// A verified provider notification.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct WebhookEvent {
    pub id: String,
    pub kind: WebhookKind,
    /// The provider's payment reference (`payments.provider_ref`).
    pub reference: String,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum RefundResult {
    Succeeded { reference: String },
    Failed { code: String, message: String },
}

pub trait PaymentProvider: Send + Sync {
    fn id(&self) -> &'static str;
    /// The provider decides without a network call, so its start may run inside the order's own
    /// transaction (one-transaction checkout). A remote provider must keep the default: a slow network
    /// must never hold database locks.
    fn answers_locally(&self) -> bool {
        false
    }
    fn start<'a>(&'a self, req: &'a PaymentRequest) -> BoxFuture<'a, ServiceResult<PaymentStart>>;
    /// Checks the signature and parses the event. `headers` are (lower-case name, value).
    fn verify_webhook(
        &self,
        headers: &[(String, String)],
        body: &[u8],
        now_secs: i64,
    ) -> Result<WebhookEvent, WebhookError>;
    fn refund<'a>(
        &'a self,
        reference: &'a str,
        amount: Money,
    ) -> BoxFuture<'a, ServiceResult<RefundResult>>;
}

/// A webhook Souk refuses: a bad signature (400 `invalid_signature`) or an unreadable body.
#[derive(Debug)]
pub enum WebhookError {
    InvalidSignature(&'static str),
    InvalidPayload(&'static str),
    UnknownProvider,
    Service(ServiceError),
}

impl From<ServiceError> for WebhookError {
    fn from(e: ServiceError) -> Self {
        WebhookError::Service(e)
    }
}

impl From<souk_store::StoreError> for WebhookError {
    fn from(e: souk_store::StoreError) -> Self {
        WebhookError::Service(e.into())
    }
}

/// The providers this Souk runs with, by id.
pub struct Providers {
    by_id: BTreeMap<&'static str, Arc<dyn PaymentProvider>>,
}

impl Providers {
    pub fn new(config: &CommerceConfig) -> Self {
        let mut p = Providers {
            by_id: BTreeMap::new(),
        };
        p.register(Arc::new(manual::ManualProvider));
        if config.test_payments {
            p.register(Arc::new(test_card::TestCardProvider::new(
                &config.test_webhook_secret,
            )));
        }
        p
    }

    pub fn register(&mut self, provider: Arc<dyn PaymentProvider>) {
        self.by_id.insert(provider.id(), provider);
    }

    pub fn get(&self, id: &str) -> Option<Arc<dyn PaymentProvider>> {
        self.by_id.get(id).cloned()
    }

    /// A provider recorded on a payment row; a row naming an unknown provider is a deployment error.
    fn require(&self, id: &str) -> ServiceResult<Arc<dyn PaymentProvider>> {
        self.get(id).ok_or_else(|| {
            ServiceError::Internal(format!("payment provider {id:?} is not configured"))
        })
    }
}

/// What the shopper's client should do next with a pending payment.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NextAction {
    /// `await_webhook` (test card that needs confirmation) or `manual_payment` (bank transfer / COD).
    pub kind: &'static str,
    /// For test payments: where the simulator lives.
    pub url: Option<String>,
}

/// The result of paying (or trying to).
#[derive(Debug, Clone)]
pub struct PaymentOutcome {
    pub payment_id: i64,
    pub order_id: i64,
    pub provider: String,
    pub status: PaymentStatus,
    pub amount: Money,
    pub next_action: Option<NextAction>,
}

/// The next step for a payment row, for order pages (`payment.next_action`).
pub fn next_action(p: &PaymentRecord) -> Option<NextAction> {
    if p.status != PaymentStatus::Pending.as_str() {
        return None;
    }
    Some(match p.provider.as_str() {
        test_card::ID => NextAction {
            kind: "await_webhook",
            url: Some(format!("/api/v1/payments/{}/simulate", p.id)),
        },
        _ => NextAction {
            kind: "manual_payment",
            url: None,
        },
    })
}

/// What handling one webhook did.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum WebhookOutcome {
    /// The payment was settled (and the order paid, or refunded if it was no longer pending).
    Applied,
    /// Already handled, unknown reference or an event Souk ignores: nothing changed.
    Ignored,
}

/// A signed webhook the simulator delivered, returned so tests and demos can replay it.
#[derive(Debug, Clone)]
pub struct SimulatedWebhook {
    pub signature: String,
    pub body: String,
    pub outcome: WebhookOutcome,
}

#[derive(Clone)]
pub struct PaymentService {
    db: Db,
    providers: Arc<Providers>,
    fee_bps: i64,
    manual_reservation_secs: i64,
    test: Arc<test_card::TestCardProvider>,
}

fn invalid_transition(status: &str, wanted: &str) -> ServiceError {
    ServiceError::refused(
        Refusal::Conflict,
        "invalid_transition",
        format!("The order is {status}; it cannot become {wanted}."),
    )
    .with_details(serde_json::json!({ "status": status, "to": wanted }))
}

fn currency_of(order: &OrderMoney) -> ServiceResult<Currency> {
    Currency::parse(&order.currency).map_err(|e| ServiceError::Internal(e.to_string()))
}

impl PaymentService {
    pub fn new(db: Db, config: &CommerceConfig) -> Self {
        Self {
            db,
            providers: Arc::new(Providers::new(config)),
            fee_bps: config.platform_fee_bps,
            manual_reservation_secs: config.manual_reservation_secs,
            test: Arc::new(test_card::TestCardProvider::new(
                &config.test_webhook_secret,
            )),
        }
    }

    pub fn providers(&self) -> Arc<Providers> {
        self.providers.clone()
    }

    /// Refuses a payment method whose provider this deployment does not run (test cards switched off).
    pub fn ensure_available(&self, method: &PaymentMethod) -> ServiceResult<()> {
        match self.providers.get(method.provider_id()) {
            Some(_) => Ok(()),
            None => Err(ServiceError::refused(
                Refusal::Unprocessable,
                "payment_provider_unavailable",
                "This way of paying is not available here.",
            )),
        }
    }

    /// Charges a pending order. Checkout calls this right after committing the order.
    ///
    /// - Succeeded: payment row, paid total, `pending → paid`, ledger and `order_paid` mail in one
    ///   transaction.
    /// - Declined: a failed payment row and the order cancelled (stock released, lines back in the cart) in
    ///   one transaction, then 402 `payment_declined` with `details.decline_code`.
    /// - Pending: a pending payment row; the order stays pending until a webhook or the merchant settles it.
    pub async fn pay(&self, order_id: i64, method: PaymentMethod) -> ServiceResult<PaymentOutcome> {
        let (order, attempt) = {
            let mut h = self.db.read().await?;
            let order = souk_store::payments::order_money(h.conn(), order_id)
                .await?
                .ok_or(ServiceError::NotFound)?;
            let n = souk_store::payments::count_for_order(h.conn(), order_id).await?;
            (order, n + 1)
        };
        if order.status != "pending" {
            return Err(invalid_transition(&order.status, "paid"));
        }
        let amount = Money::new(order.total_minor - order.paid_minor, currency_of(&order)?);
        self.ensure_available(&method)?;
        let provider = self.providers.require(method.provider_id())?;
        let start = self
            .start_with(provider.as_ref(), order_id, amount, method, attempt)
            .await?;
        let now = Timestamp::now();
        let mut tx = self.db.begin().await?;
        let (payment_id, late_refund) = self
            .record(tx.conn(), &order, provider.as_ref(), amount, &start, now)
            .await?;
        tx.commit().await?;
        if let Some(reference) = late_refund {
            self.refund_late_payment(&provider, &reference, amount)
                .await;
        }
        if let PaymentStart::Declined { code, message } = &start {
            return Err(declined(code, message, order_id));
        }
        let (reference, status) = match &start {
            PaymentStart::Succeeded { reference } => (reference.as_str(), PaymentStatus::Succeeded),
            PaymentStart::Pending { reference } => (reference.as_str(), PaymentStatus::Pending),
            PaymentStart::Declined { .. } => ("", PaymentStatus::Failed),
        };
        let payment = PaymentRecord {
            id: payment_id,
            order_id,
            provider: provider.id().to_owned(),
            provider_ref: reference.to_owned(),
            status: status.as_str().to_owned(),
            amount_minor: amount.amount_minor,
            currency: amount.currency.code().to_owned(),
            failure_code: String::new(),
            created_at: now.as_micros(),
            updated_at: now.as_micros(),
        };
        Ok(PaymentOutcome {
            payment_id,
            order_id,
            provider: provider.id().to_owned(),
            status,
            amount,
            next_action: next_action(&payment),
        })
    }

    /// `POST /api/v1/orders/{id}/payments`: the buyer pays a still-pending order again (e.g. with another
    /// card). Anyone else gets 404.
    pub async fn retry(
        &self,
        viewer: &Viewer,
        order_id: i64,
        method: PaymentMethod,
    ) -> ServiceResult<PaymentOutcome> {
        {
            let mut h = self.db.read().await?;
            let order = souk_store::payments::order_money(h.conn(), order_id)
                .await?
                .ok_or(ServiceError::NotFound)?;
            if order.buyer_id != viewer.user_id {
                return Err(ServiceError::NotFound);
            }
        }
        self.pay(order_id, method).await
    }

    /// The merchant confirms a manual payment (bank transfer arrived, cash collected). Staff of the order's
    /// shop only; everyone else gets 404. Not pending → 409 `invalid_transition`.
    pub async fn mark_paid(&self, viewer: &Viewer, order_id: i64) -> ServiceResult<PaymentOutcome> {
        let now = Timestamp::now();
        let mut tx = self.db.begin().await?;
        let order = souk_store::payments::order_money(tx.conn(), order_id)
            .await?
            .ok_or(ServiceError::NotFound)?;
        require_staff(tx.conn(), viewer, ShopRef::Id(order.shop_id), false).await?;
        if order.status != "pending" {
            return Err(invalid_transition(&order.status, "paid"));
        }
        let amount = Money::new(order.total_minor - order.paid_minor, currency_of(&order)?);
        let pending = souk_store::payments::pending_for_order(tx.conn(), order_id).await?;
        let payment_id = match pending.iter().rev().find(|p| p.provider == manual::ID) {
            Some(p) => {
                souk_store::payments::settle(tx.conn(), p.id, "succeeded", "", now.as_micros())
                    .await?;
                p.id
            }
            None => {
                let reference = crate::random_token("manual_");
                souk_store::payments::insert(
                    tx.conn(),
                    &NewPayment {
                        order_id,
                        provider: manual::ID,
                        provider_ref: &reference,
                        status: "succeeded",
                        amount_minor: amount.amount_minor,
                        currency: amount.currency.code(),
                        failure_code: "",
                        now_us: now.as_micros(),
                    },
                )
                .await?
            }
        };
        souk_store::payments::set_order_provider(tx.conn(), order_id, manual::ID).await?;
        let paid = self
            .settle_succeeded(
                tx.conn(),
                &order,
                payment_id,
                amount,
                Some(viewer.user_id),
                now,
            )
            .await?;
        if !paid {
            // Another request moved the order on between our read and the guarded transition.
            return Err(invalid_transition("changed", "paid"));
        }
        tx.commit().await?;
        Ok(PaymentOutcome {
            payment_id,
            order_id,
            provider: manual::ID.into(),
            status: PaymentStatus::Succeeded,
            amount,
            next_action: None,
        })
    }

    /// Books a succeeded payment: paid total, ledger, and `pending → paid` with the `order_paid` mail.
    /// When the order is no longer pending (cancelled by the reservation timeout, or already paid), the
    /// money is recorded and immediately refunded in the ledger instead; returns false then, and the
    /// caller asks the provider to return it after committing.
    /// A provider that answers locally for this method, for the one-transaction checkout; refused like
    /// [`Self::pay`] refuses when the method is switched off.
    pub fn local_provider(
        &self,
        method: &PaymentMethod,
    ) -> ServiceResult<Arc<dyn PaymentProvider>> {
        self.ensure_available(method)?;
        let provider = self.providers.require(method.provider_id())?;
        if !provider.answers_locally() {
            return Err(ServiceError::Internal(format!(
                "payment provider {} is remote; it cannot run inside the order transaction",
                provider.id()
            )));
        }
        Ok(provider)
    }

    /// Whether checkout with this method can run in one transaction (see [`Self::local_provider`]).
    pub fn is_local(&self, method: &PaymentMethod) -> bool {
        self.providers
            .get(method.provider_id())
            .is_some_and(|p| p.answers_locally())
    }

    /// Asks the provider to take `amount` for the order (`attempt` numbers its tries).
    pub async fn start_with(
        &self,
        provider: &dyn PaymentProvider,
        order_id: i64,
        amount: Money,
        method: PaymentMethod,
        attempt: i64,
    ) -> ServiceResult<PaymentStart> {
        let req = PaymentRequest {
            order_id,
            amount,
            method,
            idempotency_reference: format!("souk_order_{order_id}_{attempt}"),
        };
        provider.start(&req).await
    }

    /// Records the provider's answer for a pending order in the caller's transaction (one-transaction
    /// checkout): the payment row, and the ledger and order status when it succeeded, or the cancelled
    /// order when it was declined. Returns the refusal to answer with for a declined payment.
    pub async fn record_start(
        &self,
        c: Conn<'_>,
        order: &OrderMoney,
        provider: &dyn PaymentProvider,
        amount: Money,
        start: &PaymentStart,
        now: Timestamp,
    ) -> ServiceResult<Option<ServiceError>> {
        let (_, late_refund) = self.record(c, order, provider, amount, start, now).await?;
        if late_refund.is_some() {
            // The order was created pending in this same transaction, so nothing can have closed it.
            return Err(ServiceError::Internal(
                "a new order was closed before its payment".into(),
            ));
        }
        Ok(match start {
            PaymentStart::Declined { code, message } => Some(declined(code, message, order.id)),
            _ => None,
        })
    }

    /// The payment row and what follows from the provider's answer; returns the payment id and, when a
    /// success arrived for an order that was closed meanwhile, the provider reference to refund.
    async fn record(
        &self,
        mut c: Conn<'_>,
        order: &OrderMoney,
        provider: &dyn PaymentProvider,
        amount: Money,
        start: &PaymentStart,
        now: Timestamp,
    ) -> ServiceResult<(i64, Option<String>)> {
        let order_id = order.id;
        souk_store::payments::set_order_provider(rb(&mut c), order_id, provider.id()).await?;
        let (reference, status, failure) = match start {
            PaymentStart::Succeeded { reference } => {
                (reference.as_str(), PaymentStatus::Succeeded, "")
            }
            PaymentStart::Pending { reference } => (reference.as_str(), PaymentStatus::Pending, ""),
            PaymentStart::Declined { code, .. } => ("", PaymentStatus::Failed, code.as_str()),
        };
        // Declined attempts have no provider reference; a unique placeholder keeps the UNIQUE constraint.
        let placeholder = crate::random_token("declined_");
        let payment_id = souk_store::payments::insert(
            rb(&mut c),
            &NewPayment {
                order_id,
                provider: provider.id(),
                provider_ref: if reference.is_empty() {
                    &placeholder
                } else {
                    reference
                },
                status: status.as_str(),
                amount_minor: amount.amount_minor,
                currency: amount.currency.code(),
                failure_code: failure,
                now_us: now.as_micros(),
            },
        )
        .await?;
        let mut late_refund = None;
        match start {
            PaymentStart::Succeeded { reference } => {
                let paid = self
                    .settle_succeeded(rb(&mut c), order, payment_id, amount, None, now)
                    .await?;
                if !paid {
                    late_refund = Some(reference.clone());
                }
            }
            PaymentStart::Declined { .. } => {
                cancel_after_decline(rb(&mut c), order_id).await?;
            }
            PaymentStart::Pending { .. } if provider.id() == manual::ID => {
                // A bank transfer takes days, not the minutes a card checkout holds stock for.
                let until = now.plus_seconds(self.manual_reservation_secs).as_micros();
                souk_store::orders::set_reserved_until(rb(&mut c), order_id, Some(until)).await?;
            }
            PaymentStart::Pending { .. } => {}
        }
        Ok((payment_id, late_refund))
    }

    async fn settle_succeeded(
        &self,
        mut c: Conn<'_>,
        order: &OrderMoney,
        payment_id: i64,
        amount: Money,
        actor: Option<i64>,
        now: Timestamp,
    ) -> ServiceResult<bool> {
        let us = now.as_micros();
        souk_store::payments::add_paid(rb(&mut c), order.id, amount.amount_minor, us).await?;
        ledger::post(
            rb(&mut c),
            &NewTransaction {
                kind: TxnKind::Payment,
                order_id: Some(order.id),
                payment_id: Some(payment_id),
                refund_id: None,
                shop_id: Some(order.shop_id),
                currency: amount.currency,
                memo: format!("payment for {}", crate::mail::order_number(order.id)),
                entries: ledger::payment_entries(
                    amount.amount_minor,
                    apply_bps(amount.amount_minor, self.fee_bps),
                ),
            },
            now,
        )
        .await?;
        let moved = souk_store::orders::transition(
            rb(&mut c),
            order.id,
            "pending",
            "paid",
            actor,
            "payment received",
            us,
        )
        .await?;
        if moved {
            souk_store::orders::set_reserved_until(rb(&mut c), order.id, None).await?;
            enqueue_order_mail(rb(&mut c), order.id, MailKind::OrderPaid).await?;
            return Ok(true);
        }
        // Too late: give the money back in the same transaction so the books never show it as kept.
        souk_store::refunds::add_refunded(rb(&mut c), order.id, amount.amount_minor, us).await?;
        let refund_id = souk_store::refunds::insert(
            rb(&mut c),
            &souk_store::refunds::NewRefund {
                order_id: order.id,
                payment_id: Some(payment_id),
                amount_minor: amount.amount_minor,
                currency: amount.currency.code(),
                reason: "payment arrived after the order was closed",
                restock: false,
                provider_ref: "",
                actor_id: None,
                now_us: us,
            },
        )
        .await?;
        ledger::post(
            rb(&mut c),
            &NewTransaction {
                kind: TxnKind::Refund,
                order_id: Some(order.id),
                payment_id: Some(payment_id),
                refund_id: Some(refund_id),
                shop_id: Some(order.shop_id),
                currency: amount.currency,
                memo: format!(
                    "automatic refund: {} was no longer pending",
                    crate::mail::order_number(order.id)
                ),
                entries: ledger::refund_entries(amount.amount_minor),
            },
            now,
        )
        .await?;
        Ok(false)
    }

    async fn refund_late_payment(
        &self,
        provider: &Arc<dyn PaymentProvider>,
        reference: &str,
        amount: Money,
    ) {
        match provider.refund(reference, amount).await {
            Ok(RefundResult::Succeeded { .. }) => {}
            Ok(RefundResult::Failed { code, message }) => {
                tracing::error!(%reference, %code, %message, "provider refused the refund of a late payment");
            }
            Err(e) => tracing::error!(%reference, error = %e, "could not refund a late payment"),
        }
    }

    /// A provider webhook: verified, then applied once. Replays, unknown references and events Souk does
    /// not act on change nothing.
    pub async fn handle_webhook(
        &self,
        provider_id: &str,
        headers: &[(String, String)],
        body: &[u8],
    ) -> Result<WebhookOutcome, WebhookError> {
        let provider = self
            .providers
            .get(provider_id)
            .ok_or(WebhookError::UnknownProvider)?;
        let now = Timestamp::now();
        let event = provider.verify_webhook(headers, body, now.as_micros() / 1_000_000)?;
        let mut tx = self.db.begin().await?;
        let Some(payment) =
            souk_store::payments::by_provider_ref(tx.conn(), provider.id(), &event.reference)
                .await?
        else {
            tracing::warn!(event = %event.id, reference = %event.reference, "webhook for an unknown payment");
            return Ok(WebhookOutcome::Ignored);
        };
        let order = souk_store::payments::order_money(tx.conn(), payment.order_id)
            .await?
            .ok_or(ServiceError::NotFound)?;
        let mut late_refund = false;
        let amount = Money::new(payment.amount_minor, currency_of(&order)?);
        match &event.kind {
            WebhookKind::PaymentSucceeded => {
                if !souk_store::payments::settle(
                    tx.conn(),
                    payment.id,
                    "succeeded",
                    "",
                    now.as_micros(),
                )
                .await?
                {
                    return Ok(WebhookOutcome::Ignored);
                }
                late_refund = !self
                    .settle_succeeded(tx.conn(), &order, payment.id, amount, None, now)
                    .await?;
            }
            WebhookKind::PaymentFailed { code } => {
                if !souk_store::payments::settle(
                    tx.conn(),
                    payment.id,
                    "failed",
                    code,
                    now.as_micros(),
                )
                .await?
                {
                    return Ok(WebhookOutcome::Ignored);
                }
                cancel_after_decline(tx.conn(), order.id).await?;
            }
            WebhookKind::Other => return Ok(WebhookOutcome::Ignored),
        }
        tx.commit().await?;
        if late_refund {
            self.refund_late_payment(&provider, &payment.provider_ref, amount)
                .await;
        }
        Ok(WebhookOutcome::Applied)
    }

    /// Test mode: sends the test provider's signed webhook for a pending test payment, as the provider
    /// would after the shopper confirmed (or failed) 3-D Secure. The order's buyer or shop staff only.
    pub async fn simulate(
        &self,
        viewer: &Viewer,
        payment_id: i64,
        succeed: bool,
    ) -> ServiceResult<SimulatedWebhook> {
        let payment = {
            let mut h = self.db.read().await?;
            let payment = souk_store::payments::get(h.conn(), payment_id)
                .await?
                .ok_or(ServiceError::NotFound)?;
            let order = souk_store::payments::order_money(h.conn(), payment.order_id)
                .await?
                .ok_or(ServiceError::NotFound)?;
            if order.buyer_id != viewer.user_id {
                require_staff(h.conn(), viewer, ShopRef::Id(order.shop_id), false).await?;
            }
            payment
        };
        if payment.provider != test_card::ID || self.providers.get(test_card::ID).is_none() {
            return Err(ServiceError::NotFound);
        }
        let body = if succeed {
            serde_json::json!({
                "id": crate::random_token("evt_"),
                "type": "payment.succeeded",
                "data": { "reference": payment.provider_ref },
            })
        } else {
            serde_json::json!({
                "id": crate::random_token("evt_"),
                "type": "payment.failed",
                "data": { "reference": payment.provider_ref, "failure_code": "authentication_failed" },
            })
        }
        .to_string();
        let signature = self
            .test
            .sign(Timestamp::now().as_micros() / 1_000_000, body.as_bytes());
        let headers = [(test_card::SIGNATURE_HEADER.to_owned(), signature.clone())];
        let outcome = self
            .handle_webhook(test_card::ID, &headers, body.as_bytes())
            .await
            .map_err(|e| match e {
                WebhookError::Service(e) => e,
                other => ServiceError::Internal(format!("simulated webhook refused: {other:?}")),
            })?;
        Ok(SimulatedWebhook {
            signature,
            body,
            outcome,
        })
    }
}

impl PaymentService {
    /// Test mode, from the buyer's order page: settles the order's pending test-card payment through the
    /// signed webhook. 409 `invalid_transition` when there is none (paid already, or not a test card).
    pub async fn confirm_test_payment(
        &self,
        viewer: &Viewer,
        order_id: i64,
        succeed: bool,
    ) -> ServiceResult<SimulatedWebhook> {
        let latest = {
            let mut h = self.db.read().await?;
            let order = souk_store::payments::order_money(h.conn(), order_id)
                .await?
                .ok_or(ServiceError::NotFound)?;
            if order.buyer_id != viewer.user_id {
                require_staff(h.conn(), viewer, ShopRef::Id(order.shop_id), false).await?;
            }
            souk_store::payments::latest_for_order(h.conn(), order_id).await?
        };
        match latest {
            Some(p) if p.provider == test_card::ID && p.status == "pending" => {
                self.simulate(viewer, p.id, succeed).await
            }
            _ => Err(invalid_transition("without a pending test payment", "paid")),
        }
    }
}

/// A declined payment ends the attempt: the order is cancelled, its stock released, and the lines go back
/// into the buyer's cart so they can try another card.
fn declined(code: &str, message: &str, order_id: i64) -> ServiceError {
    ServiceError::refused(Refusal::PaymentRequired, "payment_declined", message)
        .with_details(serde_json::json!({ "decline_code": code, "order_id": order_id }))
}

async fn cancel_after_decline(c: Conn<'_>, order_id: i64) -> ServiceResult<()> {
    crate::orders::cancel_pending_in_tx(c, order_id, None, "payment declined", true).await?;
    Ok(())
}
