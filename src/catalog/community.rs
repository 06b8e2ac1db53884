//! Community roadmaps: learners' own roadmaps that everyone may read (user-owned, PUBLIC,
//! PUBLISHED, not deleted), listed newest first, best rated first or most followed first. Each
//! page is two statements (the count and the page), whatever its size.
use entity::roadmaps;
use sea_orm::{
    ColumnTrait, Condition, ConnectionTrait, EntityTrait, PaginatorTrait, QueryFilter, Select,
};

use crate::auth::CatalogAccess;
use crate::db::sql::Sql;
use crate::error::AppError;

/// The order of a community listing. Every order ends with the roadmap id (descending), so it is
/// total and offset cursors stay stable between pages.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum CommunityOrder {
    /// Most recently created first.
    #[default]
    Newest,
    /// Best rated first, by [`rating_score`]'s weighted average; unrated roadmaps last.
    TopRated,
    /// Most learners first: distinct users with progress (not archived) on the roadmap.
    MostLearners,
}

/// Pseudo-ratings every roadmap starts with in the TOP_RATED order (see [`rating_score`]).
pub const PRIOR_RATINGS: i64 = 5;
/// The value of those pseudo-ratings: the middle of the 1..5 scale.
pub const PRIOR_MEAN: f64 = 3.0;

/// The score TOP_RATED sorts by: a Bayesian (weighted) average, as if every roadmap had
/// [`PRIOR_RATINGS`] extra ratings of [`PRIOR_MEAN`]. A raw mean would put a roadmap with a single
/// 5-star rating above one with two hundred ratings averaging 4.8, which is what a demanding
/// reader does not want; with the prior, a few ratings move a roadmap only a little and many
/// ratings move it to their mean. The prior is a fixed midpoint rather than the site-wide mean so
/// that the order of two roadmaps depends on their own ratings only: a page does not reshuffle
/// (and offset cursors do not skip) when some other roadmap is rated. `Roadmap.rating.average`
/// still shows the plain mean. Unrated roadmaps have no score and come last.
pub fn rating_score(count: i64, sum: i64) -> Option<f64> {
    (count > 0)
        .then(|| (PRIOR_MEAN * PRIOR_RATINGS as f64 + sum as f64) / (PRIOR_RATINGS + count) as f64)
}

/// Community roadmaps: what an anonymous reader may read ([`CatalogAccess::public`]: live,
/// published, PUBLIC), and owned by a learner or a team. The same for every caller: a learner's own
/// PRIVATE or draft roadmaps are not community roadmaps, even to them.
fn community() -> Select<roadmaps::Entity> {
    roadmaps::Entity::find()
        .filter(CatalogAccess::public().condition())
        .filter(
            Condition::any()
                .add(roadmaps::Column::OwnerId.is_not_null())
                .add(roadmaps::Column::TeamId.is_not_null()),
        )
}

/// How many community roadmaps there are.
pub async fn count(db: &impl ConnectionTrait) -> Result<u64, AppError> {
    Ok(community().count(db).await?)
}

/// One page of community roadmaps in `order`: one statement. MOST_LEARNERS counts learners with a
/// correlated subquery, so only community roadmaps' progress is read, from the index
/// `ix_progress_roadmap_learners` alone; TOP_RATED aggregates the ratings table once (ratings
/// exist on community roadmaps only).
pub async fn page(
    db: &impl ConnectionTrait,
    order: CommunityOrder,
    offset: u64,
    limit: u64,
) -> Result<Vec<roadmaps::Model>, AppError> {
    if limit == 0 {
        return Ok(Vec::new());
    }
    let backend = db.get_database_backend();
    let filter = format!(
        "{} AND (r.owner_id IS NOT NULL OR r.team_id IS NOT NULL)",
        CatalogAccess::public().sql_filter("r")
    );
    let mut q = Sql::new(backend);
    match order {
        CommunityOrder::Newest => {
            q.push(&format!(
                "SELECT r.* FROM roadmaps r WHERE {filter} ORDER BY r.created_at DESC, r.id DESC"
            ));
        }
        CommunityOrder::TopRated => {
            // Same formula as `rating_score`, in floating point on both databases (so ties are
            // ties on both); the constants are ours, not the caller's. A join
            // with the ratings aggregated once: correlated subqueries here would be inlined into
            // each ORDER BY term by PostgreSQL and run four times per roadmap (40 ms against
            // 9 ms at 20,000 ratings).
            let prior_sum = PRIOR_MEAN * PRIOR_RATINGS as f64;
            q.push(&format!(
                "SELECT r.* FROM roadmaps r LEFT JOIN (SELECT x.roadmap_id, COUNT(*) AS n, \
                   SUM(x.rating) AS total FROM roadmap_ratings x GROUP BY x.roadmap_id) s \
                   ON s.roadmap_id = r.id \
                 WHERE {filter} \
                 ORDER BY CASE WHEN s.n IS NULL THEN 1 ELSE 0 END, \
                   CAST({prior_sum:.1} + s.total AS DOUBLE PRECISION) / ({PRIOR_RATINGS} + s.n) \
                     DESC, \
                   s.n DESC, r.id DESC"
            ));
        }
        CommunityOrder::MostLearners => {
            q.push(&format!(
                "SELECT t.* FROM (SELECT r.*, \
                   (SELECT COUNT(DISTINCT p.user_id) FROM progress p \
                     WHERE p.roadmap_id = r.id AND p.archived_at IS NULL) AS learners \
                 FROM roadmaps r WHERE {filter}) t \
                 ORDER BY t.learners DESC, t.id DESC"
            ));
        }
    }
    q.push(" LIMIT ")
        .bind(limit as i64)
        .push(" OFFSET ")
        .bind(offset as i64);
    Ok(roadmaps::Entity::find()
        .from_raw_sql(q.build())
        .all(db)
        .await?)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn few_ratings_move_a_roadmap_little() {
        let one_five = rating_score(1, 5).unwrap();
        let many = rating_score(200, 960).unwrap(); // 200 ratings averaging 4.8
        assert!(many > one_five, "{many} <= {one_five}");
        assert!((rating_score(5, 15).unwrap() - 3.0).abs() < 1e-9);
        assert_eq!(rating_score(0, 0), None);
        // A single bad rating sinks a roadmap less than many mediocre ones.
        assert!(rating_score(1, 1).unwrap() > rating_score(50, 125).unwrap());
    }
}
