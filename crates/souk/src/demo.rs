//! Demo data that makes a fresh install look alive: people and businesses in English, Chinese and Korean.
//! Loading is idempotent: what already exists is left exactly as it is.

use souk_domain::{Locale, Role};
use souk_service::accounts::SignUp;
use souk_service::{ServiceError, Services};

/// Every demo account uses this password; it is printed after loading.
pub const DEMO_PASSWORD: &str = "souk-demo";

struct DemoAccount {
    username: &'static str,
    display_name: &'static str,
    kind: &'static str,
    locale: Locale,
    bio: &'static str,
}

const ACCOUNTS: &[DemoAccount] = &[
    DemoAccount {
        username: "demo",
        display_name: "Demo Shopper",
        kind: "personal",
        locale: Locale::En,
        bio: "Trying out Souk. Log in as me to look around.",
    },
    DemoAccount {
        username: "mina_kim",
        display_name: "김민아 Mina",
        kind: "creator",
        locale: Locale::Ko,
        bio: "서울 데일리룩 · 가성비 패션 꿀템 공유해요 ✨",
    },
    DemoAccount {
        username: "seoul_stitch",
        display_name: "서울스티치 Seoul Stitch",
        kind: "business",
        locale: Locale::Ko,
        bio: "성수동 니트 공방. 매주 금요일 신상 오픈!",
    },
    DemoAccount {
        username: "lin_wei",
        display_name: "林薇",
        kind: "creator",
        locale: Locale::ZhCn,
        bio: "上海 · 春季穿搭和护肤好物分享",
    },
    DemoAccount {
        username: "chaye_tea",
        display_name: "茶也 Chaye Tea",
        kind: "business",
        locale: Locale::ZhCn,
        bio: "云南古树普洱，产地直发。",
    },
    DemoAccount {
        username: "yating_chen",
        display_name: "陳雅婷",
        kind: "personal",
        locale: Locale::ZhTw,
        bio: "台北 · 咖啡、手作、週末市集",
    },
    DemoAccount {
        username: "formosa_ceramics",
        display_name: "福爾摩沙陶坊",
        kind: "business",
        locale: Locale::ZhTw,
        bio: "鶯歌手拉坯茶器，每件都不一樣。",
    },
    DemoAccount {
        username: "alma_ceramics",
        display_name: "Alma Ceramics",
        kind: "business",
        locale: Locale::En,
        bio: "Small-batch stoneware from Lisbon. Shipping worldwide.",
    },
    DemoAccount {
        username: "alex_rivera",
        display_name: "Alex Rivera",
        kind: "creator",
        locale: Locale::En,
        bio: "Home cook. I review kitchen gear so you don't have to.",
    },
];

#[derive(Debug, Default)]
pub struct DemoReport {
    pub created: usize,
    pub existing: usize,
}

pub async fn load(services: &Services) -> anyhow::Result<DemoReport> {
    let mut report = DemoReport::default();
    for a in ACCOUNTS {
        let cmd = SignUp {
            username: a.username.into(),
            email: format!("{}@demo.souk.test", a.username),
            password: DEMO_PASSWORD.into(),
            kind: a.kind.into(),
            display_name: Some(a.display_name.into()),
            bio: Some(a.bio.into()),
            locale: Some(a.locale),
        };
        match services.accounts.create_user(cmd, Role::User).await {
            Ok(_) => report.created += 1,
            Err(ServiceError::Conflict(_)) => report.existing += 1,
            Err(e) => return Err(anyhow::anyhow!("demo account {}: {e:?}", a.username)),
        }
    }
    Ok(report)
}

pub fn login_hint(base_url: &str) -> String {
    format!(
        "Log in at {base_url}/login as `demo` with password `{DEMO_PASSWORD}` (every demo account, e.g. `mina_kim` or `lin_wei`, uses the same password)."
    )
}
