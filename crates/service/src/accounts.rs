//! Accounts and authentication: sign-up, log-in and log-out, sessions and personal access tokens, password
//! changes and profile basics.

use crate::rate_limit::RateLimiter;
use crate::secrets::{digest, random_token};
use crate::{ServiceError, ServiceResult, passwords};
use souk_domain::account::{parse_bio, parse_website};
use souk_domain::{
    AccountKind, DisplayName, Email, FieldError, Locale, Password, Role, Timestamp, Username,
};
use souk_store::accounts::{self, NewUser, ProfileUpdate, UserRecord};
use souk_store::tokens::{self, TokenKind, TokenOwner, TokenRecord};
use souk_store::{Db, StoreError};
use std::net::IpAddr;
use std::sync::Arc;

pub use souk_store::tokens::TokenKind as AuthTokenKind;

const SESSION_DAYS: i64 = 30;
/// `last_used_at` is refreshed at most this often per token, so reads stay reads.
const TOUCH_INTERVAL_SECS: i64 = 300;
const TOKEN_NAME_MAX_CHARS: usize = 60;

/// The authenticated user behind a request.
#[derive(Debug, Clone)]
pub struct Viewer {
    pub user_id: i64,
    pub username: String,
    pub display_name: String,
    pub kind: AccountKind,
    pub role: Role,
    pub locale: Option<Locale>,
    pub token_id: i64,
    pub token_kind: TokenKind,
}

impl Viewer {
    pub fn is_admin(&self) -> bool {
        self.role == Role::Admin
    }
}

/// What anyone may see about an account.
#[derive(Debug, Clone)]
pub struct Profile {
    pub id: i64,
    pub username: String,
    pub display_name: String,
    pub bio: String,
    pub kind: AccountKind,
    pub created_at: Timestamp,
}

/// What the account holder sees about themselves.
#[derive(Debug, Clone)]
pub struct Account {
    pub profile: Profile,
    pub email: String,
    pub website: String,
    pub avatar_key: Option<String>,
    pub role: Role,
    pub locale: Option<Locale>,
}

impl From<UserRecord> for Account {
    fn from(u: UserRecord) -> Self {
        Account {
            email: u.email,
            website: u.website,
            avatar_key: u.avatar_key,
            role: u.role,
            locale: u.locale.as_deref().and_then(Locale::from_tag),
            profile: Profile {
                id: u.id,
                username: u.username,
                display_name: u.display_name,
                bio: u.bio,
                kind: u.kind,
                created_at: u.created_at,
            },
        }
    }
}

pub struct SignUp {
    pub username: String,
    pub email: String,
    pub password: String,
    pub kind: String,
    pub display_name: Option<String>,
    /// Profile text; sign-up forms leave it empty, operators and demo data may fill it.
    pub bio: Option<String>,
    pub locale: Option<Locale>,
}

pub struct LogIn {
    /// Username or email.
    pub login: String,
    pub password: String,
}

/// A freshly issued session. The secret is shown once and never stored.
#[derive(Debug, Clone)]
pub struct Session {
    pub token: String,
    pub expires_at: Timestamp,
    pub viewer: Viewer,
    pub profile: Profile,
}

#[derive(Debug, Default)]
pub struct ProfilePatch {
    pub display_name: Option<String>,
    pub bio: Option<String>,
    pub website: Option<String>,
    pub kind: Option<String>,
    /// `Some(None)`: follow the browser's language again.
    pub locale: Option<Option<Locale>>,
}

#[derive(Clone)]
pub struct AccountService {
    db: Db,
    limiter: Arc<RateLimiter>,
}

impl AccountService {
    pub fn new(db: Db, limiter: Arc<RateLimiter>) -> Self {
        Self { db, limiter }
    }

    pub fn rate_limiter(&self) -> &RateLimiter {
        &self.limiter
    }

    /// Self-service sign-up, rate-limited per client address.
    pub async fn sign_up(&self, cmd: SignUp, ip: IpAddr) -> ServiceResult<Account> {
        // Validate first so a typo does not burn the caller's sign-up budget.
        let valid = validate_sign_up(&cmd)?;
        self.limiter.check_signup(ip)?;
        self.insert_user(valid, cmd, Role::User).await
    }

    /// Operator path (CLI): no rate limit, may grant the admin role.
    pub async fn create_user(&self, cmd: SignUp, role: Role) -> ServiceResult<Account> {
        let valid = validate_sign_up(&cmd)?;
        self.insert_user(valid, cmd, role).await
    }

    async fn insert_user(
        &self,
        (username, email, password, kind, display_name, bio): ValidSignUp,
        cmd: SignUp,
        role: Role,
    ) -> ServiceResult<Account> {
        let hash = passwords::hash(password.expose().to_owned()).await?;
        let now = Timestamp::now();
        let mut tx = self.db.begin().await?;
        let key = username.canonical();
        // Checked inside the transaction for a precise message; the UNIQUE constraints still decide races.
        if accounts::find_by_username(tx.conn(), &key).await?.is_some() {
            return Err(username_taken());
        }
        if accounts::find_by_email(tx.conn(), email.as_str())
            .await?
            .is_some()
        {
            return Err(email_taken());
        }
        let new = NewUser {
            username: username.as_str(),
            username_key: &key,
            email: email.as_str(),
            password_hash: &hash,
            kind,
            role,
            display_name: display_name.as_str(),
            bio: &bio,
            locale: cmd.locale.map(Locale::tag),
            now,
        };
        let id = accounts::insert(tx.conn(), &new)
            .await
            .map_err(map_unique)?;
        crate::search::account_changed(tx.conn(), "account.created", id).await?;
        let user = accounts::find_by_id(tx.conn(), id)
            .await?
            .ok_or_else(|| ServiceError::Internal("inserted user vanished".into()))?;
        tx.commit().await?;
        tracing::info!(user_id = id, username = %username, kind = kind.as_str(), "account created");
        Ok(user.into())
    }

    /// Checks credentials and opens a session. Unknown login and wrong password fail identically,
    /// in wording and in time.
    pub async fn log_in(&self, cmd: LogIn, kind: TokenKind, ip: IpAddr) -> ServiceResult<Session> {
        let login = cmd.login.trim().to_lowercase();
        if login.is_empty() || cmd.password.is_empty() {
            return Err(ServiceError::InvalidCredentials);
        }
        self.limiter.check_login_ip(ip)?;
        let user = {
            let mut h = self.db.read().await?;
            if login.contains('@') {
                accounts::find_by_email(h.conn(), &login).await?
            } else {
                accounts::find_by_username(h.conn(), &login).await?
            }
        };
        // One budget per account however it is named, so alternating username and email gains nothing.
        let account_key = user
            .as_ref()
            .map_or(login, |u| u.username.to_ascii_lowercase());
        self.limiter.check_login_account(&account_key)?;
        let ok =
            passwords::verify(cmd.password, user.as_ref().map(|u| u.password_hash.clone())).await?;
        let user = match user {
            Some(u) if ok => u,
            _ => return Err(ServiceError::InvalidCredentials),
        };
        if user.suspended_at.is_some() {
            return Err(ServiceError::AccountSuspended);
        }
        let expires_at = Timestamp::now().plus_seconds(SESSION_DAYS * 86_400);
        let (record, token) = self.issue(user.id, kind, "", Some(expires_at)).await?;
        let account = Account::from(user);
        Ok(Session {
            token,
            expires_at,
            viewer: Viewer {
                user_id: account.profile.id,
                username: account.profile.username.clone(),
                display_name: account.profile.display_name.clone(),
                kind: account.profile.kind,
                role: account.role,
                locale: account.locale,
                token_id: record.id,
                token_kind: kind,
            },
            profile: account.profile,
        })
    }

    async fn issue(
        &self,
        user_id: i64,
        kind: TokenKind,
        name: &str,
        expires_at: Option<Timestamp>,
    ) -> ServiceResult<(TokenRecord, String)> {
        let prefix = match kind {
            TokenKind::Browser => "souk_b_",
            TokenKind::Api => "souk_s_",
            TokenKind::Personal => "souk_pat_",
        };
        let token = random_token(prefix);
        let mut tx = self.db.begin().await?;
        let record = tokens::insert(
            tx.conn(),
            user_id,
            kind,
            &digest(&token),
            name,
            Timestamp::now(),
            expires_at,
        )
        .await?;
        tx.commit().await?;
        Ok((record, token))
    }

    /// Resolves a bearer secret (cookie or header) to its user. Expired tokens, suspended accounts and
    /// garbage all give `None`.
    pub async fn authenticate(&self, token: &str) -> ServiceResult<Option<Viewer>> {
        if !token.starts_with("souk_") || token.len() > 100 {
            return Ok(None);
        }
        let owner: Option<TokenOwner> = {
            let mut h = self.db.read().await?;
            tokens::find_owner(h.conn(), &digest(token)).await?
        };
        let Some(o) = owner else { return Ok(None) };
        let now = Timestamp::now();
        if o.suspended || o.expires_at.is_some_and(|e| e <= now) {
            return Ok(None);
        }
        if o.last_used_at
            .is_none_or(|t| t.plus_seconds(TOUCH_INTERVAL_SECS) < now)
        {
            let mut tx = self.db.begin().await?;
            tokens::touch(tx.conn(), o.token_id, now).await?;
            tx.commit().await?;
        }
        Ok(Some(Viewer {
            user_id: o.user_id,
            username: o.username,
            display_name: o.display_name,
            kind: o.kind,
            role: o.role,
            locale: o.locale.as_deref().and_then(Locale::from_tag),
            token_id: o.token_id,
            token_kind: o.token_kind,
        }))
    }

    /// Ends the session the viewer is using.
    pub async fn log_out(&self, viewer: &Viewer) -> ServiceResult<()> {
        let mut tx = self.db.begin().await?;
        tokens::delete_owned(tx.conn(), viewer.user_id, viewer.token_id).await?;
        tx.commit().await?;
        Ok(())
    }

    /// Changes the password and ends every other session, so a stolen session dies with the old password.
    pub async fn change_password(
        &self,
        viewer: &Viewer,
        current: String,
        new: String,
    ) -> ServiceResult<()> {
        let new = Password::parse(&new, "new_password")?;
        let user = self.user(viewer.user_id).await?;
        if !passwords::verify(current, Some(user.password_hash)).await? {
            return Err(ServiceError::field(
                "current_password",
                "current_password_incorrect",
                "Current password is incorrect.",
            ));
        }
        let hash = passwords::hash(new.expose().to_owned()).await?;
        let mut tx = self.db.begin().await?;
        accounts::set_password_hash(tx.conn(), viewer.user_id, &hash, Timestamp::now()).await?;
        tokens::delete_sessions_except(tx.conn(), viewer.user_id, Some(viewer.token_id)).await?;
        tx.commit().await?;
        tracing::info!(user_id = viewer.user_id, "password changed");
        Ok(())
    }

    pub async fn update_profile(
        &self,
        viewer: &Viewer,
        patch: ProfilePatch,
    ) -> ServiceResult<Account> {
        let mut errors = Vec::new();
        let display_name = patch
            .display_name
            .as_deref()
            .map(DisplayName::parse)
            .transpose()
            .unwrap_or_else(|e| {
                errors.push(e);
                None
            });
        let bio = patch
            .bio
            .as_deref()
            .map(parse_bio)
            .transpose()
            .unwrap_or_else(|e| {
                errors.push(e);
                None
            });
        let website = patch
            .website
            .as_deref()
            .map(parse_website)
            .transpose()
            .unwrap_or_else(|e| {
                errors.push(e);
                None
            });
        let kind = patch
            .kind
            .as_deref()
            .map(AccountKind::parse)
            .transpose()
            .unwrap_or_else(|e| {
                errors.push(e);
                None
            });
        if !errors.is_empty() {
            return Err(ServiceError::Validation(errors));
        }
        let update = ProfileUpdate {
            display_name: display_name.as_ref().map(DisplayName::as_str),
            bio: bio.as_deref(),
            website: website.as_deref(),
            kind,
            locale: patch.locale.map(|l| l.map(Locale::tag)),
        };
        let mut tx = self.db.begin().await?;
        accounts::update_profile(tx.conn(), viewer.user_id, &update, Timestamp::now()).await?;
        crate::search::account_changed(tx.conn(), "account.updated", viewer.user_id).await?;
        let user = accounts::find_by_id(tx.conn(), viewer.user_id)
            .await?
            .ok_or(ServiceError::NotFound)?;
        tx.commit().await?;
        Ok(user.into())
    }

    /// Acts as an account from an operator's shell (`souk shop create --owner`, `souk catalog import`): the
    /// command runs with that account's rights, never more. Suspended accounts are refused.
    pub async fn operator_acting_as(&self, username: &str) -> ServiceResult<Viewer> {
        let mut h = self.db.read().await?;
        let user = accounts::find_by_username(h.conn(), &username.trim().to_lowercase())
            .await?
            .ok_or(ServiceError::NotFound)?;
        if user.suspended_at.is_some() {
            return Err(ServiceError::AccountSuspended);
        }
        Ok(Viewer {
            user_id: user.id,
            username: user.username.clone(),
            display_name: user.display_name.clone(),
            kind: user.kind,
            role: user.role,
            locale: user.locale.as_deref().and_then(Locale::from_tag),
            token_id: 0,
            token_kind: TokenKind::Api,
        })
    }

    pub async fn me(&self, viewer: &Viewer) -> ServiceResult<Account> {
        Ok(self.user(viewer.user_id).await?.into())
    }

    async fn user(&self, id: i64) -> ServiceResult<UserRecord> {
        let mut h = self.db.read().await?;
        accounts::find_by_id(h.conn(), id)
            .await?
            .ok_or(ServiceError::NotFound)
    }

    pub async fn recent_profiles(&self, limit: i64) -> ServiceResult<Vec<Profile>> {
        let mut h = self.db.read().await?;
        let users = accounts::list_recent(h.conn(), limit.clamp(1, 100)).await?;
        Ok(users
            .into_iter()
            .map(|u| Account::from(u).profile)
            .collect())
    }

    /// Creates a personal access token; the secret is returned once.
    pub async fn create_personal_token(
        &self,
        viewer: &Viewer,
        name: &str,
        expires_in_days: Option<u32>,
    ) -> ServiceResult<(TokenRecord, String)> {
        let name = name.trim();
        if name.is_empty() {
            return Err(ServiceError::field(
                "name",
                "token_name_required",
                "Give the token a name.",
            ));
        }
        if name.chars().count() > TOKEN_NAME_MAX_CHARS || name.chars().any(char::is_control) {
            return Err(ServiceError::field(
                "name",
                "token_name_invalid",
                format!("Token name must be at most {TOKEN_NAME_MAX_CHARS} printable characters."),
            ));
        }
        let expires_at = match expires_in_days {
            None | Some(0) => None,
            Some(d) if d <= 3650 => Some(Timestamp::now().plus_seconds(i64::from(d) * 86_400)),
            Some(_) => {
                return Err(ServiceError::field(
                    "expires_in_days",
                    "token_expiry_invalid",
                    "Expiry must be at most 3650 days.",
                ));
            }
        };
        self.issue(viewer.user_id, TokenKind::Personal, name, expires_at)
            .await
    }

    pub async fn personal_tokens(&self, viewer: &Viewer) -> ServiceResult<Vec<TokenRecord>> {
        let mut h = self.db.read().await?;
        Ok(tokens::list_for_user(h.conn(), viewer.user_id, TokenKind::Personal).await?)
    }

    /// Revokes one of the viewer's own tokens. Someone else's id is indistinguishable from a missing one.
    pub async fn revoke_token(&self, viewer: &Viewer, token_id: i64) -> ServiceResult<()> {
        let mut tx = self.db.begin().await?;
        let deleted = tokens::delete_owned(tx.conn(), viewer.user_id, token_id).await?;
        tx.commit().await?;
        if deleted {
            Ok(())
        } else {
            Err(ServiceError::NotFound)
        }
    }
}

type ValidSignUp = (Username, Email, Password, AccountKind, DisplayName, String);

/// Validates every field and reports all problems at once, so a form can mark each field.
fn validate_sign_up(cmd: &SignUp) -> ServiceResult<ValidSignUp> {
    let username = Username::parse(&cmd.username);
    let email = Email::parse(&cmd.email);
    let password = Password::parse(&cmd.password, "password");
    let kind = AccountKind::parse(&cmd.kind);
    let display_name = DisplayName::parse(cmd.display_name.as_deref().unwrap_or(""));
    let bio = parse_bio(cmd.bio.as_deref().unwrap_or(""));
    match (username, email, password, kind, display_name, bio) {
        (Ok(u), Ok(e), Ok(p), Ok(k), Ok(d), Ok(b)) => Ok((u, e, p, k, d, b)),
        (u, e, p, k, d, b) => {
            let errors: Vec<FieldError> = [u.err(), e.err(), p.err(), k.err(), d.err(), b.err()]
                .into_iter()
                .flatten()
                .collect();
            Err(ServiceError::Validation(errors))
        }
    }
}

fn username_taken() -> ServiceError {
    ServiceError::Conflict(FieldError::new(
        "username",
        "username_taken",
        "This username is already taken.",
    ))
}

fn email_taken() -> ServiceError {
    ServiceError::Conflict(FieldError::new(
        "email",
        "email_taken",
        "An account with this email already exists.",
    ))
}

fn map_unique(e: StoreError) -> ServiceError {
    if e.is_unique_on("username_key") {
        username_taken()
    } else if e.is_unique_on("email") {
        email_taken()
    } else {
        e.into()
    }
}
