//! Email ownership: proving that an account holds its address.
//!
//! `users.email_verified_at` is null until the address is proved (a mailed link followed, a
//! password reset or an invite accepted through its mailed link). Accounts that exist before this
//! migration start unverified: they keep working and verify when something needs it (seeing a
//! team invite sent to their address).
//!
//! `email_tokens` holds the links mailed to people (`VERIFY` an address, `CHANGE` to a new one,
//! `RESET` a password) as the SHA-256 of the token only: single use (`used_at`), expiring, the
//! address they were mailed to in `email`.
//!
//! `team_invites.token_hash` is the SHA-256 of the token mailed with an invite (null for invites
//! made before this migration: those are answered by a verified account only).
use sea_orm_migration::prelude::*;

#[derive(DeriveMigrationName)]
pub struct Migration;

#[derive(DeriveIden)]
enum Users {
    Table,
    Id,
    EmailVerifiedAt,
}

#[derive(DeriveIden)]
enum TeamInvites {
    Table,
    TokenHash,
}

#[derive(DeriveIden)]
enum EmailTokens {
    Table,
    Id,
    UserId,
    Purpose,
    Email,
    TokenHash,
    CreatedAt,
    ExpiresAt,
    UsedAt,
}

fn ts(col: impl IntoIden) -> ColumnDef {
    ColumnDef::new(col)
        .timestamp_with_time_zone()
        .not_null()
        .to_owned()
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .alter_table(
                Table::alter()
                    .table(Users::Table)
                    .add_column(ColumnDef::new(Users::EmailVerifiedAt).timestamp_with_time_zone())
                    .to_owned(),
            )
            .await?;
        manager
            .alter_table(
                Table::alter()
                    .table(TeamInvites::Table)
                    .add_column(ColumnDef::new(TeamInvites::TokenHash).string_len(64))
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .if_not_exists()
                    .name("ux_team_invites_token_hash")
                    .table(TeamInvites::Table)
                    .col(TeamInvites::TokenHash)
                    .unique()
                    .to_owned(),
            )
            .await?;
        manager
            .create_table(
                Table::create()
                    .table(EmailTokens::Table)
                    .if_not_exists()
                    .col(
                        ColumnDef::new(EmailTokens::Id)
                            .integer()
                            .not_null()
                            .auto_increment()
                            .primary_key(),
                    )
                    .col(ColumnDef::new(EmailTokens::UserId).integer().not_null())
                    .col(
                        ColumnDef::new(EmailTokens::Purpose)
                            .string_len(16)
                            .not_null(),
                    )
                    .col(
                        ColumnDef::new(EmailTokens::Email)
                            .string_len(320)
                            .not_null(),
                    )
                    // SHA-256 of the token, hex: the token itself is never stored.
                    .col(
                        ColumnDef::new(EmailTokens::TokenHash)
                            .string_len(64)
                            .not_null(),
                    )
                    .col(ts(EmailTokens::CreatedAt))
                    .col(ts(EmailTokens::ExpiresAt))
                    .col(ColumnDef::new(EmailTokens::UsedAt).timestamp_with_time_zone())
                    .foreign_key(
                        ForeignKey::create()
                            .name("fk_email_tokens_user")
                            .from(EmailTokens::Table, EmailTokens::UserId)
                            .to(Users::Table, Users::Id)
                            .on_delete(ForeignKeyAction::Cascade),
                    )
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .if_not_exists()
                    .name("ux_email_tokens_hash")
                    .table(EmailTokens::Table)
                    .col(EmailTokens::TokenHash)
                    .unique()
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .if_not_exists()
                    .name("ix_email_tokens_user")
                    .table(EmailTokens::Table)
                    .col(EmailTokens::UserId)
                    .col(EmailTokens::Purpose)
                    .col(EmailTokens::CreatedAt)
                    .to_owned(),
            )
            .await?;
        Ok(())
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .drop_table(Table::drop().table(EmailTokens::Table).to_owned())
            .await?;
        manager
            .drop_index(
                Index::drop()
                    .name("ux_team_invites_token_hash")
                    .table(TeamInvites::Table)
                    .to_owned(),
            )
            .await?;
        for (table, col) in [
            (Users::Table.into_iden(), Users::EmailVerifiedAt.into_iden()),
            (
                TeamInvites::Table.into_iden(),
                TeamInvites::TokenHash.into_iden(),
            ),
        ] {
            manager
                .alter_table(Table::alter().table(table).drop_column(col).to_owned())
                .await?;
        }
        Ok(())
    }
}
