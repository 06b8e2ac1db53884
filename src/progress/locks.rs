//! How progress writers wait for each other.
//!
//! Every write of a user's progress (one status or several, reset, import, notes, statistics)
//! takes that user's lock first ([`lock_user`]), so two writes for one user never interleave: an
//! advisory lock on PostgreSQL; on SQLite a first statement that is a write, which takes the
//! database write lock at once (a read first would make the later upgrade fail with SQLITE_BUSY
//! instead of waiting). `setTopicStatus` takes the PostgreSQL locks in its first statement, which
//! reads its topic too ([`user_lock_exprs`]). Linking topics takes the link lock ([`lock_links`])
//! that status writes hold shared. One writer takes no learner's lock: deleting a roadmap archives
//! every learner's rows on it at once (`catalog::roadmap_editing::archive_progress`); a status
//! write that meets such a row it read as live refuses with `CONFLICT` (see `write_at_once`).
//!
//! On PostgreSQL the same first statement also switches the transaction to generic plans
//! ([`GENERIC_PLANS`]): a write's statements are short, keyed lookups whose best plan does not
//! depend on the values bound, yet PostgreSQL kept choosing custom plans, planned again on every
//! execution (a statement log of sequential writes on the bench data showed ~4 ms of planning per
//! `setTopicStatus`, 2.9 ms of it the link-group statement, against ~1.8 ms of execution). A generic
//! plan is made once per connection and statement.
use entity::ids::UserId;
use sea_orm::sea_query::{Alias, Expr, Func, SimpleExpr};
use sea_orm::{ConnectionTrait, DbBackend};

use crate::db::sql::Sql;
use crate::error::AppError;

/// Namespace of the per-user advisory locks (PostgreSQL), so they cannot collide with others.
const LOCK_NAMESPACE: i32 = 0x5052_4f47; // "PROG"

/// SQLite has one writer at a time, and a writer that finds the database locked sleeps in its
/// busy handler with growing back-off while later writers may get in first: under load that makes
/// a long latency tail. Progress writers of this process therefore queue here first (FIFO) and
/// then meet the database lock free, or held only briefly by another module's write.
static SQLITE_WRITERS: tokio::sync::Mutex<()> = tokio::sync::Mutex::const_new(());

/// Waits for this process's turn to write (SQLite only; PostgreSQL locks per user instead).
pub(super) async fn write_turn(
    db: &impl ConnectionTrait,
) -> Option<tokio::sync::MutexGuard<'static, ()>> {
    match db.get_database_backend() {
        DbBackend::Sqlite => Some(SQLITE_WRITERS.lock().await),
        _ => None,
    }
}

/// Namespace of the link lock (PostgreSQL): status writers hold it shared, linking exclusively.
const LINK_NAMESPACE: i32 = 0x4c49_4e4b; // "LINK"

/// Takes the per-user write lock for the rest of the transaction (see the module docs). On
/// PostgreSQL it also takes the link lock shared, so the link groups a write fans out to cannot
/// change under it (see [`lock_links`]); on SQLite writers are one at a time anyway.
pub(super) async fn lock_user(txn: &impl ConnectionTrait, user_id: UserId) -> Result<(), AppError> {
    let backend = txn.get_database_backend();
    let mut q = Sql::new(backend);
    match backend {
        DbBackend::Postgres => {
            q.push("SELECT pg_advisory_xact_lock(")
                .bind(LOCK_NAMESPACE)
                .push(", ")
                .bind(user_id)
                .push("), pg_advisory_xact_lock_shared(")
                .bind(LINK_NAMESPACE)
                .push(", 0), ")
                .push(GENERIC_PLANS);
        }
        _ => {
            // Matches no row (topic ids are never empty) but is a write, so SQLite takes its
            // write lock here, waiting up to busy_timeout, before anything is read.
            q.push("UPDATE progress SET status = status WHERE user_id = ")
                .bind(user_id)
                .push(" AND topic_id = ''");
        }
    }
    txn.execute(q.build()).await?;
    Ok(())
}

/// Selected by the first statement of a PostgreSQL progress write: generic plans for the rest of
/// the transaction (see the module docs). `set_config(…, true)` is `SET LOCAL`, gone at commit.
const GENERIC_PLANS: &str = "set_config('plan_cache_mode', 'force_generic_plan', true)";

/// What [`lock_user`] does on PostgreSQL (the two locks, and generic plans), as three expressions
/// to select in the first statement of a transaction (`setTopicStatus` selects them with its live
/// topic: see `status_writes::set_status`), so taking them costs no statement of its own. They
/// are taken for each row the statement returns: the caller's must return at most one, and when
/// it returns none it takes no lock and must write nothing.
pub(super) fn user_lock_exprs(user_id: UserId) -> [SimpleExpr; 3] {
    [
        Func::cust(Alias::new("pg_advisory_xact_lock"))
            .arg(Expr::val(LOCK_NAMESPACE))
            .arg(Expr::val(user_id))
            .into(),
        Func::cust(Alias::new("pg_advisory_xact_lock_shared"))
            .arg(Expr::val(LINK_NAMESPACE))
            .arg(Expr::val(0))
            .into(),
        Expr::cust(GENERIC_PLANS),
    ]
}

/// Takes the link lock for the rest of the transaction: linking and unlinking wait for the status
/// writes under way (which read the groups they fan out to) and hold back new ones until they
/// commit, so no write fans out to a group that is being merged. On SQLite, a first statement
/// that is a write (see [`lock_user`]).
pub(super) async fn lock_links(txn: &impl ConnectionTrait) -> Result<(), AppError> {
    let backend = txn.get_database_backend();
    let mut q = Sql::new(backend);
    match backend {
        DbBackend::Postgres => {
            q.push("SELECT pg_advisory_xact_lock(")
                .bind(LINK_NAMESPACE)
                .push(", 0)");
        }
        _ => {
            q.push("UPDATE topic_links SET group_id = group_id WHERE topic_id = ''");
        }
    }
    txn.execute(q.build()).await?;
    Ok(())
}
