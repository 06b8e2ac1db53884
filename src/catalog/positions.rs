//! Dense sibling positions (0, 1, 2…): topics under one parent, resources of one topic. Every
//! edit that inserts, moves or removes a sibling goes through here, so gaps and ties cannot appear.
use chrono::{DateTime, Utc};
use entity::{resources, topics};
use sea_orm::sea_query::Expr;
use sea_orm::{ColumnTrait, ConnectionTrait, EntityTrait, QueryFilter};

use crate::error::{AppError, Input, Words};

/// A table whose rows are ordered among their siblings by a `position` column.
pub(crate) trait Ordered: EntityTrait {
    type Key: Into<sea_orm::Value> + Clone + Send + Sync;
    const ID: Self::Column;
    const POSITION: Self::Column;
    const UPDATED_AT: Self::Column;
}

impl Ordered for topics::Entity {
    type Key = entity::ids::TopicKey;
    const ID: topics::Column = topics::Column::Id;
    const POSITION: topics::Column = topics::Column::Position;
    const UPDATED_AT: topics::Column = topics::Column::UpdatedAt;
}

impl Ordered for resources::Entity {
    type Key = entity::ids::ResourceId;
    const ID: resources::Column = resources::Column::Id;
    const POSITION: resources::Column = resources::Column::Position;
    const UPDATED_AT: resources::Column = resources::Column::UpdatedAt;
}

/// The index an inserted or moved row takes among `len` siblings: the end by default.
pub(crate) fn check_position(position: Option<i32>, len: usize) -> Result<usize, AppError> {
    match position {
        None => Ok(len),
        Some(p) if p >= 0 && p as usize <= len => Ok(p as usize),
        Some(_) => Err(AppError::bad_input(
            Input::Position,
            Words::quoted(Input::Position).then(format!(" must be between 0 and {len}")),
        )),
    }
}

/// Gives `rows` (ids with their current positions, in the wanted order) the positions 0, 1, 2…,
/// writing only the rows that change.
pub(crate) async fn renumber<E: Ordered>(
    txn: &impl ConnectionTrait,
    rows: &[(E::Key, i32)],
    now: DateTime<Utc>,
) -> Result<(), AppError> {
    place::<E>(txn, rows, 0, Some(now)).await
}

/// Makes room at index `at` (at most `rows.len()`, see `check_position`) for a new sibling: the
/// rows from `at` on move up one, those before it close any gap. Rows pushed along keep their
/// `updated_at` (as they always have); rows whose gap is closed are stamped like any renumbering.
pub(crate) async fn open_gap<E: Ordered>(
    txn: &impl ConnectionTrait,
    rows: &[(E::Key, i32)],
    at: usize,
    now: DateTime<Utc>,
) -> Result<(), AppError> {
    let (before, after) = rows.split_at(at.min(rows.len()));
    place::<E>(txn, after, at + 1, None).await?;
    place::<E>(txn, before, 0, Some(now)).await
}

/// Positions `first`, `first + 1`… for `rows`; `stamp` also sets `updated_at` on rows written.
async fn place<E: Ordered>(
    txn: &impl ConnectionTrait,
    rows: &[(E::Key, i32)],
    first: usize,
    stamp: Option<DateTime<Utc>>,
) -> Result<(), AppError> {
    for (i, (id, old)) in rows.iter().enumerate() {
        let position = (first + i) as i32;
        if *old == position {
            continue;
        }
        let mut q = E::update_many().col_expr(E::POSITION, Expr::value(position));
        if let Some(now) = stamp {
            q = q.col_expr(E::UPDATED_AT, Expr::value(now));
        }
        q.filter(E::ID.eq(id.clone())).exec(txn).await?;
    }
    Ok(())
}
