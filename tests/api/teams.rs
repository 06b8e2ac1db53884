//! Teams: who may do what (owner, manager, member, outsider, anonymous, admin), what nobody
//! outside a team can see of it, roles and the rule that a team always has an owner, handing a
//! team over, and deleting the account of a team's only owner.
use serde_json::{json, Value};

use crate::helpers::catalog::*;
use crate::helpers::teams::*;
use crate::helpers::*;

const UPDATE: &str =
    "mutation($t: ID!) { updateTeam(teamId: $t, input: { name: \"Renamed\" }) { name } }";
const ROLE: &str = "mutation($t: ID!, $u: ID!, $r: TeamRole!) { updateTeamMemberRole(teamId: $t, userId: $u, role: $r) { myRole } }";
const REMOVE: &str =
    "mutation($t: ID!, $u: ID!) { removeTeamMember(teamId: $t, userId: $u) { id } }";
const LEAVE: &str = "mutation($t: ID!) { leaveTeam(teamId: $t) }";
const TRANSFER: &str =
    "mutation($t: ID!, $u: ID!) { transferTeamOwnership(teamId: $t, userId: $u) { myRole } }";
const DELETE: &str = "mutation($t: ID!) { deleteTeam(teamId: $t) }";
const CANCEL: &str = "mutation($i: ID!) { cancelTeamInvite(inviteId: $i) { id } }";
const NODE: &str =
    "query($id: ID!) { node(id: $id) { id ... on Team { name } ... on TeamInvite { email } } }";

/// Every team mutation as owner, manager, member, outsider, anonymous caller and admin.
#[tokio::test]
async fn each_role_may_do_what_it_may_and_nothing_else() {
    let app = spawn_app().await;
    let c = Crew::new(&app, "mx").await;
    let t = c.team.as_str();
    let (owner, manager, member) = (
        c.owner.access_token.as_str(),
        c.manager.access_token.as_str(),
        c.member.access_token.as_str(),
    );
    let strangers = [
        (None, "UNAUTHENTICATED"),
        (Some(c.outsider.access_token.as_str()), "NOT_FOUND"),
        (Some(c.admin.access_token.as_str()), "NOT_FOUND"),
    ];
    let run = |doc: &'static str, vars: Value| {
        let app = &app;
        async move {
            for (token, code) in strangers {
                expect(app, token, doc, vars.clone(), Some(code)).await;
            }
        }
    };

    // updateTeam: owners.
    let vars = json!({ "t": t });
    run(UPDATE, vars.clone()).await;
    expect(&app, Some(manager), UPDATE, vars.clone(), Some("FORBIDDEN")).await;
    expect(&app, Some(member), UPDATE, vars.clone(), Some("FORBIDDEN")).await;
    expect(&app, Some(owner), UPDATE, vars.clone(), None).await;

    // inviteTeamMember: owners any role, managers MEMBER only, members none.
    let as_member = json!({ "t": t, "e": "new1@example.com", "r": "MEMBER" });
    let as_manager = json!({ "t": t, "e": "new2@example.com", "r": "MANAGER" });
    run(INVITE, as_member.clone()).await;
    expect(
        &app,
        Some(member),
        INVITE,
        as_member.clone(),
        Some("FORBIDDEN"),
    )
    .await;
    expect(
        &app,
        Some(manager),
        INVITE,
        as_manager.clone(),
        Some("FORBIDDEN"),
    )
    .await;
    let member_invite = expect(&app, Some(manager), INVITE, as_member.clone(), None).await;
    let manager_invite = expect(&app, Some(owner), INVITE, as_manager.clone(), None).await;
    let mi = member_invite["data"]["inviteTeamMember"]["id"].clone();
    let gi = manager_invite["data"]["inviteTeamMember"]["id"].clone();
    assert_eq!(
        manager_invite["data"]["inviteTeamMember"]["team"]["myRole"],
        "OWNER"
    );

    // cancelTeamInvite: owners any, managers MEMBER invites.
    run(CANCEL, json!({ "i": gi })).await;
    expect(
        &app,
        Some(member),
        CANCEL,
        json!({ "i": mi }),
        Some("FORBIDDEN"),
    )
    .await;
    expect(
        &app,
        Some(manager),
        CANCEL,
        json!({ "i": gi }),
        Some("FORBIDDEN"),
    )
    .await;
    expect(&app, Some(manager), CANCEL, json!({ "i": mi }), None).await;
    expect(&app, Some(owner), CANCEL, json!({ "i": gi }), None).await;
    expect(
        &app,
        Some(owner),
        CANCEL,
        json!({ "i": gi }),
        Some("NOT_FOUND"),
    )
    .await;

    // updateTeamMemberRole: owners.
    let promote = json!({ "t": t, "u": c.member.user_id, "r": "MANAGER" });
    run(ROLE, promote.clone()).await;
    expect(
        &app,
        Some(manager),
        ROLE,
        promote.clone(),
        Some("FORBIDDEN"),
    )
    .await;
    expect(&app, Some(member), ROLE, promote.clone(), Some("FORBIDDEN")).await;
    expect(&app, Some(owner), ROLE, promote, None).await;
    let back = json!({ "t": t, "u": c.member.user_id, "r": "MEMBER" });
    expect(&app, Some(owner), ROLE, back, None).await;

    // removeTeamMember: managers remove members, not managers or owners; nobody removes
    // themselves (they leave).
    let rm_manager = json!({ "t": t, "u": c.manager.user_id });
    let rm_member = json!({ "t": t, "u": c.member.user_id });
    let rm_owner = json!({ "t": t, "u": c.owner.user_id });
    run(REMOVE, rm_member.clone()).await;
    expect(
        &app,
        Some(member),
        REMOVE,
        rm_manager.clone(),
        Some("FORBIDDEN"),
    )
    .await;
    expect(
        &app,
        Some(manager),
        REMOVE,
        rm_owner.clone(),
        Some("FORBIDDEN"),
    )
    .await;
    expect(
        &app,
        Some(manager),
        REMOVE,
        rm_manager.clone(),
        Some("BAD_USER_INPUT"),
    )
    .await;
    expect(&app, Some(owner), REMOVE, rm_owner, Some("BAD_USER_INPUT")).await;
    expect(&app, Some(manager), REMOVE, rm_member.clone(), None).await;
    expect(&app, Some(manager), REMOVE, rm_member, Some("NOT_FOUND")).await;
    join(&app, owner, t, &c.member, "MEMBER").await;

    // transferTeamOwnership: owners.
    let to_member = json!({ "t": t, "u": c.member.user_id });
    run(TRANSFER, to_member.clone()).await;
    expect(
        &app,
        Some(manager),
        TRANSFER,
        to_member.clone(),
        Some("FORBIDDEN"),
    )
    .await;
    expect(
        &app,
        Some(member),
        TRANSFER,
        to_member.clone(),
        Some("FORBIDDEN"),
    )
    .await;

    // respondToTeamInvite: only the invitee; for everyone else the invite does not exist.
    let inv = invite(&app, owner, t, "later@example.com", "MEMBER").await;
    for token in [
        owner,
        manager,
        member,
        c.outsider.access_token.as_str(),
        c.admin.access_token.as_str(),
    ] {
        expect(
            &app,
            Some(token),
            RESPOND,
            json!({ "i": inv["id"], "a": true }),
            Some("NOT_FOUND"),
        )
        .await;
    }
    expect(
        &app,
        None,
        RESPOND,
        json!({ "i": inv["id"], "a": true }),
        Some("UNAUTHENTICATED"),
    )
    .await;

    // leaveTeam and deleteTeam.
    run(LEAVE, json!({ "t": t })).await;
    run(DELETE, json!({ "t": t })).await;
    expect(
        &app,
        Some(manager),
        DELETE,
        json!({ "t": t }),
        Some("FORBIDDEN"),
    )
    .await;
    expect(
        &app,
        Some(member),
        DELETE,
        json!({ "t": t }),
        Some("FORBIDDEN"),
    )
    .await;
    expect(&app, Some(member), LEAVE, json!({ "t": t }), None).await;
    expect(
        &app,
        Some(member),
        LEAVE,
        json!({ "t": t }),
        Some("NOT_FOUND"),
    )
    .await;
    expect(
        &app,
        None,
        CREATE_TEAM,
        json!({ "n": "X", "k": "STUDY_GROUP" }),
        Some("UNAUTHENTICATED"),
    )
    .await;
    expect(&app, Some(owner), DELETE, json!({ "t": t }), None).await;
    assert_eq!(
        count_rows(&app, "SELECT COUNT(*) FROM team_members").await,
        0
    );
    assert_eq!(
        count_rows(&app, "SELECT COUNT(*) FROM team_invites").await,
        0
    );
    let d = ok(&app, owner, TEAM, json!({ "id": t })).await;
    assert!(d["team"].is_null());
}

/// Outsiders, anonymous callers, admins and plain members probe the team: nothing of it leaks
/// beyond what each may see.
#[tokio::test]
async fn a_team_exists_only_for_its_members() {
    let app = spawn_app().await;
    let c = Crew::new(&app, "pv").await;
    let inv = invite(
        &app,
        &c.owner.access_token,
        &c.team,
        "pending@example.com",
        "MEMBER",
    )
    .await;

    // Members see the team and its members; only owners and managers see its invites.
    for (s, role, invites) in [
        (&c.owner, "OWNER", 1),
        (&c.manager, "MANAGER", 1),
        (&c.member, "MEMBER", 0),
    ] {
        let d = ok(&app, &s.access_token, TEAM, json!({ "id": c.team })).await;
        assert_eq!(d["team"]["myRole"], role);
        assert_eq!(d["team"]["members"]["totalCount"], 3);
        assert_eq!(
            d["team"]["invites"].as_array().unwrap().len(),
            invites,
            "{role}: {d}"
        );
        let d = ok(&app, &s.access_token, NODE, json!({ "id": c.team })).await;
        assert_eq!(d["node"]["name"], "pv crew");
        let d = ok(
            &app,
            &s.access_token,
            "{ me { teams { id myRole } } }",
            json!({}),
        )
        .await;
        assert_eq!(d["me"]["teams"], json!([{ "id": c.team, "myRole": role }]));
    }
    let d = ok(
        &app,
        &c.member.access_token,
        NODE,
        json!({ "id": inv["id"] }),
    )
    .await;
    assert!(d["node"].is_null(), "a member reads an invite: {d}");
    let d = ok(
        &app,
        &c.manager.access_token,
        NODE,
        json!({ "id": inv["id"] }),
    )
    .await;
    assert_eq!(d["node"]["email"], "pending@example.com");

    // Everyone else reads nulls, never data nor FORBIDDEN.
    for token in [
        None,
        Some(c.outsider.access_token.as_str()),
        Some(c.admin.access_token.as_str()),
    ] {
        for (doc, id) in [
            (TEAM, c.team.as_str()),
            (NODE, c.team.as_str()),
            (NODE, inv["id"].as_str().unwrap()),
        ] {
            let body = app.gql_with(token, doc, json!({ "id": id })).await;
            assert!(body.get("errors").is_none(), "{body}");
            let v = body["data"]
                .as_object()
                .unwrap()
                .values()
                .next()
                .unwrap()
                .clone();
            assert!(v.is_null(), "{doc} leaked: {body}");
        }
        if let Some(t) = token {
            let d = ok(
                &app,
                t,
                "{ me { teams { id } teamInvites { id } } }",
                json!({}),
            )
            .await;
            assert_eq!(d["me"]["teams"], json!([]));
            assert_eq!(d["me"]["teamInvites"], json!([]));
        }
    }
    // Through a member, other users' teams and invites stay private.
    let d = ok(
        &app,
        &c.outsider.access_token,
        "query($id: ID!) { team(id: $id) { id } }",
        json!({ "id": c.team }),
    )
    .await;
    assert!(d["team"].is_null());
    let d = ok(&app, &c.member.access_token, "query($id: ID!) { team(id: $id) { members { nodes { user { email teams { id } teamInvites { id } } } } } }", json!({ "id": c.team })).await;
    for n in d["team"]["members"]["nodes"].as_array().unwrap() {
        let u = &n["user"];
        if u["email"].is_null() {
            assert!(u["teams"].is_null() && u["teamInvites"].is_null(), "{d}");
        }
    }
    // A malformed id is bad input, not a leak.
    let (code, field, _) = fails(
        &app,
        &c.outsider.access_token,
        TEAM,
        json!({ "id": "bm9wZQ" }),
    )
    .await;
    assert_eq!((code.as_str(), field.as_str()), ("BAD_USER_INPUT", "id"));
}

/// The members connection pages with cursors and counts every member.
#[tokio::test]
async fn members_page_in_joining_order() {
    let app = spawn_app().await;
    let c = Crew::new(&app, "pg").await;
    let q = "query($id: ID!, $a: String) { team(id: $id) { members(first: 2, after: $a) {
        totalCount pageInfo { hasNextPage endCursor } edges { node { role user { username } } } } } }";
    let d = ok(&app, &c.member.access_token, q, json!({ "id": c.team })).await;
    let m = &d["team"]["members"];
    assert_eq!(m["totalCount"], 3);
    assert_eq!(m["pageInfo"]["hasNextPage"], true);
    let names: Vec<&str> = m["edges"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["node"]["user"]["username"].as_str().unwrap())
        .collect();
    assert_eq!(names, ["pgowner", "pgmanager"]);
    assert_eq!(m["edges"][0]["node"]["role"], "OWNER");
    let d = ok(
        &app,
        &c.member.access_token,
        q,
        json!({ "id": c.team, "a": m["pageInfo"]["endCursor"] }),
    )
    .await;
    let m = &d["team"]["members"];
    assert_eq!(m["edges"][0]["node"]["user"]["username"], "pgmember");
    assert_eq!(m["edges"][0]["node"]["role"], "MEMBER");
    assert_eq!(m["pageInfo"]["hasNextPage"], false);
    let (code, field, _) = fails(
        &app,
        &c.member.access_token,
        "query($id: ID!) { team(id: $id) { members(first: 101) { totalCount } } }",
        json!({ "id": c.team }),
    )
    .await;
    assert_eq!((code.as_str(), field.as_str()), ("BAD_USER_INPUT", "first"));
}

/// A team always keeps an owner: the last one can neither leave nor be demoted; handing the team
/// over makes the other member owner and the caller manager.
#[tokio::test]
async fn the_last_owner_stays_until_the_team_is_handed_over() {
    let app = spawn_app().await;
    let c = Crew::new(&app, "lo").await;
    let owner = c.owner.access_token.as_str();
    let (code, field, _) = fails(&app, owner, LEAVE, json!({ "t": c.team })).await;
    assert_eq!((code.as_str(), field.as_str()), ("CONFLICT", "teamId"));
    let (code, field, _) = fails(
        &app,
        owner,
        ROLE,
        json!({ "t": c.team, "u": c.owner.user_id, "r": "MEMBER" }),
    )
    .await;
    assert_eq!((code.as_str(), field.as_str()), ("CONFLICT", "role"));
    let (code, field, _) = fails(
        &app,
        owner,
        TRANSFER,
        json!({ "t": c.team, "u": c.outsider.user_id }),
    )
    .await;
    assert_eq!((code.as_str(), field.as_str()), ("NOT_FOUND", "userId"));

    let d = ok(
        &app,
        owner,
        TRANSFER,
        json!({ "t": c.team, "u": c.member.user_id }),
    )
    .await;
    assert_eq!(d["transferTeamOwnership"]["myRole"], "MANAGER");
    let d = ok(&app, &c.member.access_token, TEAM, json!({ "id": c.team })).await;
    assert_eq!(d["team"]["myRole"], "OWNER");
    // The former owner, now a manager, may leave; the new owner may not.
    ok(&app, owner, LEAVE, json!({ "t": c.team })).await;
    let (code, _, _) = fails(&app, &c.member.access_token, LEAVE, json!({ "t": c.team })).await;
    assert_eq!(code, "CONFLICT");
    // With two owners, one may step down.
    let m = c.member.access_token.as_str();
    ok(
        &app,
        m,
        ROLE,
        json!({ "t": c.team, "u": c.manager.user_id, "r": "OWNER" }),
    )
    .await;
    let d = ok(
        &app,
        m,
        ROLE,
        json!({ "t": c.team, "u": c.member.user_id, "r": "MEMBER" }),
    )
    .await;
    assert_eq!(d["updateTeamMemberRole"]["myRole"], "MEMBER");
    let owners = count_rows(
        &app,
        "SELECT COUNT(*) FROM team_members WHERE role = 'OWNER'",
    )
    .await;
    assert_eq!(owners, 1);
}

/// Two owners leaving at the same moment: one goes, the other is refused; the team keeps an
/// owner.
#[tokio::test]
async fn two_owners_leaving_at_once_leave_one_owner() {
    let app = spawn_app().await;
    for round in 0..3 {
        let a = app.signup(&format!("race{round}a")).await;
        let b = app.signup(&format!("race{round}b")).await;
        let team = create_team(&app, &a.access_token, "Race").await;
        join(&app, &a.access_token, &team, &b, "OWNER").await;
        let (x, y) = tokio::join!(
            app.gql_as(&a.access_token, LEAVE, json!({ "t": team })),
            app.gql_as(&b.access_token, LEAVE, json!({ "t": team })),
        );
        let codes = [error_code(&x), error_code(&y)];
        assert!(
            codes.contains(&None) && codes.contains(&Some("CONFLICT")),
            "{x} {y}"
        );
    }
    let orphans = count_rows(
        &app,
        "SELECT COUNT(*) FROM teams t WHERE NOT EXISTS \
         (SELECT 1 FROM team_members m WHERE m.team_id = t.id AND m.role = 'OWNER')",
    )
    .await;
    assert_eq!(orphans, 0);
}

/// Teams are renamed and their kind changed by owners; bad names are refused.
#[tokio::test]
async fn teams_are_created_and_renamed_with_valid_names() {
    let app = spawn_app().await;
    let s = app.signup("namer").await;
    let d = ok(
        &app,
        &s.access_token,
        CREATE_TEAM,
        json!({ "n": "  Study Club ", "k": "STUDY_GROUP" }),
    )
    .await;
    assert_eq!(d["createTeam"]["name"], "Study Club");
    assert_eq!(d["createTeam"]["kind"], "STUDY_GROUP");
    assert_eq!(d["createTeam"]["myRole"], "OWNER");
    let t = d["createTeam"]["id"].clone();
    for bad in ["", "   ", &"x".repeat(101)] {
        let (code, field, _) = fails(
            &app,
            &s.access_token,
            CREATE_TEAM,
            json!({ "n": bad, "k": "COMPANY" }),
        )
        .await;
        assert_eq!((code.as_str(), field.as_str()), ("BAD_USER_INPUT", "name"));
    }
    let d = ok(
        &app,
        &s.access_token,
        "mutation($t: ID!) { updateTeam(teamId: $t, input: { kind: COMPANY }) { name kind } }",
        json!({ "t": t }),
    )
    .await;
    assert_eq!(
        d["updateTeam"],
        json!({ "name": "Study Club", "kind": "COMPANY" })
    );
}

const DELETE_ACCOUNT: &str = "mutation($p: String!) { deleteAccount(input: { password: $p }) }";

/// The only owner of a team cannot delete their account until they hand it over; then their
/// memberships go with them.
#[tokio::test]
async fn deleting_the_account_of_a_sole_owner_is_refused_until_the_team_is_handed_over() {
    let app = spawn_app().await;
    let c = Crew::new(&app, "da").await;
    let (code, field, message) = fails(
        &app,
        &c.owner.access_token,
        DELETE_ACCOUNT,
        json!({ "p": c.owner.password }),
    )
    .await;
    assert_eq!((code.as_str(), field.as_str()), ("CONFLICT", "password"));
    assert!(message.contains("da crew"), "{message}");
    assert_eq!(
        count_rows(&app, "SELECT COUNT(*) FROM team_members").await,
        3
    );

    // A member leaves for good: their membership goes, the team stays.
    ok(
        &app,
        &c.member.access_token,
        DELETE_ACCOUNT,
        json!({ "p": c.member.password }),
    )
    .await;
    let d = ok(&app, &c.owner.access_token, TEAM, json!({ "id": c.team })).await;
    assert_eq!(d["team"]["members"]["totalCount"], 2);

    ok(
        &app,
        &c.owner.access_token,
        TRANSFER,
        json!({ "t": c.team, "u": c.manager.user_id }),
    )
    .await;
    let owner_id = user_number(&c.owner.user_id);
    ok(
        &app,
        &c.owner.access_token,
        DELETE_ACCOUNT,
        json!({ "p": c.owner.password }),
    )
    .await;
    let left = count_rows(
        &app,
        &format!("SELECT COUNT(*) FROM team_members WHERE user_id = {owner_id}"),
    )
    .await;
    assert_eq!(left, 0);
    let d = ok(&app, &c.manager.access_token, TEAM, json!({ "id": c.team })).await;
    assert_eq!(d["team"]["myRole"], "OWNER");
    assert_eq!(d["team"]["members"]["totalCount"], 1);
}

/// A page of members costs the same number of SQL statements whatever its size.
#[tokio::test]
async fn a_page_of_members_costs_a_fixed_number_of_statements() {
    let app = spawn_app().await;
    let c = Crew::new(&app, "st").await;
    let q = "query($id: ID!) { team(id: $id) { members(first: 100) {
        totalCount nodes { role joinedAt user { id username displayName } } } } }";
    // Once, so both measured pages find the member's session kept (joining changed it).
    ok(&app, &c.member.access_token, q, json!({ "id": c.team })).await;
    let mut costs = Vec::new();
    for extra in [0, 8] {
        for i in 0..extra {
            let s = app.signup(&format!("stextra{i}")).await;
            join(&app, &c.owner.access_token, &c.team, &s, "MEMBER").await;
        }
        let before = app.metric("roadmap_db_statements_total").await;
        let d = ok(&app, &c.member.access_token, q, json!({ "id": c.team })).await;
        let after = app.metric("roadmap_db_statements_total").await;
        assert_eq!(d["team"]["members"]["totalCount"], 3 + extra);
        costs.push(after - before);
    }
    println!("statements per page of 3 and 11 members: {costs:?}");
    assert_eq!(costs[0], costs[1], "{costs:?}");
    assert!(costs[0] <= 8.0, "{costs:?}");
}
