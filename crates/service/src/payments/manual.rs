//! The manual provider: bank transfer or cash on delivery. Payments stay pending until the merchant marks
//! the order paid; refunds are recorded and the merchant returns the money by hand.

use super::{
    BoxFuture, PaymentProvider, PaymentRequest, PaymentStart, RefundResult, WebhookError,
    WebhookEvent,
};
use crate::ServiceResult;
use souk_domain::Money;

pub const ID: &str = "manual";

pub struct ManualProvider;

impl PaymentProvider for ManualProvider {
    fn id(&self) -> &'static str {
        ID
    }

    fn answers_locally(&self) -> bool {
        true
    }

    fn start<'a>(&'a self, _req: &'a PaymentRequest) -> BoxFuture<'a, ServiceResult<PaymentStart>> {
        Box::pin(async move {
            Ok(PaymentStart::Pending {
                reference: crate::random_token("manual_"),
            })
        })
    }

    fn verify_webhook(
        &self,
        _headers: &[(String, String)],
        _body: &[u8],
        _now_secs: i64,
    ) -> Result<WebhookEvent, WebhookError> {
        Err(WebhookError::InvalidSignature(
            "the manual provider sends no webhooks",
        ))
    }

    fn refund<'a>(
        &'a self,
        _reference: &'a str,
        _amount: Money,
    ) -> BoxFuture<'a, ServiceResult<RefundResult>> {
        Box::pin(async move {
            Ok(RefundResult::Succeeded {
                reference: crate::random_token("manual_refund_"),
            })
        })
    }
}
