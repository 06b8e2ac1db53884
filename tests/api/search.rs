//! `search`: typo tolerance by word length, prefix on the last word, the ranking, privacy (what a
//! viewer may not read never appears; a visibility change shows at the next search), edits,
//! the notes scope, paging with cursors bound to their search, and bad input. The seeded
//! catalogue is searched too, so the words here are ones it does not use.
//!
//! The orders asserted are fixed lists: the test runs under both `TEST_DB` values, which makes it
//! the differential test (the same query gives the same hits in the same order on SQLite and
//! PostgreSQL).
use std::time::Duration;

use serde_json::{json, Value};

use crate::helpers::catalog::{new_roadmap, ok};
use crate::helpers::*;

const SEARCH: &str = "query($q: String!, $k: [SearchKind!], $r: ID, $s: SearchScope, $f: Int,
    $a: String) { search(query: $q, kinds: $k, roadmapId: $r, scope: $s, first: $f, after: $a) {
    totalCount pageInfo { hasNextPage endCursor }
    edges { cursor score highlights { field text ranges { start end } }
      node { __typename ... on Roadmap { title official } ... on Topic { title }
             ... on Resource { title } } } } }";

const CREATE: &str = "mutation($i: CreateRoadmapInput!) { createRoadmap(input: $i) {
    id slug shareToken } }";
const TOPIC: &str = "mutation($r: ID!, $i: CreateTopicInput!) { createTopic(roadmapId: $r,
    input: $i) { id } }";
const VISIBILITY: &str = "mutation($id: ID!, $v: Visibility!) { updateRoadmap(id: $id,
    input: { visibility: $v }) { visibility } }";

/// A published official roadmap (an admin's start as drafts).
async fn create_roadmap(app: &TestApp, admin: &str, slug: &str) -> Value {
    let mut input = new_roadmap(slug);
    input["status"] = json!("PUBLISHED");
    ok(app, admin, CREATE, json!({ "i": input })).await["createRoadmap"].clone()
}

async fn topic(
    app: &TestApp,
    token: &str,
    roadmap: &Value,
    title: &str,
    description: &str,
) -> Value {
    ok(
        app,
        token,
        TOPIC,
        json!({ "r": roadmap["id"], "i": { "title": title, "description": description } }),
    )
    .await["createTopic"]
        .clone()
}

/// A learner's roadmap titled `title`, of `visibility`.
async fn own_roadmap(
    app: &TestApp,
    token: &str,
    slug: &str,
    title: &str,
    visibility: &str,
) -> Value {
    let mut input = new_roadmap(slug);
    input["title"] = json!(title);
    input["visibility"] = json!(visibility);
    ok(app, token, CREATE, json!({ "i": input })).await["createRoadmap"].clone()
}

async fn search(app: &TestApp, token: Option<&str>, vars: Value) -> Value {
    let body = app.gql_with(token, SEARCH, vars).await;
    assert!(body.get("errors").is_none(), "unexpected errors: {body}");
    body["data"]["search"].clone()
}

/// (code, field, message) of the first error of an anonymous search that must fail.
async fn refused(app: &TestApp, vars: Value) -> (String, String, String) {
    let body = app.gql(SEARCH, vars).await;
    let e = &body["errors"][0];
    assert!(e.is_object(), "expected an error: {body}");
    let text = |v: &Value| v.as_str().unwrap_or_default().to_owned();
    (
        text(&e["extensions"]["code"]),
        text(&e["extensions"]["field"]),
        text(&e["message"]),
    )
}

/// The titles of the hits of `query`, in order.
async fn titles(app: &TestApp, token: Option<&str>, vars: Value) -> Vec<String> {
    search(app, token, vars).await["edges"]
        .as_array()
        .expect("edges")
        .iter()
        .map(|e| e["node"]["title"].as_str().unwrap_or_default().to_owned())
        .collect()
}

#[tokio::test]
async fn typos_are_tolerated_by_word_length_and_the_last_word_is_a_prefix() {
    let app = spawn_app().await;
    let admin = app.admin_token().await;
    let r = create_roadmap(&app, &admin, "marsupials").await;
    for t in ["Wombat", "Thylacine", "Bilby", "Kangaroo"] {
        topic(&app, &admin, &r, t, "An animal.").await;
    }
    let topics = |q: &str| json!({ "q": q, "k": ["TOPIC"], "r": r["id"] });
    let cases: &[(&str, &[&str])] = &[
        ("wombat", &["Wombat"]),
        ("WOMBT", &["Wombat"]),        // 5 characters: one typo
        ("wobmat", &["Wombat"]),       // a swap of neighbours is one typo
        ("wxmbxt", &[]),               // 6 characters: two typos are too many
        ("thylacene", &["Thylacine"]), // 9 characters: one typo
        ("thilacene", &["Thylacine"]), // and two
        ("tilacene", &[]),             // 8 characters: two typos are too many
        ("bily", &[]),                 // 4 characters: no typo
        ("bil", &["Bilby"]),           // the last word as a prefix
        ("kan", &["Kangaroo"]),
        ("kamgar", &["Kangaroo"]), // a typo in the prefix being typed
        ("kan animal", &[]),       // only the last word is a prefix
        ("animal kan", &["Kangaroo"]),
    ];
    for (q, want) in cases {
        assert_eq!(titles(&app, None, topics(q)).await, *want, "query {q:?}");
    }
}

#[tokio::test]
async fn hits_rank_exact_then_prefix_then_typo_title_before_description_official_first() {
    let app = spawn_app().await;
    let admin = app.admin_token().await;
    let ada = app.signup("ada").await.access_token;
    let r = create_roadmap(&app, &admin, "australia").await;
    for (title, description) in [
        ("Numbit", "A typo of the animal."),
        ("Numbats of Perth", "Where they live."),
        ("Termite diet", "What the numbat eats."),
        ("Numbat", "The banded anteater."),
    ] {
        topic(&app, &admin, &r, title, description).await;
    }
    let order = titles(
        &app,
        None,
        json!({ "q": "numbat", "k": ["TOPIC"], "r": r["id"] }),
    )
    .await;
    assert_eq!(
        order,
        ["Numbat", "Termite diet", "Numbats of Perth", "Numbit"]
    );

    // Ties: the official roadmap before a learner's public one of the same title.
    own_roadmap(&app, &ada, "ada-axolotl", "Axolotl care", "PUBLIC").await;
    let mut official = new_roadmap("axolotl");
    official["title"] = json!("Axolotl care");
    official["status"] = json!("PUBLISHED");
    ok(&app, &admin, CREATE, json!({ "i": official })).await;
    let hits = search(&app, None, json!({ "q": "axolotl care", "k": ["ROADMAP"] })).await;
    let flags: Vec<&Value> = hits["edges"]
        .as_array()
        .expect("edges")
        .iter()
        .map(|e| &e["node"]["official"])
        .collect();
    assert_eq!(flags, [&json!(true), &json!(false)]);
    let scores: Vec<f64> = hits["edges"]
        .as_array()
        .expect("edges")
        .iter()
        .map(|e| e["score"].as_f64().expect("score"))
        .collect();
    assert!(scores[0] > scores[1], "{scores:?}");
    let h = &hits["edges"][0]["highlights"][0];
    assert_eq!(h["field"], "TITLE");
    assert_eq!(h["text"], "Axolotl care");
    assert_eq!(
        h["ranges"],
        json!([{ "start": 0, "end": 7 }, { "start": 8, "end": 12 }])
    );
}

#[tokio::test]
async fn only_what_the_viewer_may_read_is_found_and_visibility_changes_show_at_once() {
    let app = spawn_app().await;
    let ada = app.signup("ada").await.access_token;
    let bob = app.signup("bob").await.access_token;
    let private = own_roadmap(&app, &ada, "ada-pangolin", "Pangolin secrets", "PRIVATE").await;
    let unlisted = own_roadmap(&app, &ada, "ada-okapi", "Okapi stripes", "UNLISTED").await;
    topic(&app, &ada, &private, "Pangolin scales", "Hidden.").await;

    let pangolin = json!({ "q": "pangolin" });
    assert_eq!(
        titles(&app, Some(&ada), pangolin.clone()).await,
        ["Pangolin secrets", "Pangolin scales"]
    );
    assert!(titles(&app, Some(&bob), pangolin.clone()).await.is_empty());
    assert!(titles(&app, None, pangolin.clone()).await.is_empty());
    let okapi = json!({ "q": "okapi" });
    assert!(titles(&app, Some(&bob), okapi.clone()).await.is_empty());
    assert!(titles(&app, None, okapi.clone()).await.is_empty());

    // Public now: found by everyone; private again: gone.
    ok(
        &app,
        &ada,
        VISIBILITY,
        json!({ "id": private["id"], "v": "PUBLIC" }),
    )
    .await;
    assert_eq!(
        titles(&app, None, pangolin.clone()).await,
        ["Pangolin secrets", "Pangolin scales"]
    );
    ok(
        &app,
        &ada,
        VISIBILITY,
        json!({ "id": private["id"], "v": "PRIVATE" }),
    )
    .await;
    assert!(titles(&app, Some(&bob), pangolin.clone()).await.is_empty());

    // Bob opens the UNLISTED roadmap's link signed in: he follows it, and finds it.
    let open = "query($s: String!, $t: String) { roadmap(slug: $s, shareToken: $t) { id } }";
    let opened = ok(
        &app,
        &bob,
        open,
        json!({ "s": unlisted["slug"], "t": unlisted["shareToken"] }),
    )
    .await;
    assert!(opened["roadmap"].is_object(), "{opened}");
    assert_eq!(
        titles(&app, Some(&bob), okapi.clone()).await,
        ["Okapi stripes"]
    );
    assert!(titles(&app, None, okapi).await.is_empty());
}

#[tokio::test]
async fn a_teams_roadmap_is_found_by_its_members_only() {
    let app = spawn_app().await;
    let c = crate::helpers::teams::Crew::new(&app, "s").await;
    let mut input = new_roadmap("tapir-onboarding");
    input["title"] = json!("Tapir onboarding");
    input["teamId"] = json!(c.team);
    let r = ok(&app, &c.owner.access_token, CREATE, json!({ "i": input })).await;
    assert!(r["createRoadmap"].is_object(), "{r}");
    let q = json!({ "q": "tapir" });
    for who in [&c.owner, &c.manager, &c.member] {
        assert_eq!(
            titles(&app, Some(&who.access_token), q.clone()).await,
            ["Tapir onboarding"]
        );
    }
    assert!(titles(&app, Some(&c.outsider.access_token), q.clone())
        .await
        .is_empty());
    assert!(titles(&app, None, q).await.is_empty());
}

#[tokio::test]
async fn an_edit_is_found_by_the_next_search_on_another_process_too() {
    let app = spawn_app().await;
    let admin = app.admin_token().await;
    let r = create_roadmap(&app, &admin, "renames").await;
    let t = topic(&app, &admin, &r, "Quoll", "A spotted hunter.").await;
    assert_eq!(titles(&app, None, json!({ "q": "quoll" })).await, ["Quoll"]);
    // A second server on the same database has built its index already.
    let other = spawn_on(app.db.clone()).await;
    assert_eq!(
        titles(&other, None, json!({ "q": "quoll" })).await,
        ["Quoll"]
    );

    let rename =
        "mutation($id: ID!) { updateTopic(id: $id, input: { title: \"Dibbler\" }) { id } }";
    ok(&app, &admin, rename, json!({ "id": t["id"] })).await;
    assert_eq!(
        titles(&app, None, json!({ "q": "dibbler" })).await,
        ["Dibbler"]
    );
    assert!(titles(&app, None, json!({ "q": "quoll" })).await.is_empty());
    // The other process hears the change (PostgreSQL: a notification; SQLite: it reads the
    // version per request).
    let seen = eventually(Duration::from_secs(5), || async {
        titles(&other, None, json!({ "q": "dibbler" })).await == ["Dibbler"]
    })
    .await;
    assert!(seen, "the other process never saw the edit");
}

#[tokio::test]
async fn my_notes_are_searched_for_their_writer_only() {
    let app = spawn_app().await;
    let admin = app.admin_token().await;
    let ada = app.signup("ada").await.access_token;
    let bob = app.signup("bob").await.access_token;
    let r = create_roadmap(&app, &admin, "notes-here").await;
    let t = topic(&app, &admin, &r, "Monotremes", "Egg-laying mammals.").await;
    let note = "mutation($id: ID!, $n: String) { setTopicNote(topicId: $id, note: $n) { note } }";
    ok(
        &app,
        &ada,
        note,
        json!({ "id": t["id"], "n": "Remember the echidna!" }),
    )
    .await;

    let mine = json!({ "q": "echidna", "s": "MY_NOTES" });
    let hits = search(&app, Some(&ada), mine.clone()).await;
    assert_eq!(hits["totalCount"], 1);
    let edge = &hits["edges"][0];
    assert_eq!(edge["node"]["title"], "Monotremes");
    assert_eq!(
        edge["highlights"],
        json!([{ "field": "NOTE", "text": "Remember the echidna!",
                 "ranges": [{ "start": 13, "end": 20 }] }])
    );
    assert!(titles(&app, Some(&bob), mine.clone()).await.is_empty());
    assert!(
        titles(&app, Some(&ada), json!({ "q": "echidna" }))
            .await
            .is_empty(),
        "notes are not in the catalogue"
    );
    let body = app.gql_with(None, SEARCH, mine).await;
    assert_eq!(error_code(&body), Some("UNAUTHENTICATED"), "{body}");
}

#[tokio::test]
async fn pages_follow_their_cursors_and_a_cursor_of_another_search_is_refused() {
    let app = spawn_app().await;
    let admin = app.admin_token().await;
    let r = create_roadmap(&app, &admin, "dugongs").await;
    for i in 1..=5 {
        topic(&app, &admin, &r, &format!("Dugong {i}"), "Sea cow.").await;
    }
    let mut seen = Vec::new();
    let mut after = Value::Null;
    loop {
        let page = search(
            &app,
            None,
            json!({ "q": "dugong", "k": ["TOPIC"], "f": 2, "a": after }),
        )
        .await;
        assert_eq!(page["totalCount"], 5);
        for e in page["edges"].as_array().expect("edges") {
            seen.push(e["node"]["title"].as_str().unwrap_or_default().to_owned());
        }
        if page["pageInfo"]["hasNextPage"] != true {
            break;
        }
        after = page["pageInfo"]["endCursor"].clone();
    }
    assert_eq!(
        seen,
        ["Dugong 1", "Dugong 2", "Dugong 3", "Dugong 4", "Dugong 5"]
    );

    let first = search(&app, None, json!({ "q": "dugong", "f": 1 })).await;
    let cursor = first["pageInfo"]["endCursor"].clone();
    let (code, field, _) = refused(&app, json!({ "q": "sea cow", "a": cursor })).await;
    assert_eq!((code.as_str(), field.as_str()), ("BAD_USER_INPUT", "after"));
    let (code, field, _) =
        refused(&app, json!({ "q": "dugong", "k": ["TOPIC"], "a": cursor })).await;
    assert_eq!(
        (code.as_str(), field.as_str()),
        ("BAD_USER_INPUT", "after"),
        "other kinds"
    );
}

#[tokio::test]
async fn bad_input_is_refused_naming_the_argument() {
    let app = spawn_app().await;
    let cases = [
        (json!({ "q": "" }), "query"),
        (json!({ "q": "   " }), "query"),
        (json!({ "q": "?!" }), "query"),
        (json!({ "q": "a".repeat(201) }), "query"),
        (json!({ "q": "a".repeat(1000) }), "query"),
        (json!({ "q": "rust", "f": 0 }), "first"),
        (json!({ "q": "rust", "f": 51 }), "first"),
        (
            json!({ "q": "rust", "k": ["TOPIC", "TOPIC", "ROADMAP", "RESOURCE"] }),
            "kinds",
        ),
        (json!({ "q": "rust", "a": "not-a-cursor" }), "after"),
        (json!({ "q": "rust", "r": "not-an-id" }), "roadmapId"),
    ];
    for (vars, want) in cases {
        let (code, field, message) = refused(&app, vars.clone()).await;
        assert_eq!(
            (code.as_str(), field.as_str()),
            ("BAD_USER_INPUT", want),
            "{vars}: {message}"
        );
    }
    // An unknown kind is refused before the resolver runs, still as bad input.
    let body = app
        .gql(SEARCH, json!({ "q": "rust", "k": ["BANANA"] }))
        .await;
    assert_eq!(error_code(&body), Some("BAD_USER_INPUT"), "{body}");
}

/// Beyond what any request of the same caller costs, a search reads the content version and
/// (signed in) the roadmaps the viewer follows; the hits come from the index with no further SQL,
/// whatever their number. A refresh after an edit adds four reads: the roadmaps' stamps, then the
/// changed roadmap, its topics and their resources (as many for any number of changed roadmaps).
#[tokio::test]
async fn a_search_costs_a_fixed_number_of_statements() {
    let app = spawn_app().await;
    let admin = app.admin_token().await;
    let ada = app.signup("ada").await.access_token;
    let r = create_roadmap(&app, &admin, "cuscus").await;
    let mut last = Value::Null;
    for i in 1..=12 {
        last = topic(&app, &admin, &r, &format!("Cuscus {i}"), "A possum.").await;
    }
    let vars = json!({ "q": "cuscus", "f": 20 });
    assert_eq!(titles(&app, None, vars.clone()).await.len(), 13);
    let cost = |token: Option<&'static str>, query: &'static str, vars: Value| {
        let app = &app;
        async move {
            let before = app.metric("roadmap_db_statements_total").await;
            let body = app.gql_with(token, query, vars).await;
            assert!(body.get("errors").is_none(), "{body}");
            app.metric("roadmap_db_statements_total").await - before
        }
    };
    let ada: &'static str = Box::leak(ada.into_boxed_str());
    // The baseline: the same caller's cheapest query (viewer, budget, content version).
    let base = "{ __typename }";
    let mut extra = Vec::new();
    for token in [Some(ada), None] {
        let baseline = cost(token, base, json!({})).await;
        extra.push(cost(token, SEARCH, vars.clone()).await - baseline);
    }
    let rename =
        "mutation($id: ID!) { updateTopic(id: $id, input: { title: \"Cuscus renamed\" }) { id } }";
    ok(&app, &admin, rename, json!({ "id": last["id"] })).await;
    let baseline = cost(Some(ada), base, json!({})).await;
    extra.push(cost(Some(ada), SEARCH, vars.clone()).await - baseline);
    println!("statements beyond the baseline (signed in, anonymous, after an edit): {extra:?}");
    // The content version (read per request on SQLite) and, signed in, the followed roadmaps.
    assert!(extra[0] <= 2.0 && extra[1] <= 1.0, "{extra:?}");
    assert!(extra[2] <= 6.0, "a refresh reads four times: {extra:?}");
}

/// After edits of every kind (a rename, a move, a soft delete, resources added, renamed and
/// removed, a roadmap back to draft, a deleted roadmap), the running server's index, refreshed roadmap
/// by roadmap, answers exactly as a second server on the same database that builds its index
/// from scratch: same hits, order, scores and highlights.
#[tokio::test]
async fn an_index_refreshed_after_edits_answers_as_one_built_from_scratch() {
    let app = spawn_app().await;
    let admin = app.admin_token().await;
    let mut maps = Vec::new();
    let mut topics = Vec::new();
    for slug in ["quokka-one", "quokka-two", "quokka-three", "quokka-four"] {
        let r = create_roadmap(&app, &admin, slug).await;
        for i in 1..=3 {
            let t = topic(&app, &admin, &r, &format!("Quokka {slug} {i}"), "A quokka.").await;
            topics.push(t);
        }
        maps.push(r);
    }
    let queries = [
        "quokka",
        "quokk",
        "qokka",
        "quokka three",
        "pademelon",
        "quo",
    ];
    let admin: &'static str = Box::leak(admin.into_boxed_str());
    let answers = |app: &'static TestApp| async move {
        let mut all = Vec::new();
        for q in queries {
            for token in [None, Some(admin)] {
                let mut page = search(app, token, json!({ "q": q, "f": 50 })).await;
                for e in page["edges"].as_array_mut().into_iter().flatten() {
                    e["cursor"] = Value::Null;
                }
                page["pageInfo"] = Value::Null;
                all.push(page);
            }
        }
        all
    };
    let app: &'static TestApp = Box::leak(Box::new(app));
    answers(app).await;
    let rename = "mutation($id: ID!) { updateTopic(id: $id, input: { title: \"Pademelon quokka\" })
        { id } }";
    ok(app, admin, rename, json!({ "id": topics[0]["id"] })).await;
    answers(app).await;
    // Last topic of the second roadmap becomes the first child of its first topic.
    let mv =
        "mutation($id: ID!, $p: ID) { moveTopic(id: $id, newParentId: $p, position: 0) { id } }";
    ok(
        app,
        admin,
        mv,
        json!({ "id": topics[5]["id"], "p": topics[3]["id"] }),
    )
    .await;
    let del = "mutation($id: ID!) { deleteTopic(id: $id) { __typename } }";
    ok(app, admin, del, json!({ "id": topics[4]["id"] })).await;
    answers(app).await;
    let add = "mutation($t: ID!, $i: ResourceInput!) { addResource(topicId: $t, input: $i) {
        resource { id } } }";
    let mut resources = Vec::new();
    for title in ["Quokka selfies", "Quokka diet"] {
        let d = ok(
            app,
            admin,
            add,
            json!({ "t": topics[6]["id"],
            "i": { "kind": "ARTICLE", "title": title, "url": "https://example.org/q" } }),
        )
        .await;
        resources.push(d["addResource"]["resource"]["id"].clone());
    }
    answers(app).await;
    let update = "mutation($id: ID!) { updateResource(id: $id, input: { title: \"Pademelon\" })
        { resource { id } } }";
    ok(app, admin, update, json!({ "id": resources[0] })).await;
    let remove = "mutation($id: ID!) { removeResource(id: $id) { __typename } }";
    ok(app, admin, remove, json!({ "id": resources[1] })).await;
    let draft = "mutation($id: ID!) { updateRoadmap(id: $id, input: { status: DRAFT }) { id } }";
    ok(app, admin, draft, json!({ "id": maps[2]["id"] })).await;
    let drop = "mutation($id: ID!) { deleteRoadmap(id: $id) { __typename } }";
    ok(app, admin, drop, json!({ "id": maps[3]["id"] })).await;
    let refreshed = answers(app).await;

    let fresh: &'static TestApp = Box::leak(Box::new(spawn_on(app.db.clone()).await));
    let built = answers(fresh).await;
    assert_eq!(refreshed, built);
    // The edits are there: the renamed topic and resource, without what was deleted or hidden.
    let found = |i: usize| {
        refreshed[i]["edges"]
            .as_array()
            .into_iter()
            .flatten()
            .map(|e| e["node"]["title"].as_str().unwrap_or_default().to_owned())
            .collect::<Vec<_>>()
    };
    // "pademelon", anonymous then admin: the renamed resource is on the roadmap now a draft.
    assert_eq!(found(8), ["Pademelon quokka"]);
    assert_eq!(found(9), ["Pademelon quokka", "Pademelon"]);
    let anonymous = found(0);
    assert!(
        !found(1).iter().any(|t| t.contains("quokka-four")),
        "{:?}",
        found(1)
    );
    assert!(
        !anonymous.iter().any(|t| t.contains("quokka-three")),
        "{anonymous:?}"
    );
    assert!(
        !anonymous.iter().any(|t| t == "Quokka quokka-two 2"),
        "{anonymous:?}"
    );
    assert!(
        anonymous.iter().any(|t| t == "Quokka quokka-two 3"),
        "{anonymous:?}"
    );
    assert!(
        !anonymous.iter().any(|t| t == "Quokka diet"),
        "{anonymous:?}"
    );
}

/// A refresh reads again only the roadmaps whose `search_stamps` counter moved: a title changed
/// by hand with the counter put back is not seen by the running index (kept as read), while the
/// roadmap edited through the API is; a server building from scratch sees both.
#[tokio::test]
async fn a_refresh_reads_again_only_the_roadmaps_whose_counter_moved() {
    use sea_orm::ConnectionTrait;
    let app = spawn_app().await;
    let admin = app.admin_token().await;
    let a = create_roadmap(&app, &admin, "numbat-a").await;
    let b = create_roadmap(&app, &admin, "numbat-b").await;
    topic(&app, &admin, &a, "Numbat alpha", "").await;
    let beta = topic(&app, &admin, &b, "Numbat beta", "").await;
    let vars = json!({ "q": "numbat", "k": ["TOPIC"] });
    assert_eq!(
        titles(&app, None, vars.clone()).await,
        ["Numbat alpha", "Numbat beta"]
    );
    let db = app.db.connect().await;
    for sql in [
        "UPDATE topics SET title = 'Numbat gamma' WHERE title = 'Numbat alpha'",
        "UPDATE search_stamps SET stamp = stamp - 1 WHERE roadmap_id = \
         (SELECT roadmap_id FROM topics WHERE title = 'Numbat gamma')",
    ] {
        db.execute_unprepared(sql).await.expect(sql);
    }
    let rename = "mutation($id: ID!) { updateTopic(id: $id, input: { title: \"Numbat delta\" })
        { id } }";
    ok(&app, &admin, rename, json!({ "id": beta["id"] })).await;
    assert_eq!(
        titles(&app, None, vars.clone()).await,
        ["Numbat alpha", "Numbat delta"]
    );
    let fresh = spawn_on(app.db.clone()).await;
    assert_eq!(
        titles(&fresh, None, vars).await,
        ["Numbat gamma", "Numbat delta"]
    );
}
