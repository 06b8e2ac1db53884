//! What a team learns: choosing its roadmaps, its own (team-owned) roadmaps, hidden topics, and
//! the members-only views of the team's progress and activity. Who may do each (owner, manager,
//! member, outsider, anonymous, admin), and that nothing of a member's other roadmaps shows.
use serde_json::{json, Value};

use crate::helpers::catalog::*;
use crate::helpers::ops;
use crate::helpers::teams::*;
use crate::helpers::*;

const ADD: &str = "mutation($t: ID!, $r: ID!) { addTeamRoadmap(teamId: $t, roadmapId: $r) {
    roadmaps { roadmap { slug } } } }";
const REMOVE: &str = "mutation($t: ID!, $r: ID!) { removeTeamRoadmap(teamId: $t, roadmapId: $r) {
    roadmaps { roadmap { slug } } } }";
const HIDE: &str = "mutation($t: ID!, $r: ID!, $ids: [ID!]!) {
    setTeamHiddenTopics(teamId: $t, roadmapId: $r, topicIds: $ids) {
      roadmaps { roadmap { slug } hiddenTopicIds topicCount } } }";
const CREATE_FOR_TEAM: &str = "mutation($i: CreateRoadmapInput!) { createRoadmap(input: $i) {
    id slug official owner { username } visibility } }";
const VIEWS: &str = "query($id: ID!, $r: ID, $o: TeamProgressOrder) { team(id: $id) {
    roadmaps { roadmap { id slug } addedAt hiddenTopicIds topicCount }
    progress(roadmapId: $r, orderBy: $o, first: 100) { totalCount nodes {
      user { username } roadmap { slug } done learning skipped total percentDone percentComplete
      updatedAt } }
    activity(first: 100) { totalCount nodes { user { username } roadmapSlug topicTitle from to at } } } }";
const PROGRESS_PAGE: &str = "query($id: ID!) { team(id: $id) { progress(first: 100) { totalCount
    nodes { user { id username displayName } roadmap { id slug title } done learning skipped total percentDone updatedAt } } } }";
const ROADMAP: &str = "query($s: String!) { roadmap(slug: $s) { id slug official visibility } }";
const BACKEND: &str = "query { roadmap(slug: \"backend\") { id topicCount
    topics { id title children { id title } } } }";

/// The Backend roadmap's id and the ids and titles of some of its topics.
async fn backend(app: &TestApp) -> (String, Vec<(String, String)>) {
    let d = app.gql(BACKEND, json!({})).await;
    let r = &d["data"]["roadmap"];
    let mut topics = Vec::new();
    for t in r["topics"].as_array().unwrap() {
        topics.push((
            t["id"].as_str().unwrap().to_owned(),
            t["title"].as_str().unwrap().to_owned(),
        ));
        for c in t["children"].as_array().unwrap() {
            topics.push((
                c["id"].as_str().unwrap().to_owned(),
                c["title"].as_str().unwrap().to_owned(),
            ));
        }
    }
    (r["id"].as_str().unwrap().to_owned(), topics)
}

/// A test user's username (their email's local part).
fn name(s: &Session) -> &str {
    s.email.split('@').next().unwrap_or_default()
}

async fn set_status(app: &TestApp, token: &str, topic: &str, status: &str) {
    ok(
        app,
        token,
        ops::SET_TOPIC_STATUS,
        json!({ "id": topic, "s": status }),
    )
    .await;
}

/// Every new mutation as owner, manager, member, outsider, anonymous caller and admin.
#[tokio::test]
async fn only_owners_and_managers_choose_what_the_team_learns() {
    let app = spawn_app().await;
    let c = Crew::new(&app, "tr").await;
    let (backend_id, topics) = backend(&app).await;
    let vars = json!({ "t": c.team, "r": backend_id });
    let hide = json!({ "t": c.team, "r": backend_id, "ids": [topics[1].0] });
    let strangers = [
        (None, "UNAUTHENTICATED"),
        (Some(c.outsider.access_token.as_str()), "NOT_FOUND"),
        (Some(c.admin.access_token.as_str()), "NOT_FOUND"),
        (Some(c.member.access_token.as_str()), "FORBIDDEN"),
    ];
    for (token, code) in strangers {
        expect(&app, token, ADD, vars.clone(), Some(code)).await;
    }
    let d = expect(&app, Some(&c.manager.access_token), ADD, vars.clone(), None).await;
    assert_eq!(
        d["data"]["addTeamRoadmap"]["roadmaps"][0]["roadmap"]["slug"],
        "backend"
    );
    // Again: still one entry.
    let d = expect(&app, Some(&c.owner.access_token), ADD, vars.clone(), None).await;
    assert_eq!(
        d["data"]["addTeamRoadmap"]["roadmaps"]
            .as_array()
            .unwrap()
            .len(),
        1,
        "{d}"
    );
    for (token, code) in strangers {
        expect(&app, token, HIDE, hide.clone(), Some(code)).await;
        expect(&app, token, REMOVE, vars.clone(), Some(code)).await;
    }
    let d = expect(
        &app,
        Some(&c.manager.access_token),
        HIDE,
        hide.clone(),
        None,
    )
    .await;
    let listed = &d["data"]["setTeamHiddenTopics"]["roadmaps"][0];
    assert_eq!(listed["hiddenTopicIds"], json!([topics[1].0]));
    expect(
        &app,
        Some(&c.owner.access_token),
        REMOVE,
        vars.clone(),
        None,
    )
    .await;
    let d = expect(
        &app,
        Some(&c.owner.access_token),
        REMOVE,
        vars.clone(),
        Some("NOT_FOUND"),
    )
    .await;
    assert_eq!(d["errors"][0]["extensions"]["field"], "roadmapId", "{d}");
    // Back on the list, nothing is hidden any more.
    let d = expect(&app, Some(&c.manager.access_token), ADD, vars, None).await;
    assert_eq!(
        d["data"]["addTeamRoadmap"]["roadmaps"][0]["roadmap"]["slug"],
        "backend"
    );
    let d = ok(&app, &c.member.access_token, VIEWS, json!({ "id": c.team })).await;
    assert_eq!(d["team"]["roadmaps"][0]["hiddenTopicIds"], json!([]), "{d}");

    // Creating a roadmap for the team: owners and managers; members are refused, others do not
    // see the team, and a team's roadmap cannot be official.
    let input = |slug: &str| {
        json!({ "i": { "slug": slug, "title": "Onboarding", "briefTitle": "Onb",
        "description": "Our onboarding.", "briefDescription": "Onb.", "kind": "SKILL", "teamId": c.team } })
    };
    for (token, code) in strangers {
        expect(&app, token, CREATE_FOR_TEAM, input("onb-x"), Some(code)).await;
    }
    let mut official = input("onb-y");
    official["i"]["official"] = json!(true);
    let d = expect(
        &app,
        Some(&c.owner.access_token),
        CREATE_FOR_TEAM,
        official,
        Some("BAD_USER_INPUT"),
    )
    .await;
    assert_eq!(d["errors"][0]["extensions"]["field"], "official");
    let d = expect(
        &app,
        Some(&c.manager.access_token),
        CREATE_FOR_TEAM,
        input("onb"),
        None,
    )
    .await;
    let made = &d["data"]["createRoadmap"];
    assert_eq!(made["official"], false);
    assert_eq!(made["owner"], Value::Null);
    assert_eq!(made["visibility"], "PRIVATE");
}

/// A team's PRIVATE roadmap: its members read it and track progress on it, its owners and
/// managers edit it, nobody outside the team sees it; it is listed on the team, never among the
/// official roadmaps, and goes when the team goes.
#[tokio::test]
async fn a_team_roadmap_belongs_to_the_team() {
    let app = spawn_app().await;
    let c = Crew::new(&app, "tw").await;
    let input = json!({ "i": { "slug": "team-onb", "title": "Onboarding", "briefTitle": "Onb",
        "description": "Our onboarding.", "briefDescription": "Onb.", "kind": "SKILL", "teamId": c.team } });
    let d = ok(&app, &c.owner.access_token, CREATE_FOR_TEAM, input).await;
    let roadmap = d["createRoadmap"].clone();
    let slug = json!({ "s": "team-onb" });
    for who in [&c.owner, &c.manager, &c.member] {
        let d = ok(&app, &who.access_token, ROADMAP, slug.clone()).await;
        assert_eq!(d["roadmap"]["slug"], "team-onb", "{} reads it", name(who));
    }
    for token in [None, Some(c.outsider.access_token.as_str())] {
        let d = expect(&app, token, ROADMAP, slug.clone(), None).await;
        assert_eq!(d["data"]["roadmap"], Value::Null, "{d}");
    }
    // Editing: owners and managers; a member may read but not edit; an outsider sees nothing.
    let topic = create_topic(
        &app,
        &c.manager.access_token,
        &roadmap,
        None,
        None,
        "Our stack",
    )
    .await;
    assert_eq!(topic["title"], "Our stack", "{topic}");
    let vars = json!({ "r": roadmap["id"], "p": null, "pos": null,
        "i": { "title": "More", "description": "More." } });
    expect(
        &app,
        Some(&c.member.access_token),
        ops::CREATE_TOPIC,
        vars.clone(),
        Some("FORBIDDEN"),
    )
    .await;
    expect(
        &app,
        Some(&c.outsider.access_token),
        ops::CREATE_TOPIC,
        vars.clone(),
        Some("NOT_FOUND"),
    )
    .await;
    expect(
        &app,
        Some(&c.owner.access_token),
        ops::CREATE_TOPIC,
        vars,
        None,
    )
    .await;
    // A member tracks it; the team sees it listed, with the member's counts.
    set_status(
        &app,
        &c.member.access_token,
        topic["id"].as_str().unwrap(),
        "DONE",
    )
    .await;
    let d = ok(
        &app,
        &c.member.access_token,
        VIEWS,
        json!({ "id": c.team, "r": roadmap["id"] }),
    )
    .await;
    assert_eq!(
        d["team"]["roadmaps"][0]["roadmap"]["slug"], "team-onb",
        "{d}"
    );
    assert_eq!(d["team"]["roadmaps"][0]["topicCount"], 2);
    let rows = d["team"]["progress"]["nodes"].as_array().unwrap();
    let member = rows
        .iter()
        .find(|r| r["user"]["username"] == name(&c.member))
        .unwrap();
    assert_eq!(
        (member["done"].as_i64(), member["total"].as_i64()),
        (Some(1), Some(2)),
        "{d}"
    );
    assert_eq!(member["percentDone"], 50.0);
    // Not official: neither in `roadmaps` nor `official`.
    let d = ok(
        &app,
        &c.owner.access_token,
        "{ roadmaps(first: 100) { nodes { slug } } }",
        json!({}),
    )
    .await;
    assert!(!d.to_string().contains("team-onb"), "{d}");
    // Deleting the team deletes its roadmaps, for everyone, and archives their progress.
    ok(
        &app,
        &c.owner.access_token,
        "mutation($t: ID!) { deleteTeam(teamId: $t) }",
        json!({ "t": c.team }),
    )
    .await;
    for token in [
        &c.owner.access_token,
        &c.member.access_token,
        &c.admin.access_token,
    ] {
        let d = ok(&app, token, ROADMAP, slug.clone()).await;
        assert_eq!(d["roadmap"], Value::Null, "{d}");
    }
    let live = count_rows(&app, "SELECT COUNT(*) AS n FROM progress WHERE archived_at IS NULL AND roadmap_id IN (SELECT id FROM roadmaps WHERE slug = 'team-onb')").await;
    assert_eq!(live, 0);
}

/// Which roadmaps a team may follow: public ones (official or community) and its own; a private
/// roadmap of someone else's does not exist for the manager, an unlisted one of theirs is refused.
#[tokio::test]
async fn a_team_follows_public_roadmaps_and_its_own() {
    let app = spawn_app().await;
    let c = Crew::new(&app, "tf").await;
    let mk = |slug: &str, vis: &str| {
        json!({ "i": { "slug": slug, "title": slug, "briefTitle": slug,
        "description": "x", "briefDescription": "x", "kind": "SKILL", "visibility": vis } })
    };
    let private = ok(
        &app,
        &c.outsider.access_token,
        CREATE_FOR_TEAM,
        mk("theirs-private", "PRIVATE"),
    )
    .await;
    let public = ok(
        &app,
        &c.outsider.access_token,
        CREATE_FOR_TEAM,
        mk("theirs-public", "PUBLIC"),
    )
    .await;
    let unlisted = ok(
        &app,
        &c.manager.access_token,
        CREATE_FOR_TEAM,
        mk("mine-unlisted", "UNLISTED"),
    )
    .await;
    let add = |r: &Value| json!({ "t": c.team, "r": r["createRoadmap"]["id"] });
    let d = expect(
        &app,
        Some(&c.manager.access_token),
        ADD,
        add(&private),
        Some("NOT_FOUND"),
    )
    .await;
    assert_eq!(d["errors"][0]["extensions"]["field"], "roadmapId");
    let d = expect(
        &app,
        Some(&c.manager.access_token),
        ADD,
        add(&unlisted),
        Some("BAD_USER_INPUT"),
    )
    .await;
    assert_eq!(d["errors"][0]["extensions"]["field"], "roadmapId");
    expect(&app, Some(&c.manager.access_token), ADD, add(&public), None).await;
    // Hidden topics must be live topics of that roadmap.
    let (backend_id, topics) = backend(&app).await;
    ok(
        &app,
        &c.owner.access_token,
        ADD,
        json!({ "t": c.team, "r": backend_id }),
    )
    .await;
    let theirs = create_topic(
        &app,
        &c.outsider.access_token,
        &public["createRoadmap"],
        None,
        None,
        "T",
    )
    .await;
    let bad = json!({ "t": c.team, "r": backend_id, "ids": [topics[0].0, theirs["id"]] });
    let d = expect(
        &app,
        Some(&c.owner.access_token),
        HIDE,
        bad,
        Some("BAD_USER_INPUT"),
    )
    .await;
    assert_eq!(d["errors"][0]["extensions"]["field"], "topicIds[1]", "{d}");
    let off_list = json!({ "t": c.team, "r": unlisted["createRoadmap"]["id"], "ids": [] });
    let d = expect(
        &app,
        Some(&c.owner.access_token),
        HIDE,
        off_list,
        Some("NOT_FOUND"),
    )
    .await;
    assert_eq!(d["errors"][0]["extensions"]["field"], "roadmapId");
}

/// The team's progress and activity: only the team's roadmaps, hidden topics left out of the
/// team's counts (not the member's own), rows in the order asked, and null for outsiders.
#[tokio::test]
async fn team_progress_counts_the_team_roadmaps_without_hidden_topics() {
    let app = spawn_app().await;
    let c = Crew::new(&app, "tp").await;
    let (backend_id, topics) = backend(&app).await;
    ok(
        &app,
        &c.owner.access_token,
        ADD,
        json!({ "t": c.team, "r": backend_id }),
    )
    .await;
    let (a, b, d_) = (&topics[1], &topics[2], &topics[3]);
    set_status(&app, &c.member.access_token, &a.0, "DONE").await;
    set_status(&app, &c.member.access_token, &b.0, "DONE").await;
    set_status(&app, &c.member.access_token, &d_.0, "LEARNING").await;
    set_status(&app, &c.manager.access_token, &a.0, "SKIPPED").await;
    // The member's progress on a roadmap the team does not follow stays theirs alone.
    let own = create_roadmap(&app, &c.member.access_token, "tp-own").await;
    let t = create_topic(
        &app,
        &c.member.access_token,
        &own,
        None,
        None,
        "Private matter",
    )
    .await;
    set_status(
        &app,
        &c.member.access_token,
        t["id"].as_str().unwrap(),
        "DONE",
    )
    .await;
    ok(
        &app,
        &c.owner.access_token,
        HIDE,
        json!({ "t": c.team, "r": backend_id, "ids": [b.0] }),
    )
    .await;

    let d = ok(&app, &c.member.access_token, VIEWS, json!({ "id": c.team })).await;
    let team = &d["team"];
    let total = team["roadmaps"][0]["topicCount"].as_i64().unwrap();
    let backend_total = app.gql(BACKEND, json!({})).await["data"]["roadmap"]["topicCount"]
        .as_i64()
        .unwrap();
    assert_eq!(
        total,
        backend_total - 1 - BACKEND_REPEATS,
        "one topic hidden, repeats once"
    );
    assert_eq!(
        team["progress"]["totalCount"], 3,
        "three members × one roadmap: {d}"
    );
    let rows = team["progress"]["nodes"].as_array().unwrap();
    assert_eq!(
        rows[0]["user"]["username"],
        name(&c.member),
        "most done first: {d}"
    );
    assert_eq!(
        (
            rows[0]["done"].as_i64(),
            rows[0]["learning"].as_i64(),
            rows[0]["total"].as_i64()
        ),
        (Some(1), Some(1), Some(total))
    );
    assert!(rows[0]["updatedAt"].is_string());
    let manager = rows
        .iter()
        .find(|r| r["user"]["username"] == name(&c.manager))
        .unwrap();
    assert_eq!(manager["skipped"], 1);
    let owner = rows
        .iter()
        .find(|r| r["user"]["username"] == name(&c.owner))
        .unwrap();
    assert_eq!(
        (owner["done"].as_i64(), owner["updatedAt"].clone()),
        (Some(0), Value::Null)
    );
    assert!(
        !d.to_string().contains("tp-own") && !d.to_string().contains("Private matter"),
        "{d}"
    );
    // The member's own counts keep the hidden topic.
    let mine = ok(
        &app,
        &c.member.access_token,
        ops::MY_ROADMAP_PROGRESS,
        json!({ "slug": "backend" }),
    )
    .await;
    assert_eq!(mine["roadmap"]["myProgress"]["done"], 2);
    // Activity: the team's roadmaps only, the hidden topic's changes left out, newest first.
    let activity = team["activity"]["nodes"].as_array().unwrap();
    assert_eq!(team["activity"]["totalCount"], 3, "{d}");
    assert_eq!(activity[0]["user"]["username"], name(&c.manager));
    assert_eq!(
        (activity[0]["from"].as_str(), activity[0]["to"].as_str()),
        (Some("PENDING"), Some("SKIPPED"))
    );
    assert_eq!(activity[0]["roadmapSlug"], "backend");
    assert_eq!(activity[0]["topicTitle"], a.1.as_str());
    assert!(
        activity.iter().all(|e| e["topicTitle"] != b.1.as_str()),
        "{d}"
    );
    // By username.
    let d = ok(
        &app,
        &c.member.access_token,
        VIEWS,
        json!({ "id": c.team, "o": "USERNAME", "r": backend_id }),
    )
    .await;
    let names: Vec<&str> = d["team"]["progress"]["nodes"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| r["user"]["username"].as_str().unwrap())
        .collect();
    let mut sorted = names.clone();
    sorted.sort();
    assert_eq!(names, sorted);
    // By done and skipped together, as each learner's own figure counts: the manager's skipped
    // topic counts, which `percentDone` leaves out.
    let d = ok(
        &app,
        &c.member.access_token,
        VIEWS,
        json!({ "id": c.team, "o": "PERCENT_COMPLETE_DESC", "r": backend_id }),
    )
    .await;
    let rows = d["team"]["progress"]["nodes"].as_array().unwrap();
    let complete: Vec<f64> = rows
        .iter()
        .map(|r| r["percentComplete"].as_f64().unwrap())
        .collect();
    for r in rows {
        let counted = r["done"].as_i64().unwrap() + r["skipped"].as_i64().unwrap();
        let expected = counted as f64 * 100.0 / r["total"].as_i64().unwrap() as f64;
        assert_eq!(r["percentComplete"].as_f64(), Some(expected), "{d}");
    }
    assert!(complete.windows(2).all(|w| w[0] >= w[1]), "{d}");
    let manager = rows
        .iter()
        .find(|r| r["user"]["username"] == name(&c.manager))
        .unwrap();
    assert!(
        manager["skipped"].as_i64() > Some(0)
            && manager["percentComplete"].as_f64() > manager["percentDone"].as_f64(),
        "{d}"
    );
    // A roadmap that is not the team's: not found, naming the argument.
    let own_id = own["id"].clone();
    let d = expect(
        &app,
        Some(&c.member.access_token),
        VIEWS,
        json!({ "id": c.team, "r": own_id }),
        Some("NOT_FOUND"),
    )
    .await;
    assert_eq!(d["errors"][0]["extensions"]["field"], "roadmapId", "{d}");
    // Outsiders, admins and anonymous callers see no team at all.
    for token in [
        None,
        Some(c.outsider.access_token.as_str()),
        Some(c.admin.access_token.as_str()),
    ] {
        let d = expect(&app, token, VIEWS, json!({ "id": c.team }), None).await;
        assert_eq!(d["data"]["team"], Value::Null, "{d}");
    }
}

/// A page of team progress costs the same number of SQL statements whatever its size.
#[tokio::test]
async fn a_page_of_team_progress_costs_a_fixed_number_of_statements() {
    let app = spawn_app().await;
    let c = Crew::new(&app, "tq").await;
    let (backend_id, topics) = backend(&app).await;
    ok(
        &app,
        &c.owner.access_token,
        ADD,
        json!({ "t": c.team, "r": backend_id }),
    )
    .await;
    // Some activity from the start, so both pages read the same kinds of rows.
    set_status(&app, &c.member.access_token, &topics[0].0, "LEARNING").await;
    let mut costs = Vec::new();
    for extra in [0, 8] {
        for i in 0..extra {
            let s = app.signup(&format!("tqextra{i}")).await;
            join(&app, &c.owner.access_token, &c.team, &s, "MEMBER").await;
            set_status(&app, &s.access_token, &topics[i % 5].0, "DONE").await;
        }
        // Once before counting, so both counts are of a warm page: the roadmap's row is kept
        // per content version, which the writes above make this process read again.
        ok(
            &app,
            &c.member.access_token,
            PROGRESS_PAGE,
            json!({ "id": c.team }),
        )
        .await;
        let before = app.metric("roadmap_db_statements_total").await;
        let d = ok(
            &app,
            &c.member.access_token,
            PROGRESS_PAGE,
            json!({ "id": c.team }),
        )
        .await;
        let after = app.metric("roadmap_db_statements_total").await;
        assert_eq!(d["team"]["progress"]["totalCount"], 3 + extra);
        costs.push(after - before);
    }
    println!("statements per page of team progress for 3 and 11 members: {costs:?}");
    assert_eq!(costs[0], costs[1], "{costs:?}");
    // The viewer and their teams, the request budget, the membership and the team, the count,
    // the page and its users (its roadmap's row is kept).
    assert!(costs[0] <= 8.0, "{costs:?}");
}
