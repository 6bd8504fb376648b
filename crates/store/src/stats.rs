//! Counts the SQL statements a unit of work sends to the database, so each hot route can be held to a
//! written statement budget (tests) and operators can see per-route statement counts (metrics).
//!
//! The count lives in a tokio task-local: every statement issued by the task that runs [`counted`] is
//! counted, wherever in the store it comes from. Work a request hands to another task (`tokio::spawn`)
//! is not counted; request handlers do not do that for reads.

use std::cell::Cell;
use std::future::Future;

tokio::task_local! {
    static STATEMENTS: Cell<u32>;
}

/// Runs `work` and returns its output with the number of statements it sent.
pub async fn counted<F: Future>(work: F) -> (F::Output, u32) {
    STATEMENTS
        .scope(Cell::new(0), async move {
            let out = work.await;
            let n = STATEMENTS.try_with(Cell::get).unwrap_or(0);
            (out, n)
        })
        .await
}

/// Called once per statement by [`crate::on_conn!`] and by transaction begin and commit.
#[doc(hidden)]
pub fn statement() {
    let _ = STATEMENTS.try_with(|c| c.set(c.get().saturating_add(1)));
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn counts_only_inside_the_scope() {
        statement();
        let ((), n) = counted(async {
            statement();
            tokio::task::yield_now().await;
            statement();
        })
        .await;
        assert_eq!(n, 2);
        let ((), n) = counted(async {}).await;
        assert_eq!(n, 0);
    }
}
