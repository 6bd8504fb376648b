//! The double-entry ledger: posting balanced transactions for payments and refunds, and checking balances.
//!
//! Chart of accounts (docs/payments.md has the full story):
//! - `shopper_payments`: money held from shoppers. Debited when a payment arrives, credited when it is
//!   given back.
//! - `merchant_payable`: what Souk owes the shop. Credited with each payment less the fee, debited by
//!   refunds.
//! - `platform_fees`: Souk's fee income, credited on payments.
//! - `refunds`: a clearing account each refund passes through, so refunds are visible as their own flow;
//!   it nets to zero per refund.

use crate::{ServiceError, ServiceResult, Viewer};
use souk_domain::{Currency, Money, Role, Timestamp};
use souk_store::{Conn, Db};

/// A borrowed connection handed on to several store calls in turn.
pub(crate) fn rb<'a>(c: &'a mut Conn<'_>) -> Conn<'a> {
    match c {
        Conn::Sqlite(x) => Conn::Sqlite(x),
        Conn::Postgres(x) => Conn::Postgres(x),
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Account {
    ShopperPayments,
    MerchantPayable,
    PlatformFees,
    Refunds,
}

impl Account {
    pub const ALL: [Account; 4] = [
        Account::ShopperPayments,
        Account::MerchantPayable,
        Account::PlatformFees,
        Account::Refunds,
    ];

    pub const fn as_str(self) -> &'static str {
        match self {
            Account::ShopperPayments => "shopper_payments",
            Account::MerchantPayable => "merchant_payable",
            Account::PlatformFees => "platform_fees",
            Account::Refunds => "refunds",
        }
    }
}

/// One side of a ledger line: exactly one of debit and credit is non-zero.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Entry {
    pub account: Account,
    pub debit: i64,
    pub credit: i64,
}

impl Entry {
    pub const fn debit(account: Account, amount: i64) -> Entry {
        Entry {
            account,
            debit: amount,
            credit: 0,
        }
    }

    pub const fn credit(account: Account, amount: i64) -> Entry {
        Entry {
            account,
            debit: 0,
            credit: amount,
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum TxnKind {
    Payment,
    Refund,
}

impl TxnKind {
    pub const fn as_str(self) -> &'static str {
        match self {
            TxnKind::Payment => "payment",
            TxnKind::Refund => "refund",
        }
    }
}

/// A ledger transaction before it is written: one currency, one shop, entries that must balance.
#[derive(Debug, Clone)]
pub struct NewTransaction {
    pub kind: TxnKind,
    pub order_id: Option<i64>,
    pub payment_id: Option<i64>,
    pub refund_id: Option<i64>,
    pub shop_id: Option<i64>,
    pub currency: Currency,
    pub memo: String,
    pub entries: Vec<Entry>,
}

/// Entries for a payment of `total` of which `fee` is Souk's: zero lines are left out.
pub fn payment_entries(total: i64, fee: i64) -> Vec<Entry> {
    let fee = fee.clamp(0, total);
    [
        Entry::debit(Account::ShopperPayments, total),
        Entry::credit(Account::MerchantPayable, total - fee),
        Entry::credit(Account::PlatformFees, fee),
    ]
    .into_iter()
    .filter(|e| e.debit != 0 || e.credit != 0)
    .collect()
}

/// Entries for a refund of `amount`: the shopper is paid back through the refunds account, and the
/// merchant's payable is reduced by the same amount (the fee is not returned to the merchant).
pub fn refund_entries(amount: i64) -> Vec<Entry> {
    if amount == 0 {
        return Vec::new();
    }
    vec![
        Entry::debit(Account::Refunds, amount),
        Entry::credit(Account::ShopperPayments, amount),
        Entry::debit(Account::MerchantPayable, amount),
        Entry::credit(Account::Refunds, amount),
    ]
}

/// Why a transaction may not be written.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Unbalanced {
    Empty,
    /// An entry with both sides zero, both sides set, or a negative side.
    BadEntry(usize),
    Sums {
        debits: i64,
        credits: i64,
    },
}

/// Debits equal credits, every entry has exactly one positive side, and there is at least one entry.
pub fn check_balanced(entries: &[Entry]) -> Result<(), Unbalanced> {
    if entries.is_empty() {
        return Err(Unbalanced::Empty);
    }
    let (mut debits, mut credits) = (0_i64, 0_i64);
    for (i, e) in entries.iter().enumerate() {
        if e.debit < 0 || e.credit < 0 || (e.debit == 0) == (e.credit == 0) {
            return Err(Unbalanced::BadEntry(i));
        }
        debits = debits.saturating_add(e.debit);
        credits = credits.saturating_add(e.credit);
    }
    if debits == credits {
        Ok(())
    } else {
        Err(Unbalanced::Sums { debits, credits })
    }
}

/// Writes a balanced transaction inside the caller's database transaction; refuses an unbalanced one
/// (an internal error: callers build entries with [`payment_entries`] and [`refund_entries`]).
pub async fn post(mut c: Conn<'_>, txn: &NewTransaction, now: Timestamp) -> ServiceResult<i64> {
    check_balanced(&txn.entries).map_err(|e| {
        ServiceError::Internal(format!("refusing an unbalanced ledger transaction: {e:?}"))
    })?;
    let id = souk_store::ledger::insert_transaction(
        rb(&mut c),
        txn.kind.as_str(),
        txn.order_id,
        txn.payment_id,
        txn.refund_id,
        &txn.memo,
        now.as_micros(),
    )
    .await?;
    for e in &txn.entries {
        souk_store::ledger::insert_entry(
            rb(&mut c),
            id,
            e.account.as_str(),
            txn.shop_id,
            txn.currency.code(),
            e.debit,
            e.credit,
        )
        .await?;
    }
    Ok(id)
}

/// One account's totals in one currency. `balance` is debits − credits.
#[derive(Debug, Clone)]
pub struct Balance {
    pub account: String,
    pub currency: String,
    pub debit_minor: i64,
    pub credit_minor: i64,
    pub balance_minor: i64,
}

#[derive(Debug, Clone)]
pub struct UnbalancedTxn {
    pub transaction_id: i64,
    pub currency: String,
    pub debit_minor: i64,
    pub credit_minor: i64,
}

/// What `souk ledger check` and the admin page show.
#[derive(Debug, Clone)]
pub struct LedgerReport {
    pub transactions: i64,
    pub unbalanced: Vec<UnbalancedTxn>,
    pub mismatched_orders: Vec<souk_store::ledger::OrderMismatch>,
    pub balances: Vec<Balance>,
    /// Per currency, the sum of all debits minus all credits; zero when the books balance.
    pub currency_totals: Vec<(String, i64)>,
}

impl LedgerReport {
    pub fn ok(&self) -> bool {
        self.unbalanced.is_empty()
            && self.mismatched_orders.is_empty()
            && self.currency_totals.iter().all(|(_, d)| *d == 0)
    }

    /// A balance as Money, when its currency code is valid.
    pub fn money(currency: &str, minor: i64) -> Option<Money> {
        Currency::parse(currency).ok().map(|c| Money::new(minor, c))
    }
}

#[derive(Clone)]
pub struct LedgerService {
    db: Db,
}

impl LedgerService {
    pub fn new(db: Db) -> Self {
        Self { db }
    }

    /// The full check, for the CLI (no viewer: whoever can run the binary is the operator).
    pub async fn check(&self) -> ServiceResult<LedgerReport> {
        let mut h = self.db.read().await?;
        let transactions = souk_store::ledger::transaction_count(h.conn()).await?;
        let unbalanced = souk_store::ledger::unbalanced(h.conn())
            .await?
            .into_iter()
            .map(|(id, currency, d, c)| UnbalancedTxn {
                transaction_id: id,
                currency,
                debit_minor: d,
                credit_minor: c,
            })
            .collect();
        let mismatched_orders = souk_store::ledger::order_mismatches(h.conn()).await?;
        let balances: Vec<Balance> = souk_store::ledger::balances(h.conn())
            .await?
            .into_iter()
            .map(|(account, currency, d, c)| Balance {
                account,
                currency,
                debit_minor: d,
                credit_minor: c,
                balance_minor: d - c,
            })
            .collect();
        let mut currency_totals: Vec<(String, i64)> = Vec::new();
        for b in &balances {
            match currency_totals.iter_mut().find(|(c, _)| *c == b.currency) {
                Some((_, t)) => *t += b.balance_minor,
                None => currency_totals.push((b.currency.clone(), b.balance_minor)),
            }
        }
        Ok(LedgerReport {
            transactions,
            unbalanced,
            mismatched_orders,
            balances,
            currency_totals,
        })
    }

    /// The check for the admin API and page: operators only, everyone else gets 404.
    pub async fn check_for(&self, viewer: &Viewer) -> ServiceResult<LedgerReport> {
        if viewer.role != Role::Admin {
            return Err(ServiceError::NotFound);
        }
        self.check().await
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn payment_entries_balance_and_skip_zero_fee() {
        let e = payment_entries(10_000, 250);
        assert_eq!(check_balanced(&e), Ok(()));
        assert_eq!(e.len(), 3);
        let e = payment_entries(10_000, 0);
        assert_eq!(e.len(), 2);
        assert_eq!(check_balanced(&e), Ok(()));
        // A fee larger than the payment cannot make the merchant's side negative.
        assert_eq!(check_balanced(&payment_entries(100, 500)), Ok(()));
    }

    #[test]
    fn refund_entries_balance_and_clear_the_refunds_account() {
        let e = refund_entries(3_000);
        assert_eq!(check_balanced(&e), Ok(()));
        let refunds: i64 = e
            .iter()
            .filter(|x| x.account == Account::Refunds)
            .map(|x| x.debit - x.credit)
            .sum();
        assert_eq!(refunds, 0);
        assert!(refund_entries(0).is_empty());
    }

    #[test]
    fn unbalanced_and_malformed_transactions_are_refused() {
        assert_eq!(check_balanced(&[]), Err(Unbalanced::Empty));
        assert_eq!(
            check_balanced(&[
                Entry::debit(Account::ShopperPayments, 100),
                Entry::credit(Account::MerchantPayable, 90),
            ]),
            Err(Unbalanced::Sums {
                debits: 100,
                credits: 90
            })
        );
        assert_eq!(
            check_balanced(&[
                Entry::debit(Account::ShopperPayments, 0),
                Entry::credit(Account::MerchantPayable, 0),
            ]),
            Err(Unbalanced::BadEntry(0))
        );
        assert_eq!(
            check_balanced(&[
                Entry {
                    account: Account::ShopperPayments,
                    debit: 5,
                    credit: 5
                },
                Entry::credit(Account::MerchantPayable, 0),
            ]),
            Err(Unbalanced::BadEntry(0))
        );
        assert_eq!(
            check_balanced(&[
                Entry::debit(Account::ShopperPayments, -5),
                Entry::credit(Account::MerchantPayable, -5),
            ]),
            Err(Unbalanced::BadEntry(0))
        );
    }
}
