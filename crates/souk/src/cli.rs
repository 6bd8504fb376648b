//! The `souk` command line: serve, migrate, demo data and operator commands.

use crate::app::{App, shutdown_signal};
use crate::config::{Config, FlagOverrides};
use crate::telemetry;
use anyhow::Context;
use clap::{Parser, Subcommand, ValueEnum};
use souk_domain::Role;
use souk_service::ServiceError;
use souk_service::accounts::SignUp;
use std::io::BufRead;
use std::path::PathBuf;
use std::process::ExitCode;

#[derive(Parser, Debug)]
#[command(
    name = "souk",
    version,
    about = "Souk: self-hostable social commerce (shops, posts, feeds and checkout in one binary).",
    long_about = "Souk runs a social commerce site from one binary. With nothing configured it keeps its data in \
./souk-data (SQLite) and listens on 127.0.0.1:8080; set DATABASE_URL=postgres://... for PostgreSQL.\n\n\
Configuration layers: defaults < souk.toml < SOUK_* environment < flags."
)]
pub struct Cli {
    /// Configuration file (default: ./souk.toml when it exists).
    #[arg(long, global = true, env = "SOUK_CONFIG", value_name = "PATH")]
    config: Option<PathBuf>,
    /// Folder for the SQLite database and media.
    #[arg(long, global = true, value_name = "DIR")]
    data_dir: Option<PathBuf>,
    /// Database URL: sqlite://PATH or postgres://USER@HOST/DB (overrides DATABASE_URL).
    #[arg(long, global = true, value_name = "URL")]
    database_url: Option<String>,
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand, Debug)]
enum Command {
    /// Run the web server (pages, JSON API, background work).
    Serve {
        /// Address to listen on, e.g. 0.0.0.0:8080.
        #[arg(long, value_name = "ADDR")]
        listen: Option<String>,
        /// Load demo data before serving.
        #[arg(long)]
        demo: bool,
        /// Do not apply pending migrations on start.
        #[arg(long)]
        no_migrate: bool,
    },
    /// Apply pending database migrations and exit.
    Migrate,
    /// Run background jobs only, without HTTP (for deployments that keep web and job nodes apart; give the
    /// web nodes `jobs.concurrency = 0`). Stops on Ctrl-C or SIGTERM after running jobs finish.
    Worker {
        /// Jobs run at the same time (overrides `jobs.concurrency`).
        #[arg(long, value_name = "N")]
        concurrency: Option<usize>,
    },
    /// Load demo accounts (safe to run again: existing data is left alone).
    Demo,
    /// Manage accounts.
    User {
        #[command(subcommand)]
        command: UserCommand,
    },
    /// Manage shops.
    Shop {
        #[command(subcommand)]
        command: crate::cli_catalog::ShopCommand,
    },
    /// Import and export catalog feeds.
    Catalog {
        #[command(subcommand)]
        command: crate::cli_catalog::CatalogCommand,
    },
    /// Maintain the search index.
    Search {
        #[command(subcommand)]
        command: SearchCommand,
    },
    /// Inspect the double-entry ledger.
    Ledger {
        #[command(subcommand)]
        command: LedgerCommand,
    },
}

#[derive(Subcommand, Debug)]
enum SearchCommand {
    /// Rebuild the search index from the database (searches keep using the old index until the new one is
    /// complete). Stop `souk serve` first, or ask a running server with `POST /api/v1/admin/search/reindex`:
    /// only one process can write the index.
    Reindex,
}

#[derive(Subcommand, Debug)]
enum LedgerCommand {
    /// Prove the books balance: every transaction's debits equal its credits per currency, and every
    /// order's paid and refunded totals match the ledger. Exits with 1 when anything is off.
    Check,
}

#[derive(Subcommand, Debug)]
enum UserCommand {
    /// Create an account. The password is read from the first line of standard input.
    Create {
        username: String,
        #[arg(long)]
        email: String,
        #[arg(long, value_enum, default_value_t = Kind::Personal)]
        kind: Kind,
        /// Make the account an operator (admin).
        #[arg(long)]
        admin: bool,
        /// Read the password from standard input (required, so it never shows up in shell history).
        #[arg(long, required = true)]
        password_stdin: bool,
    },
}

#[derive(Clone, Copy, Debug, ValueEnum)]
enum Kind {
    Personal,
    Business,
    Creator,
}

impl Kind {
    fn as_str(self) -> &'static str {
        match self {
            Kind::Personal => "personal",
            Kind::Business => "business",
            Kind::Creator => "creator",
        }
    }
}

pub fn main() -> ExitCode {
    let cli = Cli::parse();
    let listen = match &cli.command {
        Command::Serve { listen, .. } => listen.clone(),
        _ => None,
    };
    let flags = FlagOverrides {
        listen,
        data_dir: cli.data_dir.clone(),
        database_url: cli.database_url.clone(),
    };
    let config = match Config::load(cli.config.as_deref(), flags) {
        Ok(c) => c,
        Err(e) => {
            eprintln!("souk: {e}");
            return ExitCode::from(2);
        }
    };
    telemetry::init_logging(&config);
    let runtime = match tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
    {
        Ok(r) => r,
        Err(e) => {
            eprintln!("souk: cannot start the async runtime: {e}");
            return ExitCode::FAILURE;
        }
    };
    match runtime.block_on(run(cli.command, config)) {
        Ok(code) => code,
        Err(e) => {
            eprintln!("souk: {e:#}");
            ExitCode::FAILURE
        }
    }
}

async fn run(command: Command, config: Config) -> anyhow::Result<ExitCode> {
    match command {
        Command::Serve {
            demo, no_migrate, ..
        } => {
            let app = App::open(config, !no_migrate).await?;
            let listener = tokio::net::TcpListener::bind(app.config.listen)
                .await
                .with_context(|| format!("cannot listen on {}", app.config.listen))?;
            let base = format!("http://{}", listener.local_addr()?);
            if demo {
                let started = std::time::Instant::now();
                let report = crate::demo::load(&app.services).await?;
                tracing::info!(
                    created = report.created,
                    existing = report.existing,
                    elapsed_ms = started.elapsed().as_millis() as u64,
                    photos_to_draw = app.services.media.pipeline.drawings_pending(),
                    "demo data loaded"
                );
                // The photos are drawn while the server already answers (a page asking for one that is
                // not drawn yet has it drawn at once); this only reports when the last one is stored.
                let services = app.services.clone();
                tokio::spawn(async move {
                    services.media.pipeline.settled().await;
                    tracing::info!(
                        elapsed_ms = started.elapsed().as_millis() as u64,
                        "demo photos drawn"
                    );
                });
                println!("{}", crate::demo::login_hint(&base));
            }
            tracing::info!(
                address = %base,
                database = app.db.backend().name(),
                version = env!("CARGO_PKG_VERSION"),
                "Souk is listening"
            );
            println!("Souk is running at {base}  (Ctrl-C to stop)");
            app.serve(listener, shutdown_signal()).await?;
            Ok(ExitCode::SUCCESS)
        }
        Command::Worker { concurrency } => {
            let mut config = config;
            if let Some(n) = concurrency {
                config.jobs.concurrency = n;
            }
            if config.jobs.concurrency == 0 {
                anyhow::bail!(
                    "jobs.concurrency is 0, so this worker would run nothing; pass --concurrency N"
                );
            }
            let app = App::open(config, false).await?;
            tracing::info!(
                database = app.db.backend().name(),
                concurrency = app.config.jobs.concurrency,
                "Souk worker is running background jobs"
            );
            app.work(shutdown_signal()).await?;
            Ok(ExitCode::SUCCESS)
        }
        Command::Migrate => {
            let app = App::open(config, true).await?;
            println!(
                "Database is up to date ({}, {} migrations).",
                app.db.backend().name(),
                souk_store::MIGRATION_NAMES.len()
            );
            app.db.close().await;
            Ok(ExitCode::SUCCESS)
        }
        Command::Demo => {
            let app = App::open(config, true).await?;
            let report = crate::demo::load(&app.services).await?;
            // Photos are drawn in the background; nothing would store the rest once this process exits.
            app.services.media.pipeline.settled().await;
            println!(
                "Demo data: {} accounts created, {} already there, {} posts, {} shops with {} products and {} orders added, {} product tags placed.",
                report.created,
                report.existing,
                report.posts,
                report.shops,
                report.products,
                report.orders,
                report.tags
            );
            println!(
                "{}",
                crate::demo::login_hint(&format!("http://{}", app.config.listen))
            );
            app.db.close().await;
            Ok(ExitCode::SUCCESS)
        }
        Command::Shop { command } => {
            let app = App::open(config, true).await?;
            let out = crate::cli_catalog::shop(&app, command).await;
            app.db.close().await;
            out
        }
        Command::Catalog { command } => {
            let public_url = config.public_url.clone();
            let app = App::open(config, true).await?;
            let out = crate::cli_catalog::catalog(&app, command, &public_url).await;
            app.db.close().await;
            out
        }
        Command::Search {
            command: SearchCommand::Reindex,
        } => {
            let app = App::open(config, true).await?;
            let started = std::time::Instant::now();
            let report = app.services.search.reindex().await;
            app.db.close().await;
            let report = report.map_err(|e| anyhow::anyhow!("{e}"))?;
            println!(
                "Search index rebuilt: {} documents in {:.1} s.",
                report.indexed,
                started.elapsed().as_secs_f64()
            );
            Ok(ExitCode::SUCCESS)
        }
        Command::Ledger {
            command: LedgerCommand::Check,
        } => {
            let app = App::open(config, true).await?;
            let report = app.services.ledger.check().await;
            app.db.close().await;
            let report = report.map_err(|e| anyhow::anyhow!("{e}"))?;
            print!("{}", ledger_summary(&report));
            Ok(if report.ok() {
                ExitCode::SUCCESS
            } else {
                ExitCode::from(1)
            })
        }
        Command::User {
            command:
                UserCommand::Create {
                    username,
                    email,
                    kind,
                    admin,
                    password_stdin: _,
                },
        } => {
            let mut password = String::new();
            std::io::stdin()
                .lock()
                .read_line(&mut password)
                .context("cannot read the password from standard input")?;
            let password = password.trim_end_matches(['\r', '\n']).to_owned();
            let app = App::open(config, true).await?;
            let cmd = SignUp {
                username,
                email,
                password,
                kind: kind.as_str().into(),
                display_name: None,
                bio: None,
                locale: None,
            };
            let role = if admin { Role::Admin } else { Role::User };
            let result = app.services.accounts.create_user(cmd, role).await;
            app.db.close().await;
            match result {
                Ok(account) => {
                    println!(
                        "Created {} account @{} ({}){}.",
                        account.profile.kind.as_str(),
                        account.profile.username,
                        account.email,
                        if admin { " with operator rights" } else { "" }
                    );
                    Ok(ExitCode::SUCCESS)
                }
                Err(ServiceError::Validation(fields)) => {
                    for f in fields {
                        eprintln!("souk: {}: {} [{}]", f.field, f.message, f.code);
                    }
                    Ok(ExitCode::from(2))
                }
                Err(ServiceError::Conflict(f)) => {
                    eprintln!("souk: {}: {} [{}]", f.field, f.message, f.code);
                    Ok(ExitCode::from(2))
                }
                Err(e) => Err(anyhow::anyhow!("{e}")),
            }
        }
    }
}

/// The `souk ledger check` report: balances per currency and account, then every problem found.
fn ledger_summary(r: &souk_service::ledger::LedgerReport) -> String {
    use souk_service::ledger::LedgerReport;
    use std::fmt::Write;
    let amount = |currency: &str, minor: i64| {
        LedgerReport::money(currency, minor)
            .map(|m| m.to_decimal_string())
            .unwrap_or_else(|| minor.to_string())
    };
    let mut out = String::new();
    let _ = writeln!(out, "Ledger: {} transactions", r.transactions);
    for b in &r.balances {
        let _ = writeln!(
            out,
            "  {:<4} {:<17} debits {:>14}  credits {:>14}  balance {:>14}",
            b.currency,
            b.account,
            amount(&b.currency, b.debit_minor),
            amount(&b.currency, b.credit_minor),
            amount(&b.currency, b.balance_minor)
        );
    }
    for (currency, net) in &r.currency_totals {
        if *net != 0 {
            let _ = writeln!(
                out,
                "UNBALANCED: {currency} debits exceed credits by {}",
                amount(currency, *net)
            );
        }
    }
    for u in &r.unbalanced {
        let _ = writeln!(
            out,
            "UNBALANCED: transaction {} ({}) debits {} credits {}",
            u.transaction_id,
            if u.currency.is_empty() {
                "no entries"
            } else {
                &u.currency
            },
            amount(&u.currency, u.debit_minor),
            amount(&u.currency, u.credit_minor)
        );
    }
    for m in &r.mismatched_orders {
        let _ = writeln!(
            out,
            "MISMATCH: order {} paid {} (ledger {}), refunded {} (ledger {}) {}",
            m.order_id,
            amount(&m.currency, m.paid_minor),
            amount(&m.currency, m.ledger_paid_minor),
            amount(&m.currency, m.refunded_minor),
            amount(&m.currency, m.ledger_refunded_minor),
            m.currency
        );
    }
    if r.ok() {
        out.push_str("OK: every transaction balances and every order matches the ledger.\n");
    } else {
        out.push_str("FAILED: the ledger check found problems (see above).\n");
    }
    out
}
