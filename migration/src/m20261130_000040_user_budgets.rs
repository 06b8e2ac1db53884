//! `user_budgets`: how many points each signed-in user spent in their current rate-limit window
//! (GitHub's model: a fixed window that starts with the first request after the last one ended).
//! The window start is Unix seconds, so the charge compares integers the same way on both
//! databases. One row per user, gone with the user.
use sea_orm_migration::prelude::*;

#[derive(DeriveIden)]
enum UserBudgets {
    Table,
    UserId,
    WindowStart,
    Spent,
}

#[derive(DeriveIden)]
enum Users {
    Table,
    Id,
}

#[derive(DeriveMigrationName)]
pub struct Migration;

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .create_table(
                Table::create()
                    .table(UserBudgets::Table)
                    .if_not_exists()
                    .col(
                        ColumnDef::new(UserBudgets::UserId)
                            .integer()
                            .not_null()
                            .primary_key(),
                    )
                    .col(
                        ColumnDef::new(UserBudgets::WindowStart)
                            .big_integer()
                            .not_null(),
                    )
                    .col(ColumnDef::new(UserBudgets::Spent).big_integer().not_null())
                    .foreign_key(
                        ForeignKey::create()
                            .name("fk_user_budgets_user")
                            .from(UserBudgets::Table, UserBudgets::UserId)
                            .to(Users::Table, Users::Id)
                            .on_delete(ForeignKeyAction::Cascade),
                    )
                    .to_owned(),
            )
            .await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .drop_table(Table::drop().table(UserBudgets::Table).to_owned())
            .await
    }
}
