//! Every guarded operation refuses the callers it must: the schema's whole mutation table as
//! anonymous, user and admin, and every editing operation on an official roadmap as anonymous and
//! user (owners' rights: tests/api/authoring.rs).

use serde_json::{json, Value};

use crate::helpers::catalog::*;
use crate::helpers::*;

/// Every mutation of the schema, as anonymous, user and admin. A mutation missing from this table
/// fails the test, so a new one cannot ship without deciding who may call it.
#[tokio::test]
async fn authorization_matrix_covers_every_mutation() {
    #[derive(Clone, Copy, PartialEq, Debug)]
    enum Who {
        Anyone,
        SignedIn,
        Admin,
    }
    let fake_id = "VXNlcjo5OTk5OTk"; // User:999999
    let team = "VGVhbTo5OTk5OTk"; // Team:999999
    let invite = "VGVhbUludml0ZTo5OTk5OTk"; // TeamInvite:999999
    let matrix: Vec<(&str, Who, String)> = vec![
        ("signUp", Who::Anyone, r#"mutation { signUp(input: {email: "m@x.io", username: "mtx", password: "matrix pass 123"}) { accessToken } }"#.into()),
        ("signIn", Who::Anyone, r#"mutation { signIn(input: {email: "m@x.io", password: "matrix pass 123"}) { accessToken } }"#.into()),
        ("refreshSession", Who::Anyone, r#"mutation { refreshSession(refreshToken: "x") { accessToken } }"#.into()),
        ("signOut", Who::SignedIn, r#"mutation { signOut(refreshToken: "x") }"#.into()),
        ("signOutEverywhere", Who::SignedIn, "mutation { signOutEverywhere }".into()),
        ("changePassword", Who::SignedIn, r#"mutation { changePassword(input: {currentPassword: "a", newPassword: "b"}) { accessToken } }"#.into()),
        ("deleteAccount", Who::SignedIn, r#"mutation { deleteAccount(input: {password: "wrong"}) }"#.into()),
        ("updateProfile", Who::SignedIn, r#"mutation { updateProfile(input: {displayName: "X"}) { username } }"#.into()),
        // Email ownership: links are followed by whoever holds the mailed token (signed in or
        // not); a reset is asked for by anyone (tests/api/email_ownership.rs, password_reset.rs).
        ("verifyEmail", Who::Anyone, r#"mutation { verifyEmail(token: "x") { username } }"#.into()),
        ("resendVerificationEmail", Who::SignedIn, "mutation { resendVerificationEmail }".into()),
        ("changeEmail", Who::SignedIn, r#"mutation { changeEmail(input: {newEmail: "n@x.io", password: "wrong"}) }"#.into()),
        ("requestPasswordReset", Who::Anyone, r#"mutation { requestPasswordReset(email: "m@x.io") }"#.into()),
        ("resetPassword", Who::Anyone, r#"mutation { resetPassword(input: {token: "x", newPassword: "matrix pass 456"}) }"#.into()),
        ("setUserRole", Who::Admin, format!(r#"mutation {{ setUserRole(userId: "{fake_id}", role: USER) {{ username }} }}"#)),
        // Progress: every mutation acts on the caller's own progress only.
        ("setTopicStatus", Who::SignedIn, r#"mutation { setTopicStatus(topicId: "VG9waWM6bm9wZQ", status: DONE) { changed } }"#.into()),
        ("setTopicStatuses", Who::SignedIn, r#"mutation { setTopicStatuses(roadmapId: "Um9hZG1hcDo5OTk5OTk", changes: []) { changedCount } }"#.into()),
        ("resetRoadmapProgress", Who::SignedIn, r#"mutation { resetRoadmapProgress(roadmapId: "Um9hZG1hcDo5OTk5OTk") { clearedCount } }"#.into()),
        ("setTopicNote", Who::SignedIn, r#"mutation { setTopicNote(topicId: "VG9waWM6bm9wZQ", note: "x") { note } }"#.into()),
        ("reviewTopic", Who::SignedIn, r#"mutation { reviewTopic(topicId: "VG9waWM6bm9wZQ", rating: GOOD) { id } }"#.into()),
        ("updateReviewSettings", Who::SignedIn, r#"mutation { updateReviewSettings(input: {desiredRetention: 0.9}) { desiredRetention } }"#.into()),
        ("favoriteRoadmap", Who::SignedIn, r#"mutation { favoriteRoadmap(roadmapId: "Um9hZG1hcDo5OTk5OTk") { favorite } }"#.into()),
        ("unfavoriteRoadmap", Who::SignedIn, r#"mutation { unfavoriteRoadmap(roadmapId: "Um9hZG1hcDo5OTk5OTk") { favorite } }"#.into()),
        // Ratings: any signed-in learner rates community roadmaps (owner / other user / admin
        // rules: tests/api/ratings.rs).
        ("rateRoadmap", Who::SignedIn, r#"mutation { rateRoadmap(roadmapId: "Um9hZG1hcDo5OTk5OTk", rating: 4) { id } }"#.into()),
        ("deleteRoadmapRating", Who::SignedIn, r#"mutation { deleteRoadmapRating(roadmapId: "Um9hZG1hcDo5OTk5OTk") { id } }"#.into()),
        ("importMyProgress", Who::SignedIn, r#"mutation { importMyProgress(document: {format: "roadmap-api/progress@1", roadmaps: []}) { roadmapCount } }"#.into()),
        // Teams: any signed-in user creates one; the rest act on a team the caller belongs to
        // (a team they are not in is NOT_FOUND, admins included). Owner / manager / member /
        // outsider / anonymous / admin: tests/api/teams.rs.
        ("createTeam", Who::SignedIn, r#"mutation { createTeam(input: {name: "Matrix", kind: COMPANY}) { id } }"#.into()),
        ("updateTeam", Who::SignedIn, format!(r#"mutation {{ updateTeam(teamId: "{team}", input: {{name: "X"}}) {{ id }} }}"#)),
        ("deleteTeam", Who::SignedIn, format!(r#"mutation {{ deleteTeam(teamId: "{team}") }}"#)),
        ("inviteTeamMember", Who::SignedIn, format!(r#"mutation {{ inviteTeamMember(teamId: "{team}", email: "x@y.io", role: MEMBER) {{ id }} }}"#)),
        ("acceptTeamInvite", Who::SignedIn, r#"mutation { acceptTeamInvite(token: "x") { id } }"#.into()),
        ("respondToTeamInvite", Who::SignedIn, format!(r#"mutation {{ respondToTeamInvite(inviteId: "{invite}", accept: true) {{ id }} }}"#)),
        ("cancelTeamInvite", Who::SignedIn, format!(r#"mutation {{ cancelTeamInvite(inviteId: "{invite}") {{ id }} }}"#)),
        ("updateTeamMemberRole", Who::SignedIn, format!(r#"mutation {{ updateTeamMemberRole(teamId: "{team}", userId: "{fake_id}", role: MEMBER) {{ id }} }}"#)),
        ("removeTeamMember", Who::SignedIn, format!(r#"mutation {{ removeTeamMember(teamId: "{team}", userId: "{fake_id}") {{ id }} }}"#)),
        ("leaveTeam", Who::SignedIn, format!(r#"mutation {{ leaveTeam(teamId: "{team}") }}"#)),
        ("transferTeamOwnership", Who::SignedIn, format!(r#"mutation {{ transferTeamOwnership(teamId: "{team}", userId: "{fake_id}") {{ id }} }}"#)),
        // What a team learns: owners and managers (tests/api/team_roadmaps.rs).
        ("addTeamRoadmap", Who::SignedIn, format!(r#"mutation {{ addTeamRoadmap(teamId: "{team}", roadmapId: "Um9hZG1hcDo5OTk5OTk") {{ id }} }}"#)),
        ("removeTeamRoadmap", Who::SignedIn, format!(r#"mutation {{ removeTeamRoadmap(teamId: "{team}", roadmapId: "Um9hZG1hcDo5OTk5OTk") {{ id }} }}"#)),
        ("setTeamHiddenTopics", Who::SignedIn, format!(r#"mutation {{ setTeamHiddenTopics(teamId: "{team}", roadmapId: "Um9hZG1hcDo5OTk5OTk", topicIds: []) {{ id }} }}"#)),
    ];
    // Roadmap editing (tests/api/admin_*.rs cover each in depth): ids of objects that do not exist.
    // Any signed-in user may author; what they may edit (their own roadmaps) is the subject of
    // the owner / other user / admin matrix in tests/api/authoring.rs.
    let (rm, tp, rs) = (
        "Um9hZG1hcDo5OTk5OTk",
        "VG9waWM6bm9wZW5vcGVub3Bl",
        "UmVzb3VyY2U6OTk5OTk5",
    );
    let mut matrix = matrix;
    matrix.extend([
        ("createRoadmap", Who::SignedIn, r#"mutation { createRoadmap(input: {slug: "mtx", title: "M", briefTitle: "M", description: "d", briefDescription: "b", kind: SKILL}) { id } }"#.to_owned()),
        ("forkRoadmap", Who::SignedIn, format!(r#"mutation {{ forkRoadmap(roadmapId: "{rm}") {{ id }} }}"#)),
        ("regenerateShareToken", Who::SignedIn, format!(r#"mutation {{ regenerateShareToken(roadmapId: "{rm}") {{ id }} }}"#)),
        ("updateRoadmap", Who::SignedIn, format!(r#"mutation {{ updateRoadmap(id: "{rm}", input: {{title: "X"}}) {{ id }} }}"#)),
        ("deleteRoadmap", Who::SignedIn, format!(r#"mutation {{ deleteRoadmap(id: "{rm}") {{ slug }} }}"#)),
        ("setRelatedRoadmaps", Who::SignedIn, format!(r#"mutation {{ setRelatedRoadmaps(id: "{rm}", slugs: []) {{ id }} }}"#)),
        ("importRoadmap", Who::SignedIn, r#"mutation { importRoadmap(document: "{}") { slug } }"#.to_owned()),
        ("createTopic", Who::SignedIn, format!(r#"mutation {{ createTopic(roadmapId: "{rm}", input: {{title: "T"}}) {{ id }} }}"#)),
        ("updateTopic", Who::SignedIn, format!(r#"mutation {{ updateTopic(id: "{tp}", input: {{title: "T"}}) {{ id }} }}"#)),
        ("moveTopic", Who::SignedIn, format!(r#"mutation {{ moveTopic(id: "{tp}", position: 0) {{ id }} }}"#)),
        ("deleteTopic", Who::SignedIn, format!(r#"mutation {{ deleteTopic(id: "{tp}") {{ deletedTopicIds }} }}"#)),
        ("addResource", Who::SignedIn, format!(r#"mutation {{ addResource(topicId: "{tp}", input: {{kind: VIDEO, title: "V", url: "https://x.org"}}) {{ resource {{ id }} }} }}"#)),
        ("updateResource", Who::SignedIn, format!(r#"mutation {{ updateResource(id: "{rs}", input: {{title: "V"}}) {{ resource {{ id }} }} }}"#)),
        ("removeResource", Who::SignedIn, format!(r#"mutation {{ removeResource(id: "{rs}") {{ removedResourceId }} }}"#)),
        ("setTopicSameAs", Who::SignedIn, format!(r#"mutation {{ setTopicSameAs(topicId: "{tp}", sameAsId: "VG9waWM6b3RoZXI") {{ id }} }}"#)),
        ("reorderResources", Who::SignedIn, format!(r#"mutation {{ reorderResources(topicId: "{tp}", resourceIds: []) {{ id }} }}"#)),
        ("setTopicPrerequisites", Who::SignedIn, format!(r#"mutation {{ setTopicPrerequisites(topicId: "{tp}", prerequisiteIds: []) {{ id }} }}"#)),
    ]);

    let app = spawn_app().await;
    let schema = app
        .gql(
            "{ __schema { mutationType { fields { name } } } }",
            json!({}),
        )
        .await;
    let names: Vec<String> = schema["data"]["__schema"]["mutationType"]["fields"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| f["name"].as_str().unwrap().to_owned())
        .collect();
    let missing: Vec<&String> = names
        .iter()
        .filter(|n| !matrix.iter().any(|m| m.0 == *n))
        .collect();
    assert!(
        missing.is_empty(),
        "mutations missing from the authorization matrix: {missing:?}"
    );

    // Fresh tokens per role and per call, since some mutations revoke the caller's sessions.
    for (name, who, doc) in &matrix {
        let admin = app.admin_token().await;
        let user = app
            .signup(&format!(
                "u{}",
                uuid::Uuid::new_v4()
                    .simple()
                    .to_string()
                    .get(..10)
                    .unwrap_or("x")
            ))
            .await;
        for (caller, token) in [
            ("anonymous", None),
            ("user", Some(user.access_token.as_str())),
            ("admin", Some(admin.as_str())),
        ] {
            let body = app.gql_with(token, doc, json!({})).await;
            let got = error_code(&body);
            let want = match (who, caller) {
                (Who::SignedIn | Who::Admin, "anonymous") => Some("UNAUTHENTICATED"),
                (Who::Admin, "user") => Some("FORBIDDEN"),
                _ => None,
            };
            match want {
                Some(w) => assert_eq!(got, Some(w), "{name} as {caller}: {body}"),
                None => assert!(
                    !matches!(got, Some("UNAUTHENTICATED" | "FORBIDDEN"))
                        || (*name == "signIn" || *name == "refreshSession"),
                    "{name} as {caller} was refused: {body}"
                ),
            }
        }
    }
}

/// Every editing operation on an official roadmap (which learners can read) refuses anonymous
/// callers and plain users; so does making a roadmap official.
#[tokio::test]
async fn official_roadmaps_refuse_anonymous_and_users() {
    let app = spawn_app().await;
    let admin = app.admin_token().await;
    let user = app.signup("plainuser").await.access_token;
    let mut input = new_roadmap("guarded");
    input["status"] = json!("PUBLISHED");
    let r =
        ok(&app, &admin, ops::CREATE_ROADMAP, json!({ "i": input })).await["createRoadmap"].clone();
    let t = create_topic(&app, &admin, &r, None, None, "T").await;
    let res = ok(&app, &admin, "mutation($t: ID!) { addResource(topicId: $t, input: { kind: VIDEO, title: \"V\", url: \"https://x.org\" }) { resource { id } } }",
        json!({ "t": t["id"] })).await["addResource"]["resource"]["id"].clone();
    let mut official = new_roadmap("nope");
    official["official"] = json!(true);
    let export = ok(
        &app,
        &admin,
        "{ exportRoadmap(slug: \"guarded\") { json } }",
        json!({}),
    )
    .await["exportRoadmap"]["json"]
        .clone();
    let ops: Vec<(&str, Value)> = vec![
        ("mutation($i: CreateRoadmapInput!) { createRoadmap(input: $i) { id } }", json!({ "i": official })),
        ("mutation($id: ID!) { regenerateShareToken(roadmapId: $id) { id } }", json!({ "id": r["id"] })),
        ("mutation($id: ID!) { updateRoadmap(id: $id, input: { title: \"X\" }) { id } }", json!({ "id": r["id"] })),
        ("mutation($id: ID!) { deleteRoadmap(id: $id) { slug } }", json!({ "id": r["id"] })),
        ("mutation($id: ID!) { setRelatedRoadmaps(id: $id, slugs: [\"backend\"]) { id } }", json!({ "id": r["id"] })),
        ("mutation($d: JSON) { importRoadmap(document: $d, mode: REPLACE) { slug } }", json!({ "d": export })),
        ("mutation($r: ID!) { createTopic(roadmapId: $r, input: { title: \"X\" }) { id } }", json!({ "r": r["id"] })),
        ("mutation($id: ID!) { updateTopic(id: $id, input: { title: \"X\" }) { id } }", json!({ "id": t["id"] })),
        ("mutation($id: ID!) { moveTopic(id: $id, position: 0) { id } }", json!({ "id": t["id"] })),
        ("mutation($id: ID!) { deleteTopic(id: $id) { deletedTopicIds } }", json!({ "id": t["id"] })),
        ("mutation($id: ID!) { addResource(topicId: $id, input: { kind: VIDEO, title: \"V\", url: \"https://x.org\" }) { resource { id } } }", json!({ "id": t["id"] })),
        ("mutation($id: ID!) { updateResource(id: $id, input: { title: \"X\" }) { resource { id } } }", json!({ "id": res })),
        ("mutation($id: ID!) { removeResource(id: $id) { removedResourceId } }", json!({ "id": res })),
        ("mutation($id: ID!, $r: ID!) { reorderResources(topicId: $id, resourceIds: [$r]) { id } }", json!({ "id": t["id"], "r": res })),
        ("mutation($id: ID!, $to: ID) { setTopicSameAs(topicId: $id, sameAsId: $to) { id } }", json!({ "id": t["id"], "to": null })),
        ("mutation($id: ID!) { setTopicPrerequisites(topicId: $id, prerequisiteIds: []) { id } }", json!({ "id": t["id"] })),
        ("query { exportRoadmap(slug: \"guarded\") { json } }", json!({})),
        ("query { roadmap(slug: \"guarded\") { revisions { totalCount } } }", json!({})),
    ];
    for (q, vars) in &ops {
        for (token, want) in [
            (None, "UNAUTHENTICATED"),
            (Some(user.as_str()), "FORBIDDEN"),
        ] {
            let body = app.gql_with(token, q, vars.clone()).await;
            assert_eq!(error_code(&body), Some(want), "{q}: {body}");
        }
    }
    // Nothing changed.
    let d = ok(
        &app,
        &admin,
        "query($id: ID!) { topic(id: $id) { title resources { id } } }",
        json!({ "id": t["id"] }),
    )
    .await;
    assert_eq!(d["topic"]["title"], "T");
    assert_eq!(d["topic"]["resources"].as_array().unwrap().len(), 1);
}
