//! Writing the catalogue and the users: multi-row INSERTs within SQLite's parameter limit.
use anyhow::Context as _;
use entity::ids::TopicKey;
use entity::{resources, roadmap_relations, roadmap_tags, roadmaps, topics, users};
use sea_orm::ActiveEnum;
use sea_orm::ActiveValue::{NotSet, Set};
use sea_orm::{
    ColumnTrait, DatabaseConnection, EntityTrait, QueryFilter, QuerySelect, TransactionTrait,
};

use super::shape::GenRoadmap;
use super::{
    bar, epoch, roadmap_slug, topic_id, user_email, Plan, Report, ADMIN_EMAIL, MAX_PARAMS,
    PASSWORD, ROWS_PER_TXN,
};
use crate::server_api;

pub async fn insert_catalogue(
    db: &DatabaseConnection,
    trees: &[GenRoadmap],
    report: &mut Report,
) -> anyhow::Result<Vec<i32>> {
    let now = epoch();
    let total_topics: usize = trees.iter().map(|t| t.topics.len()).sum();
    let pb = bar(total_topics as u64, "topics");
    let txn = db.begin().await?;
    let mut ids = Vec::with_capacity(trees.len());
    for (ri, tree) in trees.iter().enumerate() {
        let slug = roadmap_slug(ri);
        let title = format!("Generated Roadmap {ri}");
        // Columns added by later migrations keep their defaults.
        #[allow(clippy::needless_update)]
        let model = roadmaps::ActiveModel {
            id: NotSet,
            slug: Set(slug.clone()),
            title: Set(title.clone()),
            brief_title: Set(format!("Gen {ri}")),
            description: Set(format!(
                "A generated roadmap with {} topics for benchmarks.",
                tree.topics.len()
            )),
            brief_description: Set("Generated for benchmarks.".into()),
            sort_order: Set(1000 + ri as i32),
            kind: Set(stored(if ri % 3 == 0 { "ROLE" } else { "SKILL" })),
            status: Set(stored("PUBLISHED")),
            is_forkable: Set(true),
            has_topics: Set(true),
            width: Set(Some(968.0)),
            height: Set(Some(2800.0)),
            question_title: Set(Some(format!("What is {title}?"))),
            question_description: Set(Some("A roadmap made up for load tests.".into())),
            seo_title: Set(Some(title.clone())),
            seo_description: Set(Some("Generated roadmap.".into())),
            seo_keywords: Set(serde_json::json!(["generated", slug])),
            schema_headline: Set(Some(title)),
            schema_description: Set(None),
            schema_image_url: Set(None),
            schema_date_published: Set(None),
            schema_date_modified: Set(None),
            sitemap_priority: Set(Some(0.5)),
            sitemap_change_frequency: Set(Some(stored("MONTHLY"))),
            pdf_url: Set(None),
            json_url: Set(None),
            sponsor_url: Set(None),
            sponsor_title: Set(None),
            sponsor_image_url: Set(None),
            sponsor_description: Set(None),
            sponsor_expires_at: Set(None),
            related_questions: Set(serde_json::json!([])),
            version: Set(1),
            created_at: Set(now),
            updated_at: Set(now),
            ..Default::default()
        };
        let id = roadmaps::Entity::insert(model)
            .exec(&txn)
            .await?
            .last_insert_id;
        ids.push(id);
        roadmap_tags::Entity::insert_many([
            roadmap_tags::ActiveModel {
                roadmap_id: Set(id),
                tag: Set("generated".into()),
                position: Set(0),
            },
            roadmap_tags::ActiveModel {
                roadmap_id: Set(id),
                tag: Set(format!("group-{}", ri % 7)),
                position: Set(1),
            },
        ])
        .exec_without_returning(&txn)
        .await?;

        let rows: Vec<topics::ActiveModel> = tree
            .topics
            .iter()
            .enumerate()
            .map(|(ti, t)| topics::ActiveModel {
                id: Set(TopicKey(topic_id(ri, ti))),
                roadmap_id: Set(id),
                parent_id: Set(t.parent.map(|p| TopicKey(topic_id(ri, p)))),
                kind: Set(stored(if t.depth == 0 { "TOPIC" } else { "SUBTOPIC" })),
                title: Set(t.title.clone()),
                description: Set(t.description.clone()),
                position: Set(t.position),
                legend: Set(t.legend.map(stored)),
                version: Set(1),
                deleted_at: Set(None),
                created_at: Set(now),
                updated_at: Set(now),
                forked_from_id: Set(None),
            })
            .collect();
        // Parents come before children in `rows`, so chunks in order satisfy the parent key.
        for chunk in rows.chunks(MAX_PARAMS / 13) {
            topics::Entity::insert_many(chunk.to_vec())
                .exec_without_returning(&txn)
                .await?;
            pb.inc(chunk.len() as u64);
        }
        let kinds = [
            "ARTICLE",
            "VIDEO",
            "OFFICIAL",
            "COURSE",
            "BOOK",
            "OPENSOURCE",
        ];
        let res: Vec<resources::ActiveModel> = tree
            .topics
            .iter()
            .enumerate()
            .flat_map(|(ti, t)| {
                (0..t.resources).map(move |k| resources::ActiveModel {
                    id: NotSet,
                    topic_id: Set(TopicKey(topic_id(ri, ti))),
                    kind: Set(stored(kinds[(ti + k as usize) % kinds.len()])),
                    title: Set(format!("{} — part {}", t.title, k + 1)),
                    url: Set(format!(
                        "https://docs.example.com/learn/{}/{}/{}",
                        roadmap_slug(ri),
                        topic_id(ri, ti),
                        k + 1
                    )),
                    position: Set(i32::from(k)),
                    created_at: Set(now),
                    updated_at: Set(now),
                })
            })
            .collect();
        report.resources += res.len();
        for chunk in res.chunks(MAX_PARAMS / 8) {
            resources::Entity::insert_many(chunk.to_vec())
                .exec_without_returning(&txn)
                .await?;
        }
        report.topics += tree.topics.len();
    }
    // Each roadmap relates to the next two, like "see also" links.
    let n = ids.len();
    let relations: Vec<roadmap_relations::ActiveModel> = (0..n)
        .flat_map(|i| {
            let ids = &ids;
            [1usize, 2]
                .into_iter()
                .filter(move |d| *d < n)
                .enumerate()
                .map(move |(pos, d)| roadmap_relations::ActiveModel {
                    roadmap_id: Set(ids[i]),
                    related_id: Set(ids[(i + d) % n]),
                    position: Set(pos as i32),
                })
        })
        .collect();
    for chunk in relations.chunks(MAX_PARAMS / 3) {
        roadmap_relations::Entity::insert_many(chunk.to_vec())
            .exec_without_returning(&txn)
            .await?;
    }
    txn.commit().await?;
    pb.finish();
    report.roadmaps = ids.len();
    Ok(ids.into_iter().map(|id| id.0).collect())
}

/// Inserts the users (and one admin) with a shared hash; returns user ids by index (1-based, so
/// `ids[0]` is unused).
pub async fn insert_users(
    db: &DatabaseConnection,
    plan: &Plan,
    report: &mut Report,
) -> anyhow::Result<Vec<i32>> {
    let hash = server_api::hash_password(PASSWORD)
        .await
        .context("hashing the shared password")?;
    let now = epoch();
    let pb = bar(plan.users as u64, "users");
    let make = |email: String, username: String, role: &str| users::ActiveModel {
        id: NotSet,
        email: Set(email),
        username_key: Set(username.to_lowercase()),
        display_name: Set(username.clone()),
        username: Set(username),
        password_hash: Set(hash.clone()),
        role: Set(stored(role)),
        token_version: Set(0),
        time_zone: Set("UTC".into()),
        created_at: Set(now),
        updated_at: Set(now),
        profile_visibility: Set(stored("PRIVATE")),
        // Generated learners have proved their address (mail is not part of what is measured).
        email_verified_at: Set(Some(now)),
        headline: Set(None),
        profile_links: Set("[]".to_owned()),
        profile_roadmaps: Set(stored("ALL")),
        profile_roadmap_ids: Set("[]".to_owned()),
        streak_run: Set(0),
        streak_longest: Set(0),
        streak_last_day: Set(None),
        done_30d: Set(0),
        stats_version: Set(1),
    };
    let per_stmt = MAX_PARAMS / 20;
    let mut n = 1usize;
    while n <= plan.users {
        let txn = db.begin().await?;
        let end = (n + ROWS_PER_TXN / 4).min(plan.users + 1);
        while n < end {
            let to = (n + per_stmt).min(end);
            let rows: Vec<users::ActiveModel> = (n..to)
                .map(|i| make(user_email(i), format!("user{i}"), "USER"))
                .collect();
            users::Entity::insert_many(rows)
                .exec_without_returning(&txn)
                .await?;
            pb.inc((to - n) as u64);
            n = to;
        }
        txn.commit().await?;
    }
    users::Entity::insert(make(ADMIN_EMAIL.into(), "benchadmin".into(), "ADMIN"))
        .exec_without_returning(db)
        .await?;
    pb.finish();
    report.users = plan.users;

    // Ids by index: read them back rather than assume the sequence started at 1.
    let mut ids = vec![0i32; plan.users + 1];
    let rows: Vec<(i32, String)> = users::Entity::find()
        .select_only()
        .column(users::Column::Id)
        .column(users::Column::Username)
        .filter(users::Column::Email.like("%@bench.example"))
        .into_tuple()
        .all(db)
        .await?;
    for (id, username) in rows {
        if let Some(i) = username
            .strip_prefix("user")
            .and_then(|s| s.parse::<usize>().ok())
        {
            if i <= plan.users {
                ids[i] = id;
            }
        }
    }
    Ok(ids)
}

/// The generator's constant texts as a column's enum (they are exactly the stored texts, so the
/// data set stays byte for byte what it was).
pub(crate) fn stored<E: ActiveEnum<Value = String>>(text: &str) -> E {
    E::try_from_value(&text.to_owned())
        .unwrap_or_else(|_| panic!("`{text}` is not a stored enum value"))
}
