//! `revoked_families`: sign-ins (refresh-token families) revoked because one of their refresh
//! tokens was used twice. Access tokens carry their family; one of a family listed here is refused
//! at once on every process. A row is needed only while an access token of the family can still
//! be valid (access-token lifetime + leeway), then it is purged. Gone with the user.
use sea_orm_migration::prelude::*;

#[derive(DeriveIden)]
enum RevokedFamilies {
    Table,
    FamilyId,
    UserId,
    RevokedAt,
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
                    .table(RevokedFamilies::Table)
                    .if_not_exists()
                    .col(
                        ColumnDef::new(RevokedFamilies::FamilyId)
                            .string_len(64)
                            .not_null()
                            .primary_key(),
                    )
                    .col(ColumnDef::new(RevokedFamilies::UserId).integer().not_null())
                    .col(
                        ColumnDef::new(RevokedFamilies::RevokedAt)
                            .timestamp_with_time_zone()
                            .not_null(),
                    )
                    .foreign_key(
                        ForeignKey::create()
                            .name("fk_revoked_families_user")
                            .from(RevokedFamilies::Table, RevokedFamilies::UserId)
                            .to(Users::Table, Users::Id)
                            .on_delete(ForeignKeyAction::Cascade),
                    )
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .name("idx_revoked_families_revoked_at")
                    .table(RevokedFamilies::Table)
                    .col(RevokedFamilies::RevokedAt)
                    .to_owned(),
            )
            .await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .drop_table(Table::drop().table(RevokedFamilies::Table).to_owned())
            .await
    }
}
