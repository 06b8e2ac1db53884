//! Default content: the roadmaps in `data/roadmaps/`, loaded on first start through the same import
//! code admins use. Each roadmap is seeded once per database: never duplicated, and never re-created
//! or overwritten once an admin has edited or deleted it.
use include_dir::{include_dir, Dir};
use sea_orm::{
    ActiveValue::Set, ConnectionTrait, DatabaseConnection, EntityTrait, Statement, TransactionTrait,
};

use crate::catalog::document::{self, RoadmapDocument};
use crate::catalog::roadmaps as service;
use crate::error::AppError;

static SEED_DIR: Dir<'_> = include_dir!("$CARGO_MANIFEST_DIR/data/roadmaps");

/// The documents shipped in the binary, sorted by file name.
pub fn documents() -> Result<Vec<RoadmapDocument>, AppError> {
    let mut files: Vec<_> = SEED_DIR
        .files()
        .filter(|f| f.path().extension().is_some_and(|e| e == "json"))
        .collect();
    files.sort_by_key(|f| f.path());
    files
        .into_iter()
        .map(|f| {
            let text = f.contents_utf8().ok_or_else(|| {
                AppError::internal(format!("seed file {} is not UTF-8", f.path().display()))
            })?;
            document::parse_json(text).map_err(|e| {
                AppError::internal_from(format!("seed file {}", f.path().display()), e)
            })
        })
        .collect()
}

#[derive(Debug, Default)]
pub struct SeedReport {
    pub created: Vec<String>,
}

fn seed_key(slug: &str) -> String {
    format!("seed:roadmap:{slug}")
}

pub async fn seed_defaults(db: &DatabaseConnection) -> Result<SeedReport, AppError> {
    let docs = documents()?;
    let txn = db.begin().await?;
    if crate::db::is_postgres(&txn) {
        // Several processes may start at once on one database: let one seed, the others wait.
        txn.execute(Statement::from_string(
            txn.get_database_backend(),
            "SELECT pg_advisory_xact_lock(7242001)",
        ))
        .await?;
    }
    let mut report = SeedReport::default();
    let mut created = Vec::new();
    for doc in &docs {
        let key = seed_key(&doc.roadmap.slug);
        if entity::app_meta::Entity::find_by_id(key.clone())
            .one(&txn)
            .await?
            .is_some()
        {
            continue;
        }
        // A roadmap an admin deleted keeps its slug (hidden): never recreate it.
        if !service::slug_ever_used(&txn, &doc.roadmap.slug).await? {
            let imported = service::import_create(&txn, doc).await?;
            created.push(doc);
            report.created.push(imported.slug);
        }
        entity::app_meta::Entity::insert(entity::app_meta::ActiveModel {
            key: Set(key),
            value: Set("seeded".into()),
            updated_at: Set(chrono::Utc::now()),
        })
        .exec_without_returning(&txn)
        .await?;
    }
    // Relations may point at roadmaps later in the list: resolve them once all exist.
    for doc in created {
        if let Some(r) = service::by_slug(&txn, &doc.roadmap.slug).await? {
            service::set_related(
                &txn,
                &crate::auth::CatalogAccess::trusted(),
                r.id,
                &doc.roadmap.related_roadmaps,
            )
            .await?;
        }
    }
    txn.commit().await?;
    Ok(report)
}
