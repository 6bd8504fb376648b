//! Souk's domain vocabulary: value types that can only hold valid values, and the rules they enforce.
//!
//! Nothing here does IO or async work; every other crate builds on these types.

pub mod account;
pub mod commerce;
pub mod feed;
pub mod locale;
pub mod money;
pub mod sentiment;
pub mod social;
pub mod time;
pub mod validation;

pub use account::{AccountKind, DisplayName, Email, Password, Role, Username};
pub use locale::Locale;
pub use money::{Currency, Money};
pub use time::Timestamp;
pub use validation::FieldError;
