//! Teams: `teams`, their `team_members` (role OWNER | MANAGER | MEMBER) and pending
//! `team_invites` (by normalised email, expiring 7 days after they are made). Also the tables the
//! team roadmaps and team views fill (`team_roadmaps`, `team_hidden_topics`) and
//! `roadmaps.team_id`, so the schema for teams lands once. Memberships go with their user or team
//! (cascade); an invite outlives its inviter (`invited_by` becomes null).
use sea_orm_migration::prelude::*;

#[derive(DeriveIden)]
enum Teams {
    Table,
    Id,
    Name,
    Kind,
    CreatedAt,
    UpdatedAt,
}

#[derive(DeriveIden)]
enum TeamMembers {
    Table,
    TeamId,
    UserId,
    Role,
    JoinedAt,
}

#[derive(DeriveIden)]
enum TeamInvites {
    Table,
    Id,
    TeamId,
    Email,
    Role,
    InvitedBy,
    CreatedAt,
    ExpiresAt,
}

#[derive(DeriveIden)]
enum TeamRoadmaps {
    Table,
    TeamId,
    RoadmapId,
    AddedAt,
}

#[derive(DeriveIden)]
enum TeamHiddenTopics {
    Table,
    TeamId,
    RoadmapId,
    TopicId,
}

#[derive(DeriveIden)]
enum Users {
    Table,
    Id,
}

#[derive(DeriveIden)]
enum Roadmaps {
    Table,
    Id,
}

#[derive(DeriveIden)]
enum Topics {
    Table,
    Id,
}

/// Raw SQL for the same reason as m20261130_000050: `ADD COLUMN … REFERENCES` reads the same on
/// both databases, where SQLite cannot `ADD CONSTRAINT`.
const ROADMAP_TEAM: [&str; 2] = [
    "ALTER TABLE roadmaps ADD COLUMN team_id INTEGER NULL REFERENCES teams (id) ON DELETE SET NULL",
    "CREATE INDEX IF NOT EXISTS ix_roadmaps_team ON roadmaps (team_id)",
];

fn timestamp<T: IntoIden>(col: T) -> ColumnDef {
    ColumnDef::new(col)
        .timestamp_with_time_zone()
        .not_null()
        .to_owned()
}

fn cascade<A: IntoTableRef, B: IntoIden, C: IntoTableRef, D: IntoIden>(
    from: (A, B),
    to: (C, D),
) -> ForeignKeyCreateStatement {
    ForeignKey::create()
        .from(from.0, from.1)
        .to(to.0, to.1)
        .on_delete(ForeignKeyAction::Cascade)
        .to_owned()
}

#[derive(DeriveMigrationName)]
pub struct Migration;

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .create_table(
                Table::create()
                    .table(Teams::Table)
                    .if_not_exists()
                    .col(
                        ColumnDef::new(Teams::Id)
                            .integer()
                            .not_null()
                            .auto_increment()
                            .primary_key(),
                    )
                    .col(ColumnDef::new(Teams::Name).string_len(100).not_null())
                    .col(ColumnDef::new(Teams::Kind).string_len(16).not_null())
                    .col(timestamp(Teams::CreatedAt))
                    .col(timestamp(Teams::UpdatedAt))
                    .to_owned(),
            )
            .await?;
        manager
            .create_table(
                Table::create()
                    .table(TeamMembers::Table)
                    .if_not_exists()
                    .col(ColumnDef::new(TeamMembers::TeamId).integer().not_null())
                    .col(ColumnDef::new(TeamMembers::UserId).integer().not_null())
                    .col(ColumnDef::new(TeamMembers::Role).string_len(16).not_null())
                    .col(timestamp(TeamMembers::JoinedAt))
                    .primary_key(
                        Index::create()
                            .col(TeamMembers::TeamId)
                            .col(TeamMembers::UserId),
                    )
                    .foreign_key(&mut cascade(
                        (TeamMembers::Table, TeamMembers::TeamId),
                        (Teams::Table, Teams::Id),
                    ))
                    .foreign_key(&mut cascade(
                        (TeamMembers::Table, TeamMembers::UserId),
                        (Users::Table, Users::Id),
                    ))
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .if_not_exists()
                    .name("ix_team_members_user")
                    .table(TeamMembers::Table)
                    .col(TeamMembers::UserId)
                    .to_owned(),
            )
            .await?;
        manager
            .create_table(
                Table::create()
                    .table(TeamInvites::Table)
                    .if_not_exists()
                    .col(
                        ColumnDef::new(TeamInvites::Id)
                            .integer()
                            .not_null()
                            .auto_increment()
                            .primary_key(),
                    )
                    .col(ColumnDef::new(TeamInvites::TeamId).integer().not_null())
                    .col(
                        ColumnDef::new(TeamInvites::Email)
                            .string_len(254)
                            .not_null(),
                    )
                    .col(ColumnDef::new(TeamInvites::Role).string_len(16).not_null())
                    .col(ColumnDef::new(TeamInvites::InvitedBy).integer().null())
                    .col(timestamp(TeamInvites::CreatedAt))
                    .col(timestamp(TeamInvites::ExpiresAt))
                    .foreign_key(&mut cascade(
                        (TeamInvites::Table, TeamInvites::TeamId),
                        (Teams::Table, Teams::Id),
                    ))
                    .foreign_key(
                        ForeignKey::create()
                            .from(TeamInvites::Table, TeamInvites::InvitedBy)
                            .to(Users::Table, Users::Id)
                            .on_delete(ForeignKeyAction::SetNull),
                    )
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .if_not_exists()
                    .unique()
                    .name("ux_team_invites_team_email")
                    .table(TeamInvites::Table)
                    .col(TeamInvites::TeamId)
                    .col(TeamInvites::Email)
                    .to_owned(),
            )
            .await?;
        // `me.teamInvites` looks invites up by the signed-in user's email.
        manager
            .create_index(
                Index::create()
                    .if_not_exists()
                    .name("ix_team_invites_email")
                    .table(TeamInvites::Table)
                    .col(TeamInvites::Email)
                    .to_owned(),
            )
            .await?;
        manager
            .create_table(
                Table::create()
                    .table(TeamRoadmaps::Table)
                    .if_not_exists()
                    .col(ColumnDef::new(TeamRoadmaps::TeamId).integer().not_null())
                    .col(ColumnDef::new(TeamRoadmaps::RoadmapId).integer().not_null())
                    .col(timestamp(TeamRoadmaps::AddedAt))
                    .primary_key(
                        Index::create()
                            .col(TeamRoadmaps::TeamId)
                            .col(TeamRoadmaps::RoadmapId),
                    )
                    .foreign_key(&mut cascade(
                        (TeamRoadmaps::Table, TeamRoadmaps::TeamId),
                        (Teams::Table, Teams::Id),
                    ))
                    .foreign_key(&mut cascade(
                        (TeamRoadmaps::Table, TeamRoadmaps::RoadmapId),
                        (Roadmaps::Table, Roadmaps::Id),
                    ))
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .if_not_exists()
                    .name("ix_team_roadmaps_roadmap")
                    .table(TeamRoadmaps::Table)
                    .col(TeamRoadmaps::RoadmapId)
                    .to_owned(),
            )
            .await?;
        manager
            .create_table(
                Table::create()
                    .table(TeamHiddenTopics::Table)
                    .if_not_exists()
                    .col(
                        ColumnDef::new(TeamHiddenTopics::TeamId)
                            .integer()
                            .not_null(),
                    )
                    .col(
                        ColumnDef::new(TeamHiddenTopics::RoadmapId)
                            .integer()
                            .not_null(),
                    )
                    .col(
                        ColumnDef::new(TeamHiddenTopics::TopicId)
                            .string_len(64)
                            .not_null(),
                    )
                    .primary_key(
                        Index::create()
                            .col(TeamHiddenTopics::TeamId)
                            .col(TeamHiddenTopics::TopicId),
                    )
                    .foreign_key(&mut cascade(
                        (TeamHiddenTopics::Table, TeamHiddenTopics::TeamId),
                        (Teams::Table, Teams::Id),
                    ))
                    .foreign_key(&mut cascade(
                        (TeamHiddenTopics::Table, TeamHiddenTopics::TopicId),
                        (Topics::Table, Topics::Id),
                    ))
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .if_not_exists()
                    .name("ix_team_hidden_topics_roadmap")
                    .table(TeamHiddenTopics::Table)
                    .col(TeamHiddenTopics::TeamId)
                    .col(TeamHiddenTopics::RoadmapId)
                    .to_owned(),
            )
            .await?;
        let db = manager.get_connection();
        for sql in ROADMAP_TEAM {
            db.execute_unprepared(sql).await?;
        }
        Ok(())
    }

    async fn down(&self, _manager: &SchemaManager) -> Result<(), DbErr> {
        Err(DbErr::Migration(
            "m20261130_000090_teams cannot be undone".into(),
        ))
    }
}
