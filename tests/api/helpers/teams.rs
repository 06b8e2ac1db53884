//! What the team tests share: making teams, inviting and joining, and a team with one person of
//! each role.
use serde_json::{json, Value};

use super::catalog::ok;
use super::{Session, TestApp};

pub const CREATE_TEAM: &str = "mutation CreateTeam($n: String!, $k: TeamKind!) {
    createTeam(input: { name: $n, kind: $k }) { id name kind myRole } }";
pub const INVITE: &str = "mutation Invite($t: ID!, $e: String!, $r: TeamRole!) {
    inviteTeamMember(teamId: $t, email: $e, role: $r) {
      id email role expiresAt team { id name myRole } } }";
pub const RESPOND: &str = "mutation Respond($i: ID!, $a: Boolean!) {
    respondToTeamInvite(inviteId: $i, accept: $a) { id name myRole } }";
pub const MY_INVITES: &str = "query MyInvites { me { teamInvites {
    id email role expiresAt team { id name kind myRole members { totalCount } }
    invitedBy { username } } } }";
pub const TEAM: &str = "query Team($id: ID!) { team(id: $id) {
    id name kind myRole
    members(first: 50) { totalCount nodes { role joinedAt user { id username } } }
    invites { id email role } } }";

/// A new team owned by `token`; returns its id.
pub async fn create_team(app: &TestApp, token: &str, name: &str) -> String {
    let d = ok(
        app,
        token,
        CREATE_TEAM,
        json!({ "n": name, "k": "COMPANY" }),
    )
    .await;
    d["createTeam"]["id"].as_str().unwrap().to_owned()
}

/// Invites `email` as `role` (must succeed); returns the invite.
pub async fn invite(app: &TestApp, token: &str, team: &str, email: &str, role: &str) -> Value {
    ok(
        app,
        token,
        INVITE,
        json!({ "t": team, "e": email, "r": role }),
    )
    .await["inviteTeamMember"]
        .clone()
}

/// Brings `who` into the team as `role`: `by` invites, `who` (address verified) accepts.
pub async fn join(app: &TestApp, by: &str, team: &str, who: &Session, role: &str) {
    super::email::verify_by_sql(app, &who.email).await;
    let inv = invite(app, by, team, &who.email, role).await;
    let d = ok(
        app,
        &who.access_token,
        RESPOND,
        json!({ "i": inv["id"], "a": true }),
    )
    .await;
    assert_eq!(d["respondToTeamInvite"]["myRole"], role, "{d}");
}

/// A team with one person of each kind around it.
pub struct Crew {
    pub team: String,
    pub owner: Session,
    pub manager: Session,
    pub member: Session,
    pub outsider: Session,
    pub admin: Session,
}

impl Crew {
    pub async fn new(app: &TestApp, prefix: &str) -> Self {
        let owner = app.signup(&format!("{prefix}owner")).await;
        let manager = app.signup(&format!("{prefix}manager")).await;
        let member = app.signup(&format!("{prefix}member")).await;
        let outsider = app.signup(&format!("{prefix}outsider")).await;
        let admin = app.admin_session(&format!("{prefix}admin")).await;
        let team = create_team(app, &owner.access_token, &format!("{prefix} crew")).await;
        join(app, &owner.access_token, &team, &manager, "MANAGER").await;
        join(app, &owner.access_token, &team, &member, "MEMBER").await;
        Self {
            team,
            owner,
            manager,
            member,
            outsider,
            admin,
        }
    }
}

/// Asserts the call's first error code (`None`: it succeeds); returns the body.
pub async fn expect(
    app: &TestApp,
    token: Option<&str>,
    doc: &str,
    vars: Value,
    want: Option<&str>,
) -> Value {
    let body = app.gql_with(token, doc, vars).await;
    assert_eq!(super::error_code(&body), want, "{doc} {body}");
    body
}
