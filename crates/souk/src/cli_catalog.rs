//! Operator commands for shops and catalogs: `souk shop create`, `souk catalog import` and `souk catalog
//! export`, so a fresh install can be set up and fed from a shell.

use crate::app::App;
use anyhow::Context;
use clap::{Subcommand, ValueEnum};
use indicatif::{ProgressBar, ProgressStyle};
use souk_domain::feed::{FeedFormat, Platform};
use souk_service::ServiceError;
use souk_service::catalog_feeds::Origin;
use souk_service::shops::OpenShop;
use std::io::{IsTerminal, Write};
use std::path::PathBuf;
use std::process::ExitCode;

#[derive(Subcommand, Debug)]
pub enum ShopCommand {
    /// Open a shop for an existing business or creator account.
    Create {
        /// The shop's handle, used in its address (/s/HANDLE).
        handle: String,
        #[arg(long)]
        name: String,
        /// Username of the business or creator account that will own the shop.
        #[arg(long)]
        owner: String,
        /// ISO 4217 currency the shop sells in, e.g. USD, EUR, KRW.
        #[arg(long)]
        currency: String,
    },
}

#[derive(Clone, Copy, Debug, ValueEnum)]
pub enum FormatArg {
    Auto,
    Csv,
    Tsv,
    Xml,
}

#[derive(Clone, Copy, Debug, ValueEnum)]
pub enum PlatformArg {
    Google,
    Meta,
    Pinterest,
    Tiktok,
}

impl PlatformArg {
    fn platform(self) -> Platform {
        match self {
            PlatformArg::Google => Platform::Google,
            PlatformArg::Meta => Platform::Meta,
            PlatformArg::Pinterest => Platform::Pinterest,
            PlatformArg::Tiktok => Platform::Tiktok,
        }
    }
}

impl FormatArg {
    fn format(self) -> Option<FeedFormat> {
        match self {
            FormatArg::Auto => None,
            FormatArg::Csv => Some(FeedFormat::Csv),
            FormatArg::Tsv => Some(FeedFormat::Tsv),
            FormatArg::Xml => Some(FeedFormat::Xml),
        }
    }
}

#[derive(Subcommand, Debug)]
pub enum CatalogCommand {
    /// Import a catalog file (Google, Meta, Pinterest or TikTok CSV/TSV, or RSS/Atom XML) into a shop.
    /// Rows with problems are reported and skipped; the exit code is non-zero only when the file itself
    /// cannot be read.
    Import {
        #[arg(long)]
        shop: String,
        #[arg(long)]
        file: PathBuf,
        /// The platform dialect; every dialect is recognised from its headers, so this is informational.
        #[arg(long, value_enum, default_value_t = FormatOrPlatform::Auto)]
        format: FormatOrPlatform,
        /// Write the per-row report (line, item id, field, code, message) as JSON to this file.
        #[arg(long)]
        report: Option<PathBuf>,
    },
    /// Write the shop's catalog as a feed for one platform.
    Export {
        #[arg(long)]
        shop: String,
        #[arg(long, value_enum)]
        platform: PlatformArg,
        /// File format; defaults to TSV for Google, CSV for the others.
        #[arg(long, value_enum)]
        format: Option<FormatArg>,
        /// Only the products of this collection (id).
        #[arg(long)]
        group: Option<i64>,
        /// Output file (standard output when absent).
        #[arg(long)]
        out: Option<PathBuf>,
        /// Base URL for links to Souk pages and photos (default: the configured public URL).
        #[arg(long)]
        base_url: Option<String>,
    },
}

/// `--format` of an import: a file format, or a platform name (whose files are recognised by their
/// headers anyway).
#[derive(Clone, Copy, Debug, ValueEnum)]
pub enum FormatOrPlatform {
    Auto,
    Csv,
    Tsv,
    Xml,
    Google,
    Meta,
    Pinterest,
    Tiktok,
}

impl FormatOrPlatform {
    fn format(self) -> Option<FeedFormat> {
        match self {
            FormatOrPlatform::Csv => Some(FeedFormat::Csv),
            FormatOrPlatform::Tsv => Some(FeedFormat::Tsv),
            FormatOrPlatform::Xml => Some(FeedFormat::Xml),
            _ => None,
        }
    }
}

fn refusal(e: &ServiceError) -> String {
    match e {
        ServiceError::Validation(fields) => fields
            .iter()
            .map(|f| format!("{}: {} [{}]", f.field, f.message, f.code))
            .collect::<Vec<_>>()
            .join("; "),
        ServiceError::Conflict(f) => format!("{}: {} [{}]", f.field, f.message, f.code),
        ServiceError::Refused { code, message, .. } => format!("{message} [{code}]"),
        ServiceError::NotFound => "not found".into(),
        other => other.to_string(),
    }
}

pub async fn shop(app: &App, command: ShopCommand) -> anyhow::Result<ExitCode> {
    let ShopCommand::Create {
        handle,
        name,
        owner,
        currency,
    } = command;
    let viewer = match app.services.accounts.operator_acting_as(&owner).await {
        Ok(v) => v,
        Err(ServiceError::NotFound) => {
            eprintln!("souk: no account @{owner}; create it first with `souk user create`");
            return Ok(ExitCode::from(2));
        }
        Err(e) => {
            eprintln!("souk: {}", refusal(&e));
            return Ok(ExitCode::from(2));
        }
    };
    let cmd = OpenShop {
        handle,
        name,
        currency,
        settings: Default::default(),
    };
    match app.services.shops.open(&viewer, cmd).await {
        Ok(shop) => {
            println!(
                "Opened shop /s/{} ({}, {}) owned by @{}.",
                shop.shop.handle, shop.shop.name, shop.shop.currency, viewer.username
            );
            Ok(ExitCode::SUCCESS)
        }
        Err(
            e @ (ServiceError::Validation(_)
            | ServiceError::Conflict(_)
            | ServiceError::Refused { .. }),
        ) => {
            eprintln!("souk: {}", refusal(&e));
            Ok(ExitCode::from(2))
        }
        Err(e) => Err(anyhow::anyhow!("{e}")),
    }
}

pub async fn catalog(
    app: &App,
    command: CatalogCommand,
    public_url: &str,
) -> anyhow::Result<ExitCode> {
    match command {
        CatalogCommand::Import {
            shop,
            file,
            format,
            report,
        } => import(app, &shop, &file, format.format(), report.as_deref()).await,
        CatalogCommand::Export {
            shop,
            platform,
            format,
            group,
            out,
            base_url,
        } => {
            let platform = platform.platform();
            let format = format
                .and_then(FormatArg::format)
                .unwrap_or(match platform {
                    Platform::Google => FeedFormat::Tsv,
                    _ => FeedFormat::Csv,
                });
            if !platform.supports(format) {
                eprintln!(
                    "souk: {} does not take {} files",
                    platform.as_str(),
                    format.as_str()
                );
                return Ok(ExitCode::from(2));
            }
            let feeds = &app.services.catalog_feeds;
            let shop = match feeds.shop_by_handle(&shop).await {
                Ok(s) => s,
                Err(e) => {
                    eprintln!("souk: shop {shop}: {}", refusal(&e));
                    return Ok(ExitCode::from(2));
                }
            };
            let base = base_url.unwrap_or_else(|| public_url.to_owned());
            let base = if base.is_empty() {
                "http://localhost:8080".to_owned()
            } else {
                base
            };
            let sink: Box<dyn Write> = match &out {
                Some(path) => Box::new(std::io::BufWriter::new(
                    std::fs::File::create(path)
                        .with_context(|| format!("cannot write {}", path.display()))?,
                )),
                None => Box::new(std::io::BufWriter::new(std::io::stdout().lock())),
            };
            let problems = feeds
                .export_to(&shop, platform, format, group, &base, sink)
                .await
                .map_err(|e| anyhow::anyhow!("{}", refusal(&e)))?;
            for p in &problems {
                eprintln!(
                    "left out {} ({}): {} [{}]",
                    p.issue.item_id, p.title, p.issue.message, p.issue.code
                );
            }
            if out.is_some() {
                eprintln!(
                    "exported for {}; {} items left out",
                    platform.as_str(),
                    problems.len()
                );
            }
            Ok(ExitCode::SUCCESS)
        }
    }
}

async fn import(
    app: &App,
    handle: &str,
    file: &std::path::Path,
    format: Option<FeedFormat>,
    report: Option<&std::path::Path>,
) -> anyhow::Result<ExitCode> {
    let feeds = &app.services.catalog_feeds;
    let shop = match feeds.shop_by_handle(handle).await {
        Ok(s) => s,
        Err(e) => {
            eprintln!("souk: shop {handle}: {}", refusal(&e));
            return Ok(ExitCode::from(2));
        }
    };
    if !file.is_file() {
        eprintln!("souk: {} is not a readable file", file.display());
        return Ok(ExitCode::from(2));
    }
    let name = file
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_default();
    let run_id = feeds
        .create_run(shop.id, Origin::Cli, &name, format, None, None)
        .await
        .map_err(|e| anyhow::anyhow!("{e}"))?;
    let bar = if std::io::stderr().is_terminal() {
        let bar = ProgressBar::new(0);
        if let Ok(style) = ProgressStyle::with_template(
            "{spinner} [{elapsed_precise}] {wide_bar} {pos}/{len} rows ({per_sec}) {msg}",
        ) {
            bar.set_style(style);
        }
        bar
    } else {
        ProgressBar::hidden()
    };
    let progress_bar = bar.clone();
    let progress = move |n: &souk_store::catalog_feeds::Counts, total: i64| {
        progress_bar.set_length(u64::try_from(total).unwrap_or(0));
        progress_bar.set_position(u64::try_from(n.processed).unwrap_or(0));
        progress_bar.set_message(format!("{} rejected", n.rejected));
    };
    let run = feeds
        .process_run(run_id, file, Some(&progress))
        .await
        .map_err(|e| anyhow::anyhow!("{e}"))?;
    bar.finish_and_clear();
    let errors = feeds
        .all_errors(run_id)
        .await
        .map_err(|e| anyhow::anyhow!("{e}"))?;
    if let Some(path) = report {
        let json = serde_json::json!({
            "run_id": run.id,
            "status": run.status,
            "rows": run.total_rows,
            "imported": run.imported,
            "updated": run.updated,
            "unchanged": run.unchanged,
            "rejected": run.rejected,
            "error": run.error_code.as_ref().map(|c| serde_json::json!({
                "code": c, "message": run.error_message.clone().unwrap_or_default()
            })),
            "warnings": serde_json::from_str::<serde_json::Value>(&run.warnings).unwrap_or_default(),
            "problems": errors.iter().map(|e| serde_json::json!({
                "line": e.line, "item_id": e.item_id, "field": e.field, "code": e.code, "message": e.message
            })).collect::<Vec<_>>(),
        });
        std::fs::write(path, serde_json::to_vec_pretty(&json)?)
            .with_context(|| format!("cannot write {}", path.display()))?;
    }
    for w in serde_json::from_str::<Vec<String>>(&run.warnings).unwrap_or_default() {
        eprintln!("warning: {w}");
    }
    if let Some(code) = &run.error_code {
        eprintln!(
            "souk: {}: {} [{code}]",
            file.display(),
            run.error_message.as_deref().unwrap_or("")
        );
        println!("imported=0 updated=0 rejected=0");
        return Ok(ExitCode::from(1));
    }
    // A few problems on the terminal; the full list is in --report or on the run's page.
    for e in errors.iter().take(20) {
        eprintln!(
            "line {}: {} {}: {} [{}]",
            e.line,
            e.item_id.as_deref().unwrap_or("-"),
            e.field,
            e.message,
            e.code
        );
    }
    if errors.len() > 20 {
        eprintln!("... and {} more problems", errors.len() - 20);
    }
    println!(
        "imported={} updated={} rejected={}",
        run.imported, run.updated, run.rejected
    );
    Ok(ExitCode::SUCCESS)
}
