//! What a roadmap may store in all: a whole-document byte limit, a revision history pruned to its
//! retention rule, answers that stay small after many big edits, and the text and URL rules.
use sea_orm::{ColumnTrait, EntityTrait, QueryFilter};
use serde_json::{json, Value};

use crate::helpers::catalog::{create_roadmap, fails, ok};
use crate::helpers::{spawn_app, spawn_app_with, TestApp};

const UPDATE_TOPIC: &str = "mutation($id: ID!, $d: String!) {
    updateTopic(id: $id, input: { description: $d }) { id } }";
const CREATE_TOPIC: &str = "mutation($r: ID!, $d: String!) {
    createTopic(roadmapId: $r, input: { title: \"Big\", description: $d }) { id } }";
const REVISIONS: &str = "query($slug: String!) { roadmap(slug: $slug) {
    revisions(first: 100) { totalCount edges { node { mutation diff } } } } }";
const UPDATE_ROADMAP: &str = "mutation($id: ID!, $i: UpdateRoadmapInput!) {
    updateRoadmap(id: $id, input: $i) { id } }";
const COMMUNITY: &str = "query { communityRoadmaps(first: 100) {
    nodes { slug title description briefDescription tags } } }";

/// A description as large as a topic may have, in four-byte characters: 80 KB of UTF-8.
fn biggest_description(mark: char) -> String {
    std::iter::once(mark)
        .chain(std::iter::repeat_n('🦀', 19_999))
        .collect()
}

async fn revision_bytes(app: &TestApp, roadmap_id: entity::ids::RoadmapId) -> (usize, i64) {
    let db = app.db.connect().await;
    let rows = entity::roadmap_revisions::Entity::find()
        .filter(entity::roadmap_revisions::Column::RoadmapId.eq(roadmap_id))
        .all(&db)
        .await
        .unwrap();
    (rows.len(), rows.iter().map(|r| r.bytes).sum())
}

#[tokio::test]
async fn big_edits_prune_old_revisions_and_keep_pages_small() {
    let app = spawn_app_with(|s| s.hardening.rate_limit_user_points = 100_000).await;
    let admin = app.admin_session("root").await;
    let token = admin.access_token.as_str();
    let roadmap = create_roadmap(&app, token, "big").await;
    let topic = ok(
        &app,
        token,
        CREATE_TOPIC,
        json!({ "r": roadmap["id"], "d": "small" }),
    )
    .await["createTopic"]["id"]
        .clone();
    // 30 edits of 80 KB each way: 4.8 MB of diffs without the retention rule.
    for i in 0..30u32 {
        let mark = char::from_u32('A' as u32 + (i % 26)).unwrap();
        ok(
            &app,
            token,
            UPDATE_TOPIC,
            json!({ "id": topic, "d": biggest_description(mark) }),
        )
        .await;
    }
    let row = crate::helpers::catalog::roadmap_row(&app, "big").await;
    let (kept, bytes) = revision_bytes(&app, row.id).await;
    assert!(kept < 32, "{kept} revisions kept");
    assert!(bytes <= 2 * 1024 * 1024, "{bytes} bytes of revisions kept");
    // The newest edit is kept, whole.
    let page = app.gql_as(token, REVISIONS, json!({ "slug": "big" })).await;
    let text = page.to_string();
    assert!(
        text.len() < 3 * 1024 * 1024,
        "revisions page of {} bytes",
        text.len()
    );
    let newest = &page["data"]["roadmap"]["revisions"]["edges"][0]["node"];
    assert_eq!(newest["mutation"], "updateTopic", "{newest}");
    let last_mark = char::from_u32('A' as u32 + 29 % 26).unwrap();
    assert_eq!(
        newest["diff"]["after"]["description"],
        json!(biggest_description(last_mark))
    );
}

#[tokio::test]
async fn a_roadmap_document_has_a_byte_limit_for_edits_and_imports() {
    let app = spawn_app_with(|s| s.hardening.rate_limit_user_points = 100_000).await;
    let admin = app.admin_session("root").await;
    let token = admin.access_token.as_str();
    let roadmap = create_roadmap(&app, token, "full").await;
    // 4 MiB / 80 KB: about 52 topics fit; the next one is refused, and nothing of it is stored.
    let mut created = 0;
    let mut last = Value::Null;
    let refusal = loop {
        let body = app
            .gql_as(
                token,
                CREATE_TOPIC,
                json!({ "r": roadmap["id"], "d": biggest_description('x') }),
            )
            .await;
        if body.get("errors").is_some() {
            break body;
        }
        last = body["data"]["createTopic"]["id"].clone();
        created += 1;
        assert!(created < 80, "no document limit after {created} topics");
    };
    let e = &refusal["errors"][0];
    assert_eq!(e["extensions"]["code"], "BAD_USER_INPUT", "{refusal}");
    assert_eq!(e["extensions"]["field"], "input");
    assert!(
        e["message"].as_str().unwrap().contains("4194304 bytes"),
        "{e}"
    );
    assert!((45..60).contains(&created), "{created} topics fitted");
    let row = crate::helpers::catalog::roadmap_row(&app, "full").await;
    let db = app.db.connect().await;
    let topics = entity::topics::Entity::find()
        .filter(entity::topics::Column::RoadmapId.eq(row.id))
        .all(&db)
        .await
        .unwrap();
    assert_eq!(topics.len(), created);
    // A full roadmap can still be shortened.
    ok(
        &app,
        token,
        UPDATE_TOPIC,
        json!({ "id": last, "d": "short" }),
    )
    .await;

    // An import of a document over the limit is refused as a whole.
    let big_topics: Vec<Value> = (0..60)
        .map(|i| {
            json!({ "id": format!("t{i}"), "kind": "TOPIC", "title": "T",
                         "description": biggest_description('y') })
        })
        .collect();
    let doc = json!({ "format": "roadmap-api/roadmap@1",
        "roadmap": { "slug": "huge", "title": "H", "briefTitle": "H", "description": "d",
                     "briefDescription": "b", "order": 1, "kind": "SKILL" },
        "topics": big_topics });
    let app2 = spawn_app_with(|s| s.hardening.max_body_bytes = 16 << 20).await;
    let admin2 = app2.admin_session("root").await;
    let (code, field, message) = fails(
        &app2,
        &admin2.access_token,
        "mutation($d: JSON!) { importRoadmap(document: $d) { slug } }",
        json!({ "d": doc }),
    )
    .await;
    assert_eq!(
        (code.as_str(), field.as_str()),
        ("BAD_USER_INPUT", "document")
    );
    assert!(message.contains("4194304 bytes"), "{message}");
}

#[tokio::test]
async fn anonymous_community_listing_stays_small_after_big_edits() {
    let app = spawn_app_with(|s| s.hardening.rate_limit_user_points = 100_000).await;
    let alice = app.signup("alice").await;
    let mine = ok(
        &app,
        &alice.access_token,
        "mutation { createRoadmap(input: { slug: \"alices\", title: \"A\", briefTitle: \"A\", \
         description: \"d\", briefDescription: \"b\", kind: SKILL, visibility: PUBLIC }) { id } }",
        json!({}),
    )
    .await["createRoadmap"]["id"]
        .clone();
    let crabs = |n: usize| "🦀".repeat(n);
    for _ in 0..20 {
        ok(
            &app,
            &alice.access_token,
            UPDATE_ROADMAP,
            json!({ "id": mine, "i": {
                "description": crabs(10_000), "briefDescription": crabs(1_000),
                "seo": { "description": crabs(1_000), "keywords": vec![crabs(100); 30] },
                "relatedQuestions": vec![crabs(200); 20],
                "question": { "title": crabs(300), "description": crabs(10_000) } } }),
        )
        .await;
    }
    let listing = app.gql(COMMUNITY, json!({})).await;
    assert!(listing.get("errors").is_none(), "{listing}");
    let bytes = listing.to_string().len();
    assert!(bytes < 100_000, "community listing of {bytes} bytes");
    // One more character anywhere is refused.
    let (code, field, _) = fails(
        &app,
        &alice.access_token,
        UPDATE_ROADMAP,
        json!({ "id": mine, "i": { "seo": { "keywords": vec!["k"; 31] } } }),
    )
    .await;
    assert_eq!(
        (code.as_str(), field.as_str()),
        ("BAD_USER_INPUT", "seo.keywords")
    );
}

#[tokio::test]
async fn text_and_url_rules_refuse_hidden_characters_and_accept_every_script() {
    let app = spawn_app().await;
    let ada = app.signup("ada").await;
    let token = ada.access_token.as_str();
    let create = "mutation($i: CreateRoadmapInput!) { createRoadmap(input: $i) { id title } }";
    let base = json!({ "slug": "texts", "title": "T", "briefTitle": "B", "description": "D",
                       "briefDescription": "BD", "kind": "SKILL" });
    let with = |k: &str, v: Value| {
        let mut i = base.clone();
        i[k] = v;
        json!({ "i": i })
    };
    let refused = [
        ("title", json!("a\u{0}b"), "title"),
        ("title", json!("evil\u{202E}gpj.exe"), "title"),
        ("title", json!("iso\u{2066}late"), "title"),
        ("title", json!("\u{200B}\u{200D}"), "title"),
        ("title", json!("\u{FEFF}"), "title"),
        ("title", json!("bell\u{7}"), "title"),
        ("briefTitle", json!("two\nlines"), "briefTitle"),
        ("description", json!("a\u{0}b"), "description"),
        ("pdfUrl", json!("/\\evil.example"), "pdfUrl"),
        ("pdfUrl", json!("//evil.example/x.pdf"), "pdfUrl"),
        ("pdfUrl", json!("javascript:alert(1)"), "pdfUrl"),
        (
            "jsonUrl",
            json!("https://example.org/\"onload=x"),
            "jsonUrl",
        ),
        ("jsonUrl", json!("https://example.org/\u{202E}x"), "jsonUrl"),
        ("jsonUrl", json!("https://exa mple.org"), "jsonUrl"),
    ];
    for (key, value, field) in refused {
        let (code, f, _) = fails(&app, token, create, with(key, value.clone())).await;
        assert_eq!(
            (code.as_str(), f.as_str()),
            ("BAD_USER_INPUT", field),
            "{value}"
        );
    }
    // Resources: http(s) only, no quotes or bidi characters.
    let roadmap =
        ok(&app, token, create, with("title", json!("Mine"))).await["createRoadmap"]["id"].clone();
    let topic = ok(
        &app,
        token,
        "mutation($r: ID!) { createTopic(roadmapId: $r, input: { title: \"T\" }) { id } }",
        json!({ "r": roadmap }),
    )
    .await["createTopic"]["id"]
        .clone();
    for url in [
        "https://example.org/\"x",
        "/site/path",
        "https://e.org/\u{2067}x",
    ] {
        let (code, f, _) = fails(
            &app,
            token,
            "mutation($t: ID!, $u: String!) { addResource(topicId: $t,
                input: { kind: ARTICLE, title: \"R\", url: $u }) { resource { id } } }",
            json!({ "t": topic, "u": url }),
        )
        .await;
        assert_eq!(
            (code.as_str(), f.as_str()),
            ("BAD_USER_INPUT", "url"),
            "{url}"
        );
    }
    // Names: display names and team names refuse the same characters.
    let (code, f, _) = fails(
        &app,
        token,
        "mutation { updateProfile(input: { displayName: \"Ada\u{202E}\" }) { id } }",
        json!({}),
    )
    .await;
    assert_eq!(
        (code.as_str(), f.as_str()),
        ("BAD_USER_INPUT", "displayName")
    );
    let (code, f, _) = fails(
        &app,
        token,
        "mutation { createTeam(input: { name: \"\u{200B}\", kind: COMPANY }) { id } }",
        json!({}),
    )
    .await;
    assert_eq!((code.as_str(), f.as_str()), ("BAD_USER_INPUT", "name"));

    // Every script, accents, emoji and right-to-left text without overrides are accepted.
    for (i, title) in [
        "Café crème",
        "日本語のロードマップ",
        "Rust 🦀 & Go 👩‍💻",
        "مرحبا بالعالم",
        "שלום עולם",
        "Ελληνικά και हिन्दी",
    ]
    .iter()
    .enumerate()
    {
        let mut i_ = base.clone();
        i_["slug"] = json!(format!("script-{i}"));
        i_["title"] = json!(title);
        i_["pdfUrl"] = json!("/pdfs/x.pdf");
        let made = ok(&app, token, create, json!({ "i": i_ })).await;
        assert_eq!(made["createRoadmap"]["title"], json!(title));
    }
}

#[tokio::test]
async fn notes_have_a_per_user_quota_of_characters() {
    let app = spawn_app_with(|s| s.hardening.rate_limit_user_points = 100_000).await;
    let ada = app.signup("ada").await;
    let (_, topics) = crate::helpers::progress::topics_of(&app, "backend").await;
    assert!(topics.len() > 101, "{} topics", topics.len());
    let note = "n".repeat(10_000);
    let set =
        "mutation($t: ID!, $n: String) { setTopicNote(topicId: $t, note: $n) { topic { id } } }";
    // 100 notes of 10,000 characters fill the 1,000,000 characters a learner may keep.
    for (id, _) in &topics[..100] {
        ok(&app, &ada.access_token, set, json!({ "t": id, "n": note })).await;
    }
    let (code, field, message) = fails(
        &app,
        &ada.access_token,
        set,
        json!({ "t": topics[100].0, "n": "one more" }),
    )
    .await;
    assert_eq!((code.as_str(), field.as_str()), ("BAD_USER_INPUT", "note"));
    assert!(message.contains("1000000 characters"), "{message}");
    // Nothing of the refused note was stored; shortening one makes room again.
    ok(
        &app,
        &ada.access_token,
        set,
        json!({ "t": topics[0].0, "n": "short" }),
    )
    .await;
    ok(
        &app,
        &ada.access_token,
        set,
        json!({ "t": topics[100].0, "n": "one more" }),
    )
    .await;
}
