//! "Who may read this roadmap" is written three ways in `auth::CatalogAccess`: in memory
//! (`can_read`, `can_track`), as a sea-query condition (`condition`) and as SQL text
//! (`sql_filter`, `learner_tracks_sql`). This test runs the three side by side over every
//! combination of a roadmap's state (deleted, status, visibility, owner, team) and every kind of
//! viewer (anonymous, owner, stranger, team member, team manager, follower of unlisted links,
//! admin), on the database the suite runs on, and fails where any two disagree.
use std::collections::BTreeSet;

use chrono::Utc;
use entity::enums::{RoadmapStatus, Role, TeamKind, TeamRole, Visibility};
use entity::ids::{RoadmapId, TeamId, UserId};
use entity::{roadmap_shares, roadmaps, team_members, teams};
use roadmap_api::auth::{CatalogAccess, TeamSeats, Tracker, Viewer, ViewerUser};
use roadmap_api::db::sql::Sql;
use sea_orm::{
    ActiveModelTrait, ConnectionTrait, DatabaseConnection, EntityTrait, IntoActiveModel,
    QueryFilter, Set, Statement,
};

use crate::helpers::{spawn_app, Session, TestApp};

/// Who owns a generated roadmap.
#[derive(Clone, Copy, Debug)]
enum Holder {
    Official,
    /// The viewer `alice`.
    Alice,
    /// Somebody else (`bob`).
    Bob,
    /// The team alice is a plain member of.
    AlicesTeam,
    /// The team alice manages.
    ManagedTeam,
    /// A team alice is not in.
    OtherTeam,
}

const HOLDERS: [Holder; 6] = [
    Holder::Official,
    Holder::Alice,
    Holder::Bob,
    Holder::AlicesTeam,
    Holder::ManagedTeam,
    Holder::OtherTeam,
];

struct World {
    alice: UserId,
    bob: UserId,
    admin: UserId,
    alices_team: TeamId,
    managed_team: TeamId,
    other_team: TeamId,
    roadmaps: Vec<roadmaps::Model>,
}

async fn user_id(app: &TestApp, session: &Session) -> i32 {
    let conn = app.db.connect().await;
    let email = session.email.clone();
    let row = conn
        .query_one(Statement::from_sql_and_values(
            conn.get_database_backend(),
            match conn.get_database_backend() {
                sea_orm::DbBackend::Postgres => "SELECT id FROM users WHERE email = $1",
                _ => "SELECT id FROM users WHERE email = ?",
            },
            [email.into()],
        ))
        .await
        .expect("look the user up")
        .expect("the user exists");
    row.try_get::<i32>("", "id").expect("an id")
}

async fn team(conn: &DatabaseConnection, name: &str, members: &[(UserId, TeamRole)]) -> TeamId {
    let now = Utc::now();
    let team = teams::ActiveModel {
        name: Set(name.to_owned()),
        kind: Set(TeamKind::StudyGroup),
        created_at: Set(now),
        updated_at: Set(now),
        ..Default::default()
    }
    .insert(conn)
    .await
    .expect("insert team");
    for &(user, role) in members {
        team_members::ActiveModel {
            team_id: Set(team.id),
            user_id: Set(user),
            role: Set(role),
            joined_at: Set(now),
        }
        .insert(conn)
        .await
        .expect("insert member");
    }
    team.id
}

/// Every combination of deleted × status × visibility × holder, cloned from a seeded roadmap;
/// alice follows every third UNLISTED one (whatever its state, as a stale follow may be).
async fn build_world(app: &TestApp) -> World {
    let alice = UserId(user_id(app, &app.signup("alice").await).await);
    let bob = UserId(user_id(app, &app.signup("bob").await).await);
    let carol = UserId(user_id(app, &app.signup("carol").await).await);
    let admin = UserId(user_id(app, &app.signup("root").await).await);
    let conn = app.db.connect().await;
    conn.execute_unprepared(&format!(
        "UPDATE users SET role = 'ADMIN' WHERE id = {admin}"
    ))
    .await
    .expect("make an admin");
    let alices_team = team(
        &conn,
        "members",
        &[(carol, TeamRole::Owner), (alice, TeamRole::Member)],
    )
    .await;
    let managed_team = team(&conn, "managed", &[(alice, TeamRole::Manager)]).await;
    let other_team = team(&conn, "others", &[(bob, TeamRole::Owner)]).await;

    let template = roadmaps::Entity::find()
        .one(&conn)
        .await
        .expect("read a roadmap")
        .expect("the catalogue is seeded");
    let mut made = Vec::new();
    let mut n = 0;
    for deleted in [false, true] {
        for status in [RoadmapStatus::Draft, RoadmapStatus::Published] {
            for visibility in [
                Visibility::Public,
                Visibility::Unlisted,
                Visibility::Private,
            ] {
                for holder in HOLDERS {
                    n += 1;
                    let (owner_id, team_id) = match holder {
                        Holder::Official => (None, None),
                        Holder::Alice => (Some(alice), None),
                        Holder::Bob => (Some(bob), None),
                        Holder::AlicesTeam => (None, Some(alices_team)),
                        Holder::ManagedTeam => (None, Some(managed_team)),
                        Holder::OtherTeam => (None, Some(other_team)),
                    };
                    let mut row = template.clone().into_active_model();
                    row.id = sea_orm::ActiveValue::NotSet;
                    row.slug = Set(format!("rule-{n}"));
                    row.status = Set(status);
                    row.visibility = Set(visibility);
                    row.owner_id = Set(owner_id);
                    row.team_id = Set(team_id);
                    row.share_token = Set(Some(format!("token-{n}")));
                    row.deleted_at = Set(deleted.then(Utc::now));
                    let model = row.insert(&conn).await.expect("insert roadmap");
                    if visibility == Visibility::Unlisted && n % 3 != 0 {
                        roadmap_shares::ActiveModel {
                            roadmap_id: Set(model.id),
                            user_id: Set(alice),
                            created_at: Set(Utc::now()),
                        }
                        .insert(&conn)
                        .await
                        .expect("follow");
                    }
                    made.push(model);
                }
            }
        }
    }
    World {
        alice,
        bob,
        admin,
        alices_team,
        managed_team,
        other_team,
        roadmaps: made,
    }
}

async fn viewer(conn: &DatabaseConnection, id: Option<UserId>, role: Role) -> Viewer {
    let Some(id) = id else {
        return Viewer::ANONYMOUS;
    };
    Viewer {
        user: Some(ViewerUser {
            id,
            role,
            teams: TeamSeats::load(conn, id).await.expect("load teams"),
            account: None,
        }),
        token_error: None,
    }
}

/// The generated roadmaps' ids that a SQL filter over `roadmaps r` admits.
async fn admitted_by_sql(
    conn: &DatabaseConnection,
    filter: &str,
    world: &World,
) -> BTreeSet<RoadmapId> {
    let first = world.roadmaps.first().map(|r| r.id).unwrap_or(RoadmapId(0));
    let rows = conn
        .query_all(Statement::from_string(
            conn.get_database_backend(),
            format!("SELECT r.id FROM roadmaps r WHERE r.id >= {first} AND {filter}"),
        ))
        .await
        .expect("run the SQL form");
    rows.iter()
        .map(|row| row.try_get::<RoadmapId>("", "id").expect("an id"))
        .collect()
}

/// The many-learner form of the tracking rule, for one learner (their id bound).
async fn admitted_by_learner_tracks(
    conn: &DatabaseConnection,
    learner: UserId,
    world: &World,
) -> BTreeSet<RoadmapId> {
    let first = world.roadmaps.first().map(|r| r.id).unwrap_or(RoadmapId(0));
    let mut q = Sql::new(conn.get_database_backend());
    q.push("SELECT r.id FROM roadmaps r WHERE r.id >= ")
        .bind(first)
        .push(" AND ");
    CatalogAccess::push_learner_tracks(&mut q, "r", Tracker::Learner(learner));
    let rows = conn.query_all(q.build()).await.expect("run the SQL form");
    rows.iter()
        .map(|row| row.try_get::<RoadmapId>("", "id").expect("an id"))
        .collect()
}

async fn admitted_by_condition(
    conn: &DatabaseConnection,
    access: &CatalogAccess,
    world: &World,
) -> BTreeSet<RoadmapId> {
    let ids: BTreeSet<RoadmapId> = world.roadmaps.iter().map(|r| r.id).collect();
    roadmaps::Entity::find()
        .filter(access.condition())
        .all(conn)
        .await
        .expect("run the condition")
        .into_iter()
        .map(|r| r.id)
        .filter(|id| ids.contains(id))
        .collect()
}

#[tokio::test]
async fn the_read_rule_agrees_in_memory_as_a_condition_and_as_sql() {
    let app = spawn_app().await;
    let world = build_world(&app).await;
    let conn = app.db.connect().await;
    let follows: BTreeSet<RoadmapId> = roadmap_shares::Entity::find()
        .all(&conn)
        .await
        .expect("read follows")
        .into_iter()
        .filter(|s| s.user_id == world.alice)
        .map(|s| s.roadmap_id)
        .collect();

    let viewers = [
        ("anonymous", None, Role::User),
        ("alice", Some(world.alice), Role::User),
        ("bob", Some(world.bob), Role::User),
        ("admin", Some(world.admin), Role::Admin),
    ];
    for (name, id, role) in viewers {
        let access = viewer(&conn, id, role).await.catalog();

        // Reading.
        let in_memory: BTreeSet<RoadmapId> = world
            .roadmaps
            .iter()
            .filter(|r| access.can_read(r))
            .map(|r| r.id)
            .collect();
        let condition = admitted_by_condition(&conn, &access, &world).await;
        let sql = admitted_by_sql(&conn, &access.sql_filter("r"), &world).await;
        assert_eq!(in_memory, condition, "{name}: can_read vs condition");
        assert_eq!(in_memory, sql, "{name}: can_read vs sql_filter");

        // Tracking: what progress may be recorded on (reading, plus followed UNLISTED links).
        let tracking = access.tracking();
        let in_memory: BTreeSet<RoadmapId> = world
            .roadmaps
            .iter()
            .filter(|r| tracking.can_track(r, id == Some(world.alice) && follows.contains(&r.id)))
            .map(|r| r.id)
            .collect();
        let condition = admitted_by_condition(&conn, &tracking, &world).await;
        let sql = admitted_by_sql(&conn, &tracking.sql_filter("r"), &world).await;
        assert_eq!(
            in_memory, condition,
            "{name}: can_track vs tracking condition"
        );
        assert_eq!(in_memory, sql, "{name}: can_track vs tracking sql_filter");
        if let (Some(id), Role::User) = (id, role) {
            let many = admitted_by_learner_tracks(&conn, id, &world).await;
            assert_eq!(in_memory, many, "{name}: can_track vs push_learner_tracks");
        }
    }

    // The world is not degenerate: each viewer sees some and not all, and alice's teams count.
    let alice = viewer(&conn, Some(world.alice), Role::User).await.catalog();
    let team_roadmap = |team: TeamId| {
        world
            .roadmaps
            .iter()
            .find(|r| {
                r.team_id == Some(team)
                    && r.deleted_at.is_none()
                    && r.visibility == Visibility::Private
            })
            .expect("a private team roadmap")
    };
    assert!(alice.can_read(team_roadmap(world.alices_team)));
    assert!(alice.can_read(team_roadmap(world.managed_team)));
    assert!(!alice.can_read(team_roadmap(world.other_team)));
    let readable = world.roadmaps.iter().filter(|r| alice.can_read(r)).count();
    assert!(readable > 0 && readable < world.roadmaps.len());
    assert!(!follows.is_empty());
}
