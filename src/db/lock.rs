//! "Lock this row first": the opening statement of a write transaction that must wait for the
//! other writers of the same row before it reads anything.
use sea_orm::sea_query::IntoCondition;
use sea_orm::{ColumnTrait, ConnectionTrait, DbErr, EntityTrait, QueryFilter};

/// Locks the rows of `E` that `filter` matches for the rest of the transaction, by writing
/// `column` onto itself (the row does not change). Call it as the transaction's first statement:
/// on PostgreSQL the update takes the rows' locks, as `SELECT … FOR UPDATE` would; on SQLite any
/// write takes the database's write lock at once, where a read first would make the later write
/// fail with SQLITE_BUSY under concurrent writers instead of waiting. Returns the rows matched
/// (0: nothing to lock, e.g. no such row).
pub async fn lock_rows<E: EntityTrait>(
    txn: &impl ConnectionTrait,
    column: E::Column,
    filter: impl IntoCondition,
) -> Result<u64, DbErr> {
    let done = E::update_many()
        .col_expr(column, column.into_expr().into())
        .filter(filter)
        .exec(txn)
        .await?;
    Ok(done.rows_affected)
}
