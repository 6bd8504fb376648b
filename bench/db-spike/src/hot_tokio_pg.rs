//! The hot workloads through tokio-postgres with a deadpool-postgres pool of 16.
//!
//! Statements are prepared once per connection (`prepare_cached`). A feed page runs the posts query,
//! then issues its two id lookups concurrently on the same client (`try_join!`), which tokio-postgres
//! pipelines: both are written before either reply is read, so the page takes two round trips, not
//! three. The order transaction pipelines its two ledger INSERTs the same way.
use std::str::FromStr;

use deadpool_postgres::{Manager, ManagerConfig, Pool, RecyclingMethod};
use tokio_postgres::{NoTls, Row};

use crate::hot::*;

#[derive(Clone)]
pub struct TokioPg {
    pool: Pool,
}

impl TokioPg {
    pub async fn open(url: &str, schema: &str) -> Res<Self> {
        let mut cfg = tokio_postgres::Config::from_str(url)?;
        cfg.options(format!("-c search_path={schema}"));
        let mgr = Manager::from_config(
            cfg,
            NoTls,
            ManagerConfig {
                recycling_method: RecyclingMethod::Fast,
            },
        );
        let pool = Pool::builder(mgr).max_size(POOL).build()?;
        Ok(TokioPg { pool })
    }

    /// Setup helper: runs plain SQL on one pooled connection.
    pub async fn batch(&self, sql: &str) -> Res<()> {
        let c = self.pool.get().await?;
        c.batch_execute(sql).await?;
        Ok(())
    }
}

fn post(r: &Row) -> PostRow {
    (
        r.get(0),
        r.get(1),
        r.get(2),
        r.get(3),
        r.get(4),
        r.get(5),
        r.get(6),
        r.get(7),
        r.get(8),
        r.get(9),
        r.get(10),
        r.get(11),
        r.get(12),
        r.get(13),
    )
}

impl Backend for TokioPg {
    async fn session(&self, id: i64) -> Res<SessionRow> {
        let c = self.pool.get().await?;
        let st = c.prepare_cached(SESSION_SQL).await?;
        let r = c.query_one(&st, &[&id]).await?;
        Ok((
            r.get(0),
            r.get(1),
            r.get(2),
            r.get(3),
            r.get(4),
            r.get(5),
            r.get(6),
            r.get(7),
        ))
    }

    async fn feed(&self, viewer: i64, before: i64) -> Res<FeedPage> {
        let c = self.pool.get().await?;
        let st_feed = c.prepare_cached(FEED_SQL).await?;
        let st_img = c.prepare_cached(IMAGES_SQL_ANY).await?;
        let st_tag = c.prepare_cached(TAGS_SQL_ANY).await?;
        let rows = c.query(&st_feed, &[&viewer, &before, &PAGE]).await?;
        let posts: Vec<PostRow> = rows.iter().map(post).collect();
        let ids: Vec<i64> = posts.iter().map(|p| p.0).collect();
        let p_img: [&(dyn tokio_postgres::types::ToSql + Sync); 1] = [&ids];
        let p_tag: [&(dyn tokio_postgres::types::ToSql + Sync); 1] = [&ids];
        let (img, tag) = tokio::try_join!(c.query(&st_img, &p_img), c.query(&st_tag, &p_tag))?;
        let images = img
            .iter()
            .map(|r| (r.get(0), r.get(1), r.get(2), r.get(3), r.get(4), r.get(5)))
            .collect();
        let tags = tag
            .iter()
            .map(|r| (r.get(0), r.get(1), r.get(2), r.get(3)))
            .collect();
        Ok(FeedPage {
            posts,
            images,
            tags,
        })
    }

    async fn order(&self, o: OrderIn) -> Res<i64> {
        let mut c = self.pool.get().await?;
        let tx = c.transaction().await?;
        let st_stock = tx.prepare_cached(STOCK_SQL).await?;
        let st_order = tx.prepare_cached(ORDER_SQL).await?;
        let st_ledger = tx.prepare_cached(LEDGER_SQL).await?;
        let one = 1i64;
        let n = tx.execute(&st_stock, &[&o.stock, &one]).await?;
        if n != 1 {
            return Err("out of stock".into());
        }
        let id: i64 = tx
            .query_one(
                &st_order,
                &[&o.buyer, &o.stock, &one, &o.amount, &"EUR", &o.now],
            )
            .await?
            .get(0);
        let neg = -o.amount;
        let p_buyer: [&(dyn tokio_postgres::types::ToSql + Sync); 4] =
            [&id, &"buyer", &neg, &o.now];
        let p_merchant: [&(dyn tokio_postgres::types::ToSql + Sync); 4] =
            [&id, &"merchant", &o.amount, &o.now];
        tokio::try_join!(
            tx.execute(&st_ledger, &p_buyer),
            tx.execute(&st_ledger, &p_merchant),
        )?;
        tx.commit().await?;
        Ok(id)
    }
}
