//! Outgoing mail: rendering order e-mails into the outbox and sending them with lettre.
//!
//! [`enqueue_order_mail`] runs inside the caller's transaction, so an order change and the mail announcing
//! it commit or roll back together (the outbox pattern). [`MailService::send_pending`] delivers later; in
//! development and tests it writes `.eml` files into `commerce.mail_dir`.

use crate::ledger::rb;
use crate::{CommerceConfig, ServiceError, ServiceResult, Viewer};
use souk_domain::{Currency, Locale, Money, Role, Timestamp};
use souk_store::mail::{MailOrder, MailRecord};
use souk_store::{Conn, Db};
use std::collections::HashMap;
use std::path::PathBuf;
use std::sync::OnceLock;

/// The e-mails an order sends its buyer.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum MailKind {
    OrderPlaced,
    OrderPaid,
    OrderFulfilled,
    OrderDelivered,
    OrderCancelled,
    OrderRefunded,
    OrderRequestReceived,
}

impl MailKind {
    pub const fn as_str(self) -> &'static str {
        match self {
            MailKind::OrderPlaced => "order_placed",
            MailKind::OrderPaid => "order_paid",
            MailKind::OrderFulfilled => "order_fulfilled",
            MailKind::OrderDelivered => "order_delivered",
            MailKind::OrderCancelled => "order_cancelled",
            MailKind::OrderRefunded => "order_refunded",
            MailKind::OrderRequestReceived => "order_request_received",
        }
    }
}

/// "SOUK-000123": the order number people quote in mail and on the phone.
pub fn order_number(order_id: i64) -> String {
    format!("SOUK-{order_id:06}")
}

/// The mail texts, read from the web catalogues at build time so translators keep one file per language.
fn catalogue(locale: Locale) -> &'static HashMap<String, String> {
    static CATALOGUES: OnceLock<[HashMap<String, String>; 4]> = OnceLock::new();
    let all = CATALOGUES.get_or_init(|| {
        [
            parse_catalogue(include_str!("../../web/locales/en.yml")),
            parse_catalogue(include_str!("../../web/locales/zh-CN.yml")),
            parse_catalogue(include_str!("../../web/locales/zh-TW.yml")),
            parse_catalogue(include_str!("../../web/locales/ko.yml")),
        ]
    });
    match locale {
        Locale::En => &all[0],
        Locale::ZhCn => &all[1],
        Locale::ZhTw => &all[2],
        Locale::Ko => &all[3],
    }
}

/// The `mail.` keys of a flat `key: "value"` catalogue (the only YAML shape the catalogues use).
fn parse_catalogue(text: &str) -> HashMap<String, String> {
    text.lines()
        .filter(|l| l.starts_with("mail."))
        .filter_map(|l| l.split_once(':'))
        .map(|(k, v)| (k.trim().to_owned(), unquote(v.trim())))
        .collect()
}

fn unquote(v: &str) -> String {
    let Some(inner) = v.strip_prefix('"').and_then(|s| s.strip_suffix('"')) else {
        return v.to_owned();
    };
    let mut out = String::with_capacity(inner.len());
    let mut chars = inner.chars();
    while let Some(ch) = chars.next() {
        if ch == '\\' {
            match chars.next() {
                Some('n') => out.push('\n'),
                Some(other) => out.push(other),
                None => {}
            }
        } else {
            out.push(ch);
        }
    }
    out
}

/// `key` in `locale`, falling back to English and then to the key.
fn tr(locale: Locale, key: &str, args: &[(&str, &str)]) -> String {
    let mut s = catalogue(locale)
        .get(key)
        .or_else(|| catalogue(Locale::En).get(key))
        .cloned()
        .unwrap_or_else(|| key.to_owned());
    for (name, value) in args {
        s = s.replace(&format!("%{{{name}}}"), value);
    }
    s
}

/// Subject and plain-text body of one order e-mail.
pub fn render_order_mail(
    kind: MailKind,
    order: &MailOrder,
    lines: &[souk_store::refunds::RefundableLine],
) -> ServiceResult<(String, String)> {
    let locale = order
        .buyer_locale
        .as_deref()
        .and_then(Locale::from_tag)
        .unwrap_or_default();
    let currency =
        Currency::parse(&order.currency).map_err(|e| ServiceError::Internal(e.to_string()))?;
    let money = |minor: i64| Money::new(minor, currency).format(locale);
    let number = order_number(order.id);
    let args = [
        ("number", number.as_str()),
        ("shop", order.shop_name.as_str()),
        ("name", order.buyer_username.as_str()),
    ];
    let subject = tr(locale, &format!("mail.subject.{}", kind.as_str()), &args);
    let mut body = String::new();
    body.push_str(&tr(locale, "mail.greeting", &args));
    body.push_str("\n\n");
    body.push_str(&tr(locale, &format!("mail.intro.{}", kind.as_str()), &args));
    body.push_str("\n\n");
    if kind == MailKind::OrderFulfilled && !order.tracking_number.is_empty() {
        body.push_str(&tr(
            locale,
            "mail.tracking",
            &[("tracking", order.tracking_number.as_str())],
        ));
        body.push('\n');
        if !order.carrier.is_empty() {
            body.push_str(&tr(
                locale,
                "mail.carrier",
                &[("carrier", order.carrier.as_str())],
            ));
            body.push('\n');
        }
        body.push('\n');
    }
    body.push_str(&tr(locale, "mail.items", &[]));
    body.push('\n');
    for l in lines {
        let title = if l.variant_title.is_empty() {
            l.title.clone()
        } else {
            format!("{} ({})", l.title, l.variant_title)
        };
        body.push_str(&format!(
            "  {} × {} — {}\n",
            l.quantity,
            title,
            money(l.unit_price_minor.saturating_mul(l.quantity))
        ));
        if l.refunded_quantity > 0 {
            body.push_str(&format!(
                "    {}\n",
                tr(
                    locale,
                    "mail.line_refunded",
                    &[("n", &l.refunded_quantity.to_string())]
                )
            ));
        }
    }
    body.push('\n');
    let mut totals = vec![
        ("mail.subtotal", order.subtotal_minor),
        ("mail.shipping", order.shipping_minor),
        ("mail.tax", order.tax_minor),
        ("mail.total", order.total_minor),
    ];
    if order.paid_minor > 0 {
        totals.push(("mail.paid", order.paid_minor));
    }
    if order.refunded_minor > 0 {
        totals.push(("mail.refunded", order.refunded_minor));
    }
    for (key, minor) in totals {
        body.push_str(&format!("{}: {}\n", tr(locale, key, &[]), money(minor)));
    }
    body.push('\n');
    body.push_str(&tr(locale, "mail.order_number", &args));
    body.push('\n');
    body.push_str(&tr(locale, "mail.footer", &args));
    body.push('\n');
    Ok((subject, body))
}

/// Renders an order e-mail in the buyer's language and puts it in the outbox, inside the caller's
/// transaction. Orders without any address (should not happen) are skipped silently.
pub async fn enqueue_order_mail(
    mut c: Conn<'_>,
    order_id: i64,
    kind: MailKind,
) -> ServiceResult<()> {
    let Some(order) = souk_store::mail::order_for_mail(rb(&mut c), order_id).await? else {
        return Err(ServiceError::NotFound);
    };
    if order.email.is_empty() {
        return Ok(());
    }
    let lines = souk_store::refunds::order_lines(rb(&mut c), order_id).await?;
    let (subject, body) = render_order_mail(kind, &order, &lines)?;
    souk_store::mail::insert(
        rb(&mut c),
        &order.email,
        &subject,
        &body,
        kind.as_str(),
        Some(order_id),
        Timestamp::now().as_micros(),
    )
    .await?;
    Ok(())
}

/// What one sending round did.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct SendReport {
    pub sent: usize,
    pub failed: usize,
}

#[derive(Clone)]
pub struct MailService {
    db: Db,
    from: String,
    dir: PathBuf,
}

impl MailService {
    pub fn new(db: Db, config: &CommerceConfig) -> Self {
        Self {
            db,
            from: config.mail_from.clone(),
            dir: config.mail_dir.clone(),
        }
    }

    /// Where development mail goes.
    pub fn mail_dir(&self) -> &std::path::Path {
        &self.dir
    }

    /// Delivers every due message (pending, or failed with attempts left): each is claimed with a guarded
    /// UPDATE first, so concurrent senders never deliver one twice.
    pub async fn send_pending(&self) -> ServiceResult<SendReport> {
        let mut report = SendReport::default();
        let due = {
            let mut h = self.db.read().await?;
            souk_store::mail::due(h.conn(), 100).await?
        };
        if due.is_empty() {
            return Ok(report);
        }
        for m in due {
            let claimed = {
                let mut tx = self.db.begin().await?;
                let ok =
                    souk_store::mail::claim(tx.conn(), m.id, Timestamp::now().as_micros()).await?;
                tx.commit().await?;
                ok
            };
            if !claimed {
                continue;
            }
            if let Err(error) = self.deliver(&m) {
                tracing::warn!(mail_id = m.id, %error, "mail delivery failed");
                let mut tx = self.db.begin().await?;
                souk_store::mail::mark_failed(tx.conn(), m.id, &error).await?;
                tx.commit().await?;
                report.failed += 1;
            } else {
                report.sent += 1;
            }
        }
        Ok(report)
    }

    fn deliver(&self, m: &MailRecord) -> Result<(), String> {
        use lettre::Transport;
        use lettre::message::header::ContentType;
        // A missing or unwritable folder is a delivery failure like any other: the row records it and is
        // retried, instead of the whole round stopping.
        std::fs::create_dir_all(&self.dir)
            .map_err(|e| format!("cannot create {}: {e}", self.dir.display()))?;
        let from = self
            .from
            .parse()
            .map_err(|e| format!("invalid From address {:?}: {e}", self.from))?;
        let to = m
            .to_address
            .parse()
            .map_err(|e| format!("invalid recipient {:?}: {e}", m.to_address))?;
        let message = lettre::Message::builder()
            .from(from)
            .to(to)
            .subject(m.subject.clone())
            .header(ContentType::TEXT_PLAIN)
            // Quoted-printable keeps the ASCII parts (order number, tracking, amounts) readable in the
            // raw file while staying 7-bit safe for any SMTP relay.
            .body(
                lettre::message::Body::new_with_encoding(
                    m.body_text.clone(),
                    lettre::message::header::ContentTransferEncoding::QuotedPrintable,
                )
                .map_err(|_| "the body cannot be encoded".to_owned())?,
            )
            .map_err(|e| e.to_string())?;
        lettre::FileTransport::new(&self.dir)
            .send(&message)
            .map(|_| ())
            .map_err(|e| e.to_string())
    }

    /// The outbox, newest first (operators only; others get 404).
    pub async fn outbox(&self, viewer: &Viewer, limit: i64) -> ServiceResult<Vec<MailRecord>> {
        require_admin(viewer)?;
        let mut h = self.db.read().await?;
        Ok(souk_store::mail::list(h.conn(), limit.clamp(1, 500)).await?)
    }

    pub async fn message(&self, viewer: &Viewer, id: i64) -> ServiceResult<MailRecord> {
        require_admin(viewer)?;
        let mut h = self.db.read().await?;
        souk_store::mail::get(h.conn(), id)
            .await?
            .ok_or(ServiceError::NotFound)
    }

    /// "Send now" for operators.
    pub async fn send_now(&self, viewer: &Viewer) -> ServiceResult<SendReport> {
        require_admin(viewer)?;
        self.send_pending().await
    }
}

fn require_admin(viewer: &Viewer) -> ServiceResult<()> {
    if viewer.role == Role::Admin {
        Ok(())
    } else {
        Err(ServiceError::NotFound)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_mail_key_exists_in_english() {
        let en = catalogue(Locale::En);
        for kind in [
            MailKind::OrderPlaced,
            MailKind::OrderPaid,
            MailKind::OrderFulfilled,
            MailKind::OrderDelivered,
            MailKind::OrderCancelled,
            MailKind::OrderRefunded,
            MailKind::OrderRequestReceived,
        ] {
            for part in ["subject", "intro"] {
                let key = format!("mail.{part}.{}", kind.as_str());
                assert!(en.contains_key(&key), "missing {key}");
            }
        }
    }

    #[test]
    fn renders_in_the_buyers_language_with_money_formatting() {
        let order = MailOrder {
            id: 42,
            status: "paid".into(),
            currency: "KRW".into(),
            subtotal_minor: 30_000,
            shipping_minor: 3_000,
            tax_minor: 0,
            total_minor: 33_000,
            paid_minor: 33_000,
            refunded_minor: 0,
            email: "mina@example.com".into(),
            buyer_username: "mina".into(),
            buyer_locale: Some("ko".into()),
            shop_name: "Seoul Tea".into(),
            tracking_number: "TRK1".into(),
            carrier: "CJ".into(),
        };
        let lines = vec![souk_store::refunds::RefundableLine {
            id: 1,
            variant_id: Some(1),
            title: "Green tea".into(),
            variant_title: "Large".into(),
            unit_price_minor: 15_000,
            quantity: 2,
            refunded_quantity: 0,
        }];
        let (subject, body) = render_order_mail(MailKind::OrderFulfilled, &order, &lines).unwrap();
        assert!(subject.contains("SOUK-000042"), "{subject}");
        assert!(body.contains("₩33,000"), "{body}");
        assert!(body.contains("2 × Green tea (Large)"), "{body}");
        assert!(body.contains("TRK1"), "{body}");
        assert!(!body.contains("mail."), "untranslated key in {body}");
    }

    #[test]
    fn unquotes_yaml_strings() {
        assert_eq!(unquote(r#""a \"b\" c""#), "a \"b\" c");
        assert_eq!(unquote("plain"), "plain");
    }
}
