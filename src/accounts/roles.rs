//! Roles and the end of an account: promoting and demoting (never the last admin), the operator's
//! `create-admin`, and deleting one's own account. Each revokes what it must and closes the user's
//! sockets after it committed.
use chrono::Utc;
use entity::ids::UserId;
use entity::users;
use sea_orm::sea_query::Expr;
use sea_orm::ActiveValue::Set;
use sea_orm::{
    ActiveModelTrait, ColumnTrait, ConnectionTrait, DatabaseConnection, DatabaseTransaction,
    EntityTrait, PaginatorTrait, QueryFilter, TransactionTrait,
};

use super::fields::normalize_email;
use super::password;
use super::service::{bump_token_version, find_user, insert_user, role_of, Auth, NewUser};
use crate::auth::Role;
use crate::error::{AppError, Input};

/// Changes a user's role. Refuses to demote the last admin (checked inside the transaction). A
/// changed role revokes the user's access tokens (their sessions go on: a refresh gives tokens
/// with the new role) and closes their sockets.
pub async fn set_role(
    db: &DatabaseConnection,
    auth: &Auth,
    target_id: UserId,
    role: Role,
) -> Result<users::Model, AppError> {
    let txn = db.begin().await?;
    if crate::db::is_postgres(&txn) {
        // Serialise role changes so two admins cannot demote each other at the same moment.
        txn.execute_unprepared("LOCK TABLE users IN SHARE ROW EXCLUSIVE MODE")
            .await?;
    }
    let user = find_user(&txn, target_id).await?;
    if role_of(&user) == Role::Admin && role != Role::Admin {
        let admins = users::Entity::find()
            .filter(users::Column::Role.eq(Role::Admin))
            .count(&txn)
            .await?;
        if admins <= 1 {
            return Err(AppError::conflict(
                Input::Role,
                "This is the last admin; promote someone else first",
            ));
        }
    }
    if role_of(&user) == role {
        return Ok(user);
    }
    let mut active: users::ActiveModel = user.into();
    active.role = Set(role);
    active.updated_at = Set(Utc::now());
    let user = active.update(&txn).await?;
    bump_token_version(&txn, target_id).await?;
    let user = find_user(&txn, user.id).await?;
    txn.commit().await?;
    auth.revocations.publish(target_id);
    Ok(user)
}

/// What another domain checks or clears inside the transaction that deletes an account, before
/// anything is deleted (teams refuse the deletion of a team's only owner). An error refuses the
/// deletion. Accounts know nothing of the domains above them: the caller hands the checks in.
#[async_trait::async_trait]
pub trait BeforeAccountDeleted: Send + Sync {
    async fn check(
        &self,
        txn: &DatabaseTransaction,
        user_id: UserId,
        email: &str,
    ) -> Result<(), AppError>;
}

/// Deletes the signed-in user's account and everything that is theirs (progress, history, notes,
/// favourites, sessions, ratings and memberships cascade in the database; their roadmaps are
/// deleted); closes their sockets. The password confirms it is them; the last admin cannot leave,
/// and each of `checks` may refuse too.
pub async fn delete_account(
    db: &DatabaseConnection,
    auth: &Auth,
    user_id: UserId,
    password: String,
    checks: &[&dyn BeforeAccountDeleted],
) -> Result<(), AppError> {
    super::fields::check_given(Input::Password, &password, password::MAX_LEN)?;
    let user = find_user(db, user_id).await?;
    if !password::verify(password, Some(user.password_hash.clone())).await? {
        return Err(AppError::bad_input(
            Input::Password,
            "The password is incorrect",
        ));
    }
    let txn = db.begin().await?;
    if crate::db::is_postgres(&txn) {
        // The same lock as role changes: the last two admins cannot both leave at once.
        txn.execute_unprepared("LOCK TABLE users IN SHARE ROW EXCLUSIVE MODE")
            .await?;
    }
    let user = find_user(&txn, user_id).await?;
    if role_of(&user) == Role::Admin {
        let admins = users::Entity::find()
            .filter(users::Column::Role.eq(Role::Admin))
            .count(&txn)
            .await?;
        if admins <= 1 {
            return Err(AppError::conflict(
                Input::Password,
                "You are the last admin; promote someone else before deleting your account",
            ));
        }
    }
    for check in checks {
        check.check(&txn, user_id, &user.email).await?;
    }
    // Their roadmaps go with them (soft-deleted: other learners' progress on them is kept, and
    // counted nowhere, as after any deletion).
    let now = chrono::Utc::now();
    entity::roadmaps::Entity::update_many()
        .col_expr(entity::roadmaps::Column::DeletedAt, Expr::value(Some(now)))
        .col_expr(entity::roadmaps::Column::UpdatedAt, Expr::value(now))
        .filter(entity::roadmaps::Column::OwnerId.eq(user_id))
        .filter(entity::roadmaps::Column::DeletedAt.is_null())
        .exec(&txn)
        .await?;
    // Topics of others that were the same as one of theirs stand alone.
    crate::catalog::links::dissolve_dead_groups(&txn).await?;
    users::Entity::delete_by_id(user_id).exec(&txn).await?;
    txn.commit().await?;
    auth.revocations.publish(user_id);
    Ok(())
}

/// Creates an admin, or promotes the user with that email (their password is left unchanged).
pub async fn create_admin(
    db: &DatabaseConnection,
    input: NewUser,
) -> Result<(users::Model, bool), AppError> {
    let email = normalize_email(Input::Email, &input.email)?;
    let txn = db.begin().await?;
    if let Some(user) = users::Entity::find()
        .filter(users::Column::Email.eq(email))
        .one(&txn)
        .await?
    {
        let mut active: users::ActiveModel = user.into();
        active.role = Set(Role::Admin);
        active.updated_at = Set(Utc::now());
        let user = active.update(&txn).await?;
        txn.commit().await?;
        return Ok((user, false));
    }
    let user = insert_user(&txn, input, Role::Admin, Input::Email).await?;
    txn.commit().await?;
    Ok((user, true))
}
