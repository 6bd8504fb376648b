//! Shops: opening one, settings, branding drafts and publishing, staff, and the one permission check every
//! shop-scoped action goes through ([`require_staff`]).

use crate::{ServiceError, ServiceResult, Viewer};
use souk_domain::commerce::ShopRole;
use souk_store::{Conn, Db};

#[derive(Clone)]
pub struct ShopService {
    #[allow(dead_code)]
    db: Db,
}

impl ShopService {
    pub fn new(db: Db) -> Self {
        Self { db }
    }
}

/// Proof that the viewer may act for a shop, and in which role.
#[derive(Debug, Clone)]
pub struct ShopAccess {
    pub shop_id: i64,
    pub handle: String,
    pub role: ShopRole,
}

/// Which shop an action targets.
#[derive(Debug, Clone, Copy)]
pub enum ShopRef<'a> {
    Id(i64),
    Handle(&'a str),
}

/// The single permission check for shop-scoped actions. Someone who is not staff of the shop gets
/// `NotFound`, never `Forbidden`, so ids and handles of other merchants' private objects are not revealed;
/// staff asking for an owner-only action get `Forbidden`. Operators (admins) are not staff by default.
pub async fn require_staff(
    c: Conn<'_>,
    viewer: &Viewer,
    shop: ShopRef<'_>,
    owner_only: bool,
) -> ServiceResult<ShopAccess> {
    let row = match shop {
        ShopRef::Id(id) => souk_store::shops::staff_role_by_id(c, id, viewer.user_id).await?,
        ShopRef::Handle(h) => {
            souk_store::shops::staff_role_by_handle(
                c,
                &h.trim().to_ascii_lowercase(),
                viewer.user_id,
            )
            .await?
        }
    };
    let Some((shop_id, handle, role)) = row else {
        return Err(ServiceError::NotFound);
    };
    let role = ShopRole::parse(&role, "role").map_err(|e| ServiceError::Internal(e.to_string()))?;
    if owner_only && role != ShopRole::Owner {
        return Err(ServiceError::Forbidden);
    }
    Ok(ShopAccess {
        shop_id,
        handle,
        role,
    })
}
