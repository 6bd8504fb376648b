//! Schema migrations for both engines, embedded in the binary. Each engine has its own folder with the
//! same file names; a test keeps the two lists identical.

use crate::{Db, StoreResult};
use sqlx::SqlSafeStr;
use sqlx::migrate::{Migration, MigrationType, Migrator};
use std::borrow::Cow;

macro_rules! migrations {
    ($($version:literal => $file:literal),* $(,)?) => {
        /// File names (without `.sql`) in order; identical under `migrations/sqlite` and `migrations/postgres`.
        pub const MIGRATION_NAMES: &[&str] = &[$($file),*];
        const SQLITE: &[(i64, &str, &str)] = &[
            $(($version, $file, include_str!(concat!("../migrations/sqlite/", $file, ".sql")))),*
        ];
        const POSTGRES: &[(i64, &str, &str)] = &[
            $(($version, $file, include_str!(concat!("../migrations/postgres/", $file, ".sql")))),*
        ];
    };
}

migrations! {
    1 => "0001_accounts",
    2 => "0002_social",
    3 => "0003_commerce",
    4 => "0004_jobs",
    5 => "0005_catalog_feeds",
    6 => "0006_reviews",
    7 => "0007_post_tags",
    8 => "0008_attribution",
    9 => "0009_ugc_features",
    10 => "0010_reputation",
    11 => "0011_read_path_indexes",
}

fn migrator(files: &[(i64, &'static str, &'static str)]) -> Migrator {
    let list = files
        .iter()
        .map(|(version, name, sql)| {
            Migration::new(
                *version,
                Cow::Borrowed(*name),
                MigrationType::Simple,
                sql.into_sql_str(),
                false,
            )
        })
        .collect();
    Migrator::with_migrations(list)
}

/// Applies every pending migration; running it again is a no-op.
pub async fn migrate(db: &Db) -> StoreResult<()> {
    match db {
        Db::Sqlite { write, .. } => migrator(SQLITE).run(write).await?,
        Db::Postgres(pool) => migrator(POSTGRES).run(pool).await?,
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn both_engines_have_the_same_migration_files() {
        let root = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("migrations");
        let list = |engine: &str| -> Vec<String> {
            let mut names: Vec<String> = std::fs::read_dir(root.join(engine))
                .into_iter()
                .flatten()
                .flatten()
                .map(|e| e.file_name().to_string_lossy().into_owned())
                .collect();
            names.sort();
            names
        };
        let sqlite = list("sqlite");
        assert_eq!(sqlite, list("postgres"));
        let embedded: Vec<String> = MIGRATION_NAMES.iter().map(|n| format!("{n}.sql")).collect();
        assert_eq!(
            sqlite, embedded,
            "every migration file must be listed in migrations.rs"
        );
    }
}
