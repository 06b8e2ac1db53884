//! `roadmap-api import` and `roadmap-api export`. Each roadmap imports in one transaction (all or
//! nothing); a batch shows a progress bar and ends with a summary.
use std::path::{Path, PathBuf};
use std::process::ExitCode;

use indicatif::{ProgressBar, ProgressStyle};
use sea_orm::DatabaseConnection;

use crate::auth::CatalogAccess;
use crate::catalog::document::{self, RoadmapDocument};
use crate::catalog::revisions::Actor;
use crate::catalog::roadmaps as service;
use crate::catalog::{export, markdown, ImportMode};
use crate::config::{DbArgs, DbSettings, ExportArgs, ExportFormat, ImportArgs, ImportModeArg};
use crate::error::AppError;

/// One roadmap to import: a JSON file or a markdown folder.
#[derive(Debug, Clone, PartialEq, Eq)]
enum Source {
    Json(PathBuf),
    Markdown(PathBuf),
}

impl Source {
    fn path(&self) -> &Path {
        match self {
            Self::Json(p) | Self::Markdown(p) => p,
        }
    }
}

fn is_markdown_folder(p: &Path) -> bool {
    p.join(markdown::ROADMAP_FILE).is_file()
}

/// Expands folders into the roadmaps inside them (`.json` files and markdown folders), sorted.
fn collect(paths: &[PathBuf]) -> Result<Vec<Source>, String> {
    let mut out = Vec::new();
    for p in paths {
        if p.is_dir() && is_markdown_folder(p) {
            out.push(Source::Markdown(p.clone()));
        } else if p.is_dir() {
            let mut found: Vec<Source> = std::fs::read_dir(p)
                .map_err(|e| format!("{}: {e}", p.display()))?
                .filter_map(|e| e.ok().map(|e| e.path()))
                .filter_map(|f| {
                    if f.is_dir() && is_markdown_folder(&f) {
                        Some(Source::Markdown(f))
                    } else if f.is_file() && f.extension().is_some_and(|x| x == "json") {
                        Some(Source::Json(f))
                    } else {
                        None
                    }
                })
                .collect();
            found.sort_by(|a, b| a.path().cmp(b.path()));
            if found.is_empty() {
                return Err(format!(
                    "{}: no roadmap documents (.json files or folders with roadmap.md)",
                    p.display()
                ));
            }
            out.extend(found);
        } else if p.is_file() {
            out.push(Source::Json(p.clone()));
        } else {
            return Err(format!("{}: no such file or folder", p.display()));
        }
    }
    Ok(out)
}

fn read(source: &Source) -> Result<RoadmapDocument, AppError> {
    match source {
        Source::Json(path) => {
            let text = std::fs::read_to_string(path).map_err(|e| {
                AppError::bad_input("path", format!("cannot read {}: {e}", path.display()))
            })?;
            document::parse_json_named(&text, &path.display().to_string(), "path")
        }
        Source::Markdown(dir) => {
            let files = markdown::read_dir(dir).map_err(|e| AppError::bad_input("path", e))?;
            markdown::read(&files, &dir.display().to_string(), "path")
        }
    }
}

async fn import_one(
    db: &DatabaseConnection,
    source: &Source,
    mode: ImportMode,
) -> Result<service::ImportReport, AppError> {
    let doc = read(source)?;
    service::import_document(db, &doc, mode, &Actor::cli()).await
}

/// Prints above the progress bar (or plainly when there is none).
fn say(bar: &ProgressBar, line: String) {
    bar.suspend(|| println!("{line}"));
}

fn describe(r: &service::ImportReport) -> String {
    if r.created {
        format!("{} topics, {} resources", r.topics_added, r.resources_added)
    } else if r.is_noop() {
        "no changes".to_owned()
    } else {
        format!(
            "{} topics added, {} changed, {} removed, {} reordered; resources +{} -{}{}",
            r.topics_added,
            r.topics_changed,
            r.topics_removed,
            r.topics_reordered,
            r.resources_added,
            r.resources_removed,
            if r.roadmap_changed {
                "; metadata changed"
            } else {
                ""
            }
        )
    }
}

async fn open_db(db_args: &DbArgs) -> Result<DatabaseConnection, String> {
    let (db, _) = crate::db::connect(&DbSettings::from(db_args))
        .await
        .map_err(|e| e.to_string())?;
    crate::db::migrate(&db).await.map_err(|e| e.to_string())?;
    Ok(db)
}

pub async fn import(db_args: &DbArgs, args: &ImportArgs) -> ExitCode {
    let mode = match args.mode {
        ImportModeArg::Create => ImportMode::Create,
        ImportModeArg::Replace => ImportMode::Replace,
    };
    let sources = match collect(&args.paths) {
        Ok(f) => f,
        Err(e) => {
            eprintln!("error: {e}");
            return ExitCode::FAILURE;
        }
    };
    let db = match open_db(db_args).await {
        Ok(db) => db,
        Err(e) => {
            eprintln!("error: {e}");
            return ExitCode::FAILURE;
        }
    };
    let bar = progress_bar(sources.len());
    let (mut ok, mut failed) = (0u64, 0u64);
    let (mut added, mut changed, mut removed, mut resources) = (0u64, 0u64, 0u64, 0u64);
    let mut unresolved: Vec<(String, Vec<String>)> = Vec::new();
    for source in &sources {
        let path = source.path().display().to_string();
        bar.set_message(path.clone());
        match import_one(&db, source, mode).await {
            Ok(r) => {
                ok += 1;
                added += r.topics_added;
                changed += r.topics_changed;
                removed += r.topics_removed;
                resources += r.resources_added;
                let verb = if r.created { "imported" } else { "replaced" };
                say(
                    &bar,
                    format!("{verb} {} from {path} ({})", r.slug, describe(&r)),
                );
                if !r.unresolved_prerequisites.is_empty() {
                    say(
                        &bar,
                        format!(
                            "{}: prerequisites left out, no such topic here (import their \
                             roadmap, then this one again with --mode replace): {}",
                            r.slug,
                            r.unresolved_prerequisites.join(", ")
                        ),
                    );
                }
                if !r.unresolved_related.is_empty() {
                    unresolved.push((r.slug.clone(), r.unresolved_related.clone()));
                }
            }
            Err(e) => {
                failed += 1;
                say(&bar, format!("failed {path}: {}", crate::error::chain(&e)));
            }
        }
        bar.inc(1);
    }
    bar.finish_and_clear();
    // Related roadmaps may be imported later in the same batch: resolve them once all exist.
    resolve_related(&db, &sources, &unresolved).await;
    println!(
        "import summary: {ok} imported, {failed} failed; topics: {added} added, {changed} changed, \
         {removed} removed; {resources} resources added"
    );
    if failed > 0 {
        ExitCode::FAILURE
    } else {
        ExitCode::SUCCESS
    }
}

/// A bar over `files` imports; hidden for a single file.
fn progress_bar(files: usize) -> ProgressBar {
    if files <= 1 {
        return ProgressBar::hidden();
    }
    let bar = ProgressBar::new(files as u64);
    bar.set_style(
        ProgressStyle::with_template("{bar:40} {pos}/{len} {msg}")
            .unwrap_or_else(|_| ProgressStyle::default_bar()),
    );
    bar
}

/// Sets again the related roadmaps of the imported roadmaps that named some not found at their
/// import, now that the whole batch exists; prints those still missing.
async fn resolve_related(
    db: &DatabaseConnection,
    sources: &[Source],
    unresolved: &[(String, Vec<String>)],
) {
    for (slug, _) in unresolved {
        if let Ok(Some(r)) = service::by_slug(db, slug).await {
            let doc_related = sources.iter().find_map(|s| {
                read(s)
                    .ok()
                    .filter(|d| &d.roadmap.slug == slug)
                    .map(|d| d.roadmap.related_roadmaps)
            });
            if let Some(related) = doc_related {
                let left = service::set_related_now(db, r.id, &related).await;
                match left {
                    Ok(left) if !left.is_empty() => println!(
                        "  note: {slug}: related roadmaps not found here: {}",
                        left.join(", ")
                    ),
                    Ok(_) => {}
                    Err(e) => println!(
                        "  note: {slug}: related roadmaps not set: {}",
                        crate::error::chain(&e)
                    ),
                }
            }
        }
    }
}

pub async fn export(db_args: &DbArgs, args: &ExportArgs) -> ExitCode {
    let result = async {
        let db = open_db(db_args).await?;
        let model = service::by_slug(&db, &args.slug)
            .await
            .map_err(|e| e.to_string())?
            .ok_or_else(|| format!("no roadmap has the slug `{}`", args.slug))?;
        let doc = export::document_of(&db, &model, &CatalogAccess::trusted())
            .await
            .map_err(|e| e.to_string())?;
        match args.format {
            ExportFormat::Json => {
                let text = export::to_json(&doc).map_err(|e| e.to_string())?;
                match args.out.as_deref() {
                    None => print!("{text}"),
                    Some(p) if p == Path::new("-") => print!("{text}"),
                    Some(p) => {
                        std::fs::write(p, text).map_err(|e| format!("{}: {e}", p.display()))?;
                        eprintln!("exported {} to {}", args.slug, p.display());
                    }
                }
            }
            ExportFormat::Markdown => {
                let out = args
                    .out
                    .as_deref()
                    .ok_or("--out FOLDER is required for --format markdown")?;
                let files = markdown::write(&doc).map_err(|e| e.to_string())?;
                markdown::write_dir(out, &files)?;
                eprintln!(
                    "exported {} to {} ({} files)",
                    args.slug,
                    out.display(),
                    files.len()
                );
            }
        }
        Ok::<(), String>(())
    }
    .await;
    match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("error: {e}");
            ExitCode::FAILURE
        }
    }
}
