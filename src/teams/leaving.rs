//! What leaving for good means for teams: an account whose user is the only owner of a team
//! cannot be deleted until they hand the team over (or delete it); their memberships go with
//! them (the database cascades), and so do the invites to their email.
use entity::ids::UserId;
use entity::team_invites;
use sea_orm::{ColumnTrait, DatabaseTransaction, EntityTrait, QueryFilter};

use super::TeamRole;
use crate::accounts::roles::BeforeAccountDeleted;
use crate::db::sql::Sql;
use crate::error::{AppError, Input, Operation, Words};

/// Refuses to delete the account of a team's only owner (`CONFLICT` on `password`, naming the
/// team), and removes the invites to the user's email.
pub struct SoleOwnedTeams;

#[async_trait::async_trait]
impl BeforeAccountDeleted for SoleOwnedTeams {
    async fn check(
        &self,
        txn: &DatabaseTransaction,
        user_id: UserId,
        email: &str,
    ) -> Result<(), AppError> {
        use sea_orm::ConnectionTrait;
        let backend = txn.get_database_backend();
        let owner = sea_orm::ActiveEnum::to_value(&TeamRole::Owner);
        // Lock the teams they own, as every team write does, so a co-owner leaving at this
        // moment either sees them still there or waits until they are gone.
        let mut lock = Sql::new(backend);
        lock.push(
            "UPDATE teams SET updated_at = updated_at WHERE id IN \
             (SELECT team_id FROM team_members WHERE user_id = ",
        )
        .bind(user_id)
        .push(" AND role = ")
        .bind(owner.clone())
        .push(")");
        txn.execute(lock.build()).await?;
        let mut q = Sql::new(backend);
        q.push(
            "SELECT t.name FROM teams t JOIN team_members m ON m.team_id = t.id \
             WHERE m.user_id = ",
        )
        .bind(user_id)
        .push(" AND m.role = ")
        .bind(owner.clone())
        .push(" AND (SELECT COUNT(*) FROM team_members o WHERE o.team_id = t.id AND o.role = ")
        .bind(owner)
        .push(") = 1 ORDER BY t.name, t.id LIMIT 1");
        if let Some(row) = txn.query_one(q.build()).await? {
            let name: String = row.try_get_by_index(0)?;
            return Err(AppError::conflict(
                Input::Password,
                Words::from(format!(
                    "You are the only owner of the team \"{name}\": transfer it ("
                ))
                .then_operation(Operation::TransferTeamOwnership)
                .then(") or delete it before deleting your account"),
            ));
        }
        team_invites::Entity::delete_many()
            .filter(team_invites::Column::Email.eq(email))
            .exec(txn)
            .await?;
        Ok(())
    }
}
