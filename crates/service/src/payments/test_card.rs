//! The offline test card provider: Stripe-like card numbers that succeed, decline or wait for a signed
//! webhook, so the whole payment flow runs without a network.
//!
//! Webhooks carry `Souk-Signature: t=<unix seconds>,v1=<hex HMAC-SHA256(secret, "<t>.<body>")>`, the
//! scheme Stripe uses: the timestamp is signed too, so a captured webhook cannot be replayed after the
//! tolerance window.

use super::{
    BoxFuture, PaymentMethod, PaymentProvider, PaymentRequest, PaymentStart, RefundResult,
    WebhookError, WebhookEvent, WebhookKind,
};
use crate::ServiceResult;
use hmac::{Hmac, Mac};
use sha2::Sha256;
use souk_domain::Money;

pub const ID: &str = "test";
pub const SIGNATURE_HEADER: &str = "souk-signature";
/// How old (or how far in the future) a signed timestamp may be.
pub const TOLERANCE_SECS: i64 = 300;

pub const CARD_SUCCEEDS: &str = "4242424242424242";
pub const CARD_DECLINED: &str = "4000000000000002";
pub const CARD_INSUFFICIENT_FUNDS: &str = "4000000000009995";
pub const CARD_NEEDS_CONFIRMATION: &str = "4000000000003220";

pub struct TestCardProvider {
    secret: String,
}

impl TestCardProvider {
    pub fn new(secret: &str) -> Self {
        Self {
            secret: secret.to_owned(),
        }
    }

    /// The `Souk-Signature` header value for `body` signed at `t` (what the simulator sends).
    pub fn sign(&self, t: i64, body: &[u8]) -> String {
        format!("t={t},v1={}", hex::encode(signature(&self.secret, t, body)))
    }
}

/// HMAC-SHA256 (RFC 2104).
pub fn hmac_sha256(key: &[u8], msg: &[u8]) -> [u8; 32] {
    // Any key length is valid for HMAC, so this cannot fail.
    let mut mac = <Hmac<Sha256> as Mac>::new_from_slice(key)
        .unwrap_or_else(|_| unreachable!("HMAC accepts keys of any length"));
    mac.update(msg);
    mac.finalize().into_bytes().into()
}

fn signature(secret: &str, t: i64, body: &[u8]) -> [u8; 32] {
    let mut msg = format!("{t}.").into_bytes();
    msg.extend_from_slice(body);
    hmac_sha256(secret.as_bytes(), &msg)
}

/// Equal-length comparison whose time does not depend on where the first difference is.
pub fn constant_time_eq(a: &[u8], b: &[u8]) -> bool {
    if a.len() != b.len() {
        return false;
    }
    a.iter().zip(b).fold(0u8, |acc, (x, y)| acc | (x ^ y)) == 0
}

/// `t=…,v1=…[,v1=…]`: the timestamp and every v1 signature (several while a secret is being rotated).
pub fn parse_signature(header: &str) -> Result<(i64, Vec<[u8; 32]>), &'static str> {
    let mut t = None;
    let mut sigs = Vec::new();
    for part in header.split(',') {
        let Some((k, v)) = part.trim().split_once('=') else {
            return Err("malformed signature header");
        };
        match k {
            "t" => t = Some(v.parse::<i64>().map_err(|_| "bad timestamp")?),
            "v1" => {
                let bytes = hex::decode(v).map_err(|_| "bad signature encoding")?;
                let arr: [u8; 32] = bytes.try_into().map_err(|_| "bad signature length")?;
                sigs.push(arr);
            }
            // Unknown schemes are ignored, as Stripe does, so new ones can be added alongside.
            _ => {}
        }
    }
    let t = t.ok_or("missing timestamp")?;
    if sigs.is_empty() {
        return Err("missing v1 signature");
    }
    Ok((t, sigs))
}

/// Checks a webhook's signature and age.
pub fn verify(secret: &str, header: &str, body: &[u8], now_secs: i64) -> Result<(), &'static str> {
    let (t, sigs) = parse_signature(header)?;
    if (now_secs - t).abs() > TOLERANCE_SECS {
        return Err("timestamp outside the tolerance window");
    }
    let expected = signature(secret, t, body);
    if sigs.iter().any(|s| constant_time_eq(s, &expected)) {
        Ok(())
    } else {
        Err("signature mismatch")
    }
}

fn digits(card: &str) -> String {
    card.chars().filter(char::is_ascii_digit).collect()
}

fn reference(prefix: &str) -> String {
    // Provider references must be unique per provider (a UNIQUE constraint); 32 random bytes are.
    crate::random_token(prefix)
}

impl PaymentProvider for TestCardProvider {
    fn id(&self) -> &'static str {
        ID
    }

    fn answers_locally(&self) -> bool {
        true
    }

    fn start<'a>(&'a self, req: &'a PaymentRequest) -> BoxFuture<'a, ServiceResult<PaymentStart>> {
        Box::pin(async move {
            let PaymentMethod::TestCard { card_number } = &req.method else {
                return Ok(PaymentStart::Declined {
                    code: "unsupported_method".into(),
                    message: "The test provider only takes test cards.".into(),
                });
            };
            Ok(match digits(card_number).as_str() {
                CARD_SUCCEEDS => PaymentStart::Succeeded {
                    reference: reference("tp_"),
                },
                CARD_NEEDS_CONFIRMATION => PaymentStart::Pending {
                    reference: reference("tp_"),
                },
                CARD_INSUFFICIENT_FUNDS => PaymentStart::Declined {
                    code: "insufficient_funds".into(),
                    message: "The card has insufficient funds.".into(),
                },
                _ => PaymentStart::Declined {
                    code: "card_declined".into(),
                    message: "The card was declined.".into(),
                },
            })
        })
    }

    fn verify_webhook(
        &self,
        headers: &[(String, String)],
        body: &[u8],
        now_secs: i64,
    ) -> Result<WebhookEvent, WebhookError> {
        let header = headers
            .iter()
            .find(|(k, _)| k.eq_ignore_ascii_case(SIGNATURE_HEADER))
            .map(|(_, v)| v.as_str())
            .ok_or(WebhookError::InvalidSignature(
                "missing Souk-Signature header",
            ))?;
        verify(&self.secret, header, body, now_secs).map_err(WebhookError::InvalidSignature)?;
        let v: serde_json::Value = serde_json::from_slice(body)
            .map_err(|_| WebhookError::InvalidPayload("the body is not JSON"))?;
        let id = v["id"]
            .as_str()
            .ok_or(WebhookError::InvalidPayload("missing id"))?;
        let reference = v["data"]["reference"]
            .as_str()
            .ok_or(WebhookError::InvalidPayload("missing data.reference"))?;
        let kind = match v["type"].as_str() {
            Some("payment.succeeded") => WebhookKind::PaymentSucceeded,
            Some("payment.failed") => WebhookKind::PaymentFailed {
                code: v["data"]["failure_code"]
                    .as_str()
                    .unwrap_or("card_declined")
                    .to_owned(),
            },
            _ => WebhookKind::Other,
        };
        Ok(WebhookEvent {
            id: id.to_owned(),
            kind,
            reference: reference.to_owned(),
        })
    }

    fn refund<'a>(
        &'a self,
        _reference: &'a str,
        _amount: Money,
    ) -> BoxFuture<'a, ServiceResult<RefundResult>> {
        Box::pin(async move {
            Ok(RefundResult::Succeeded {
                reference: reference("tr_"),
            })
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn hmac_matches_rfc_4231() {
        let mac = hmac_sha256(&[0x0b; 20], b"Hi There");
        assert_eq!(
            hex::encode(mac),
            "b0344c61d8db38535ca8afceaf0bf12b881dc200c9833da726e9376c2e32cff7"
        );
        let mac = hmac_sha256(
            &[0xaa; 131],
            b"Test Using Larger Than Block-Size Key - Hash Key First",
        );
        assert_eq!(
            hex::encode(mac),
            "60e431591ee0b67f0d8a26aacbf5b77f8e0bc6213728c5140546040f0ee37f54"
        );
    }

    #[test]
    fn parses_signature_headers() {
        let sig = "00".repeat(32);
        let (t, sigs) = parse_signature(&format!("t=1700000000,v1={sig}")).unwrap();
        assert_eq!(t, 1_700_000_000);
        assert_eq!(sigs.len(), 1);
        let (_, sigs) = parse_signature(&format!("t=1, v1={sig}, v0=abc, v1={sig}")).unwrap();
        assert_eq!(sigs.len(), 2);
        assert!(parse_signature(&format!("v1={sig}")).is_err());
        assert!(parse_signature("t=1").is_err());
        assert!(parse_signature("t=x,v1=00").is_err());
        assert!(parse_signature("t=1,v1=zz").is_err());
        assert!(parse_signature("t=1,v1=00").is_err());
        assert!(parse_signature("garbage").is_err());
    }

    #[test]
    fn verifies_signature_and_age() {
        let p = TestCardProvider::new("whsec");
        let body = br#"{"id":"evt_1"}"#;
        let header = p.sign(1_000, body);
        assert_eq!(verify("whsec", &header, body, 1_000), Ok(()));
        assert_eq!(
            verify("whsec", &header, body, 1_000 + TOLERANCE_SECS),
            Ok(())
        );
        assert!(verify("whsec", &header, body, 1_000 + TOLERANCE_SECS + 1).is_err());
        assert!(verify("whsec", &header, body, 1_000 - TOLERANCE_SECS - 1).is_err());
        assert!(verify("other", &header, body, 1_000).is_err());
        assert!(verify("whsec", &header, br#"{"id":"evt_2"}"#, 1_000).is_err());
    }

    #[test]
    fn compares_in_constant_time_shape() {
        assert!(constant_time_eq(b"abc", b"abc"));
        assert!(!constant_time_eq(b"abc", b"abd"));
        assert!(!constant_time_eq(b"abc", b"ab"));
    }
}
