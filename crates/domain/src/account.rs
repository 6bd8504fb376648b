//! Account identity: usernames, emails, passwords, account kinds and roles, with Souk's rules for each.

use crate::validation::FieldError;
use serde::{Deserialize, Serialize};

/// A username: 3–30 ASCII letters, digits or underscores, unique regardless of case.
///
/// ASCII keeps profile URLs and @mentions unambiguous across keyboards (the platforms Souk competes with
/// do the same); names in any script go in the display name.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize)]
#[serde(transparent)]
pub struct Username(String);

/// Names that would be confusing as a person's handle or collide with operator wording.
const RESERVED_USERNAMES: &[&str] = &[
    "admin",
    "administrator",
    "root",
    "souk",
    "support",
    "help",
    "api",
    "static",
    "settings",
    "login",
    "logout",
    "signup",
    "system",
    "moderator",
    "official",
    "null",
    "undefined",
];

impl Username {
    pub const MIN_LEN: usize = 3;
    pub const MAX_LEN: usize = 30;

    pub fn parse(raw: &str) -> Result<Self, FieldError> {
        let s = raw.trim();
        let len = s.chars().count();
        if len == 0 {
            return Err(FieldError::new(
                "username",
                "username_required",
                "Username is required.",
            ));
        }
        if len < Self::MIN_LEN {
            return Err(FieldError::new(
                "username",
                "username_too_short",
                format!("Username must be at least {} characters.", Self::MIN_LEN),
            ));
        }
        if len > Self::MAX_LEN {
            return Err(FieldError::new(
                "username",
                "username_too_long",
                format!("Username must be at most {} characters.", Self::MAX_LEN),
            ));
        }
        if !s.chars().all(|c| c.is_ascii_alphanumeric() || c == '_') {
            return Err(FieldError::new(
                "username",
                "username_invalid_chars",
                "Username may contain only letters a–z, digits and underscores.",
            ));
        }
        if RESERVED_USERNAMES.contains(&s.to_ascii_lowercase().as_str()) {
            return Err(FieldError::new(
                "username",
                "username_reserved",
                "This username is reserved.",
            ));
        }
        Ok(Self(s.to_owned()))
    }

    /// The username as the user typed it (case preserved for display).
    pub fn as_str(&self) -> &str {
        &self.0
    }

    /// The key that makes usernames unique regardless of case.
    pub fn canonical(&self) -> String {
        self.0.to_ascii_lowercase()
    }
}

impl std::fmt::Display for Username {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.0)
    }
}

/// An email address, trimmed and lower-cased so one mailbox maps to one account.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize)]
#[serde(transparent)]
pub struct Email(String);

impl Email {
    pub const MAX_LEN: usize = 254;

    pub fn parse(raw: &str) -> Result<Self, FieldError> {
        let s = raw.trim().to_lowercase();
        if s.is_empty() {
            return Err(FieldError::new(
                "email",
                "email_required",
                "Email is required.",
            ));
        }
        if s.len() > Self::MAX_LEN {
            return Err(FieldError::new(
                "email",
                "email_too_long",
                format!("Email must be at most {} characters.", Self::MAX_LEN),
            ));
        }
        // A dot in the domain rules out intranet-only addresses that could never receive Souk's mail.
        let domain_ok = s
            .rsplit_once('@')
            .is_some_and(|(_, d)| d.contains('.') && !d.starts_with('.') && !d.ends_with('.'));
        if !domain_ok || !email_address::EmailAddress::is_valid(&s) {
            return Err(FieldError::new(
                "email",
                "email_invalid",
                "Enter a valid email address, like name@example.com.",
            ));
        }
        Ok(Self(s))
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

/// A new password that meets the policy. Never serialised, never logged.
pub struct Password(String);

impl Password {
    /// NIST SP 800-63B: at least 8 characters, long passphrases allowed, no composition rules.
    pub const MIN_CHARS: usize = 8;
    pub const MAX_CHARS: usize = 128;

    pub fn parse(raw: &str, field: &'static str) -> Result<Self, FieldError> {
        let n = raw.chars().count();
        if n == 0 {
            return Err(FieldError::new(
                field,
                "password_required",
                "Password is required.",
            ));
        }
        if n < Self::MIN_CHARS {
            return Err(FieldError::new(
                field,
                "password_too_short",
                format!("Password must be at least {} characters.", Self::MIN_CHARS),
            ));
        }
        if n > Self::MAX_CHARS {
            return Err(FieldError::new(
                field,
                "password_too_long",
                format!("Password must be at most {} characters.", Self::MAX_CHARS),
            ));
        }
        Ok(Self(raw.to_owned()))
    }

    pub fn expose(&self) -> &str {
        &self.0
    }
}

impl std::fmt::Debug for Password {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("Password(***)")
    }
}

/// A display name: any script, at most 50 characters, no control characters.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(transparent)]
pub struct DisplayName(String);

impl DisplayName {
    pub const MAX_CHARS: usize = 50;

    pub fn parse(raw: &str) -> Result<Self, FieldError> {
        let s = raw.trim();
        if s.chars().count() > Self::MAX_CHARS {
            return Err(FieldError::new(
                "display_name",
                "display_name_too_long",
                format!(
                    "Display name must be at most {} characters.",
                    Self::MAX_CHARS
                ),
            ));
        }
        if s.chars().any(char::is_control) {
            return Err(FieldError::new(
                "display_name",
                "display_name_invalid_chars",
                "Display name may not contain control characters.",
            ));
        }
        Ok(Self(s.to_owned()))
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

/// Free text shown on a profile, at most 160 characters; line breaks are allowed.
pub fn parse_bio(raw: &str) -> Result<String, FieldError> {
    const MAX_CHARS: usize = 160;
    let s = raw.trim().replace("\r\n", "\n");
    if s.chars().count() > MAX_CHARS {
        return Err(FieldError::new(
            "bio",
            "bio_too_long",
            format!("Bio must be at most {MAX_CHARS} characters."),
        ));
    }
    if s.chars().any(|c| c.is_control() && c != '\n') {
        return Err(FieldError::new(
            "bio",
            "bio_invalid_chars",
            "Bio may not contain control characters.",
        ));
    }
    Ok(s)
}

/// A profile's website link: empty, or an absolute http(s) URL of at most 200 characters. A bare
/// `example.com` gets `https://` in front, as people type it that way.
pub fn parse_website(raw: &str) -> Result<String, FieldError> {
    const MAX_CHARS: usize = 200;
    let s = raw.trim();
    if s.is_empty() {
        return Ok(String::new());
    }
    let url = if s.starts_with("http://") || s.starts_with("https://") {
        s.to_owned()
    } else {
        format!("https://{s}")
    };
    let host = url
        .split_once("://")
        .map(|(_, rest)| rest.split(['/', '?', '#']).next().unwrap_or(""))
        .unwrap_or("");
    let host_ok = host.contains('.')
        && !host.starts_with('.')
        && !host.ends_with('.')
        && host
            .chars()
            .all(|c| c.is_alphanumeric() || matches!(c, '.' | '-' | ':'));
    if url.chars().count() > MAX_CHARS {
        return Err(FieldError::new(
            "website",
            "website_too_long",
            format!("Website must be at most {MAX_CHARS} characters."),
        ));
    }
    if !host_ok
        || url
            .chars()
            .any(|c| c.is_whitespace() || c.is_control() || c == '"' || c == '<' || c == '>')
    {
        return Err(FieldError::new(
            "website",
            "website_invalid",
            "Enter a web address like https://example.com.",
        ));
    }
    Ok(url)
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum AccountKind {
    #[default]
    Personal,
    Business,
    Creator,
}

impl AccountKind {
    pub const ALL: [AccountKind; 3] = [
        AccountKind::Personal,
        AccountKind::Business,
        AccountKind::Creator,
    ];

    pub const fn as_str(self) -> &'static str {
        match self {
            AccountKind::Personal => "personal",
            AccountKind::Business => "business",
            AccountKind::Creator => "creator",
        }
    }

    pub fn parse(raw: &str) -> Result<Self, FieldError> {
        AccountKind::ALL
            .into_iter()
            .find(|k| k.as_str() == raw.trim())
            .ok_or_else(|| {
                FieldError::new(
                    "kind",
                    "kind_invalid",
                    "Account kind must be personal, business or creator.",
                )
            })
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Role {
    #[default]
    User,
    Admin,
}

impl Role {
    pub const fn as_str(self) -> &'static str {
        match self {
            Role::User => "user",
            Role::Admin => "admin",
        }
    }

    /// Unknown stored values degrade to the least privilege.
    pub fn from_db(raw: &str) -> Self {
        if raw == "admin" {
            Role::Admin
        } else {
            Role::User
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn usernames() {
        assert_eq!(
            Username::parse("Mina_01").map(|u| u.canonical()),
            Ok("mina_01".into())
        );
        assert_eq!(
            Username::parse("ab").unwrap_err().code,
            "username_too_short"
        );
        assert_eq!(Username::parse("  ").unwrap_err().code, "username_required");
        assert_eq!(
            Username::parse(&"a".repeat(31)).unwrap_err().code,
            "username_too_long"
        );
        assert_eq!(
            Username::parse("mina.kim").unwrap_err().code,
            "username_invalid_chars"
        );
        assert_eq!(
            Username::parse("민아김").unwrap_err().code,
            "username_invalid_chars"
        );
        assert_eq!(
            Username::parse("Admin").unwrap_err().code,
            "username_reserved"
        );
        assert!(Username::parse(&"a".repeat(30)).is_ok());
    }

    #[test]
    fn emails_are_normalised() {
        assert_eq!(
            Email::parse("  Mina@Example.COM ").map(|e| e.as_str().to_owned()),
            Ok("mina@example.com".into())
        );
        assert_eq!(Email::parse("").unwrap_err().code, "email_required");
        for bad in [
            "mina",
            "mina@",
            "@example.com",
            "mina@localhost",
            "a b@example.com",
        ] {
            assert_eq!(
                Email::parse(bad).unwrap_err().code,
                "email_invalid",
                "{bad}"
            );
        }
    }

    #[test]
    fn passwords() {
        assert_eq!(
            Password::parse("short", "password").unwrap_err().code,
            "password_too_short"
        );
        assert_eq!(
            Password::parse(&"x".repeat(129), "password")
                .unwrap_err()
                .code,
            "password_too_long"
        );
        // Eight CJK characters are eight characters, not 24 bytes.
        assert!(Password::parse("비밀번호비밀번호", "password").is_ok());
        assert_eq!(
            format!("{:?}", Password::parse("hunter2hunter2", "p").map(|_| ())),
            "Ok(())"
        );
    }

    #[test]
    fn websites() {
        assert_eq!(parse_website("").as_deref(), Ok(""));
        assert_eq!(
            parse_website("shop.example.com/about").as_deref(),
            Ok("https://shop.example.com/about")
        );
        assert_eq!(
            parse_website("http://例子.中国").as_deref(),
            Ok("http://例子.中国")
        );
        for bad in [
            "javascript:alert(1)",
            "https://nodot",
            "https://a b.com",
            "https://x.com/\"<",
        ] {
            assert!(parse_website(bad).is_err(), "{bad}");
        }
        assert_eq!(
            parse_website(&format!("https://a.com/{}", "x".repeat(200)))
                .unwrap_err()
                .code,
            "website_too_long"
        );
    }

    #[test]
    fn kinds_and_profile_text() {
        assert_eq!(AccountKind::parse("creator"), Ok(AccountKind::Creator));
        assert_eq!(AccountKind::parse("shop").unwrap_err().code, "kind_invalid");
        assert!(DisplayName::parse("김민아 Mina").is_ok());
        assert_eq!(
            DisplayName::parse(&"가".repeat(51)).unwrap_err().code,
            "display_name_too_long"
        );
        assert_eq!(parse_bio("line\r\nline").as_deref(), Ok("line\nline"));
        assert_eq!(
            parse_bio("a\u{0007}").unwrap_err().code,
            "bio_invalid_chars"
        );
    }
}
