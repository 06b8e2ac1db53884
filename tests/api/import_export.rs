//! Import and export of roadmaps (GraphQL and CLI, JSON and markdown): round trips, REPLACE imports
//! that keep learners' progress, all-or-nothing imports, and errors that name file and line.

use std::collections::{BTreeMap, HashSet};

use base64::Engine;
use serde_json::{json, Value};

use crate::helpers::catalog::*;
use crate::helpers::*;

/// The scenario of the issue: a learner's progress survives an admin moving, renaming and
/// deleting topics and re-importing the roadmap with REPLACE.
#[tokio::test]
async fn learner_progress_survives_edits_and_replace_import() {
    let app = spawn_app().await;
    let admin = app.admin_token().await;
    let learner = app.signup("learner3").await;
    let uid = user_number(&learner.user_id);
    let backend = roadmap_row(&app, "backend").await;
    let all: Vec<String> = live_topic_keys(&app, backend.id)
        .await
        .into_iter()
        .collect();
    record_progress(&app, uid, backend.id, &all).await;
    let before: BTreeMap<String, (entity::enums::ProgressStatus, chrono::DateTime<chrono::Utc>)> =
        progress_rows(&app, uid)
            .await
            .into_iter()
            .map(|p| (p.topic_id.0, (p.status, p.updated_at)))
            .collect();

    // The tree as the admin sees it.
    let tree_q = "query { roadmap(slug: \"backend\") { topics { id key title children { id key title children { id key } } } } }";
    let tree = ok(&app, &admin, tree_q, json!({})).await;
    let roots = tree["roadmap"]["topics"].as_array().unwrap().clone();
    let gid =
        |key: &str| base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(format!("Topic:{key}"));

    // Move a subtopic to another root, rename a topic, delete a subtree.
    let moved = roots[1]["children"][0].clone();
    ok(
        &app,
        &admin,
        ops::MOVE_TOPIC,
        json!({ "id": moved["id"], "p": roots[2]["id"], "pos": 0 }),
    )
    .await;
    ok(
        &app,
        &admin,
        ops::UPDATE_TOPIC,
        json!({ "id": roots[3]["id"], "i": { "title": "Renamed by an admin" } }),
    )
    .await;
    let deleted = ok(
        &app,
        &admin,
        ops::DELETE_TOPIC,
        json!({ "id": roots[4]["id"] }),
    )
    .await;
    let deleted_ids: Vec<String> = deleted["deleteTopic"]["deletedTopicIds"]
        .as_array()
        .unwrap()
        .iter()
        .map(|v| v.as_str().unwrap().to_owned())
        .collect();
    assert!(deleted_ids.len() > 1, "want a subtree: {deleted_ids:?}");

    // Re-import the current export with REPLACE after editing it: one topic removed, one renamed,
    // one added.
    let export = ok(&app, &admin, ops::EXPORT_ROADMAP, json!({ "s": "backend" })).await;
    let mut doc = export["exportRoadmap"]["document"].clone();
    // A root (not the one renamed below) whose last child is a leaf: that leaf goes.
    let i = (0..doc["topics"].as_array().unwrap().len())
        .find(|i| {
            *i != 5
                && doc["topics"][*i]["children"]
                    .as_array()
                    .unwrap()
                    .last()
                    .is_some_and(|c| c["children"].as_array().unwrap().is_empty())
        })
        .expect("a root with a leaf child");
    let removed_key = doc["topics"][i]["children"]
        .as_array_mut()
        .unwrap()
        .pop()
        .unwrap()["id"]
        .as_str()
        .unwrap()
        .to_owned();
    doc["topics"][5]["title"] = json!("Renamed in the document");
    let renamed_key = doc["topics"][5]["id"].as_str().unwrap().to_owned();
    doc["topics"][i]["children"].as_array_mut().unwrap().push(json!({ "id": "brandNewTopic0001", "kind": "SUBTOPIC",
        "title": "A new topic", "description": "Added by the import.", "legend": null,
        "resources": [{ "kind": "ARTICLE", "title": "Read", "url": "https://example.org/new" }], "children": [] }));
    let d = ok(
        &app,
        &admin,
        ops::IMPORT_ROADMAP,
        json!({ "d": doc, "m": "REPLACE" }),
    )
    .await;
    let rep = &d["importRoadmap"];
    assert_eq!(rep["created"], false);
    assert_eq!(rep["addedTopicIds"], json!(["brandNewTopic0001"]));
    assert_eq!(rep["changedTopicIds"], json!([renamed_key]));
    assert_eq!(rep["removedTopicIds"], json!([removed_key]));
    assert_eq!(
        (
            rep["topicsAdded"].as_i64(),
            rep["topicsChanged"].as_i64(),
            rep["topicsRemoved"].as_i64()
        ),
        (Some(1), Some(1), Some(1))
    );
    assert_eq!(rep["roadmapChanged"], false);

    // Statuses on the remaining topics are exactly as they were; nothing was deleted.
    let live = live_topic_keys(&app, backend.id).await;
    let after = progress_rows(&app, uid).await;
    assert_eq!(after.len(), before.len(), "progress rows lost or added");
    for p in &after {
        assert_eq!(
            before.get(p.topic_id.as_str()),
            Some(&(p.status, p.updated_at)),
            "{} changed",
            p.topic_id
        );
        assert!(p.archived_at.is_none());
    }
    let gone: HashSet<String> = deleted_ids
        .iter()
        .map(|g| {
            let raw = base64::engine::general_purpose::URL_SAFE_NO_PAD
                .decode(g)
                .unwrap();
            String::from_utf8(raw)
                .unwrap()
                .trim_start_matches("Topic:")
                .to_owned()
        })
        .chain([removed_key.clone()])
        .collect();
    assert!(gone.iter().all(|k| !live.contains(k)));
    assert!(
        gone.iter()
            .all(|k| after.iter().any(|p| p.topic_id.as_str() == k)),
        "progress on deleted topics must be kept"
    );

    // 100 % is still reachable: the learner marks the new topic, and then every live topic has
    // exactly one counted (non-archived) status, and nothing else counts.
    record_progress(&app, uid, backend.id, &["brandNewTopic0001".to_owned()]).await;
    let counted = progress_rows(&app, uid)
        .await
        .into_iter()
        .filter(|p| p.archived_at.is_none() && live.contains(p.topic_id.as_str()))
        .count();
    let live_now = live_topic_keys(&app, backend.id).await;
    assert_eq!(counted, live_now.len());
    let d = ok(
        &app,
        &learner.access_token,
        "query { roadmap(slug: \"backend\") { topicCount } }",
        json!({}),
    )
    .await;
    assert_eq!(
        d["roadmap"]["topicCount"].as_u64(),
        Some(live_now.len() as u64)
    );
    // The moved topic kept its key and sits under its new parent.
    let t = ok(
        &app,
        &learner.access_token,
        "query($id: ID!) { topic(id: $id) { key parent { key } } }",
        json!({ "id": gid(moved["key"].as_str().unwrap()) }),
    )
    .await;
    assert_eq!(t["topic"]["parent"]["key"], roots[2]["key"]);
}

#[tokio::test]
async fn replace_import_is_all_or_nothing_and_revives_topics() {
    let app = spawn_app().await;
    let admin = app.admin_token().await;
    let r = create_roadmap(&app, &admin, "atomic").await;
    let a = create_topic(&app, &admin, &r, None, None, "A").await;
    let _b = create_topic(&app, &admin, &r, Some(&a), None, "B").await;
    let original = ok(&app, &admin, ops::EXPORT_ROADMAP, json!({ "s": "atomic" })).await
        ["exportRoadmap"]["document"]
        .clone();

    // A document that steals a topic id of another roadmap: refused, and nothing changed.
    let backend_topic = live_topic_keys(&app, roadmap_row(&app, "backend").await.id)
        .await
        .into_iter()
        .next()
        .unwrap();
    let mut bad = original.clone();
    bad["roadmap"]["title"] = json!("Changed title");
    bad["topics"][0]["title"] = json!("Changed A");
    bad["topics"]
        .as_array_mut()
        .unwrap()
        .push(json!({ "id": backend_topic, "kind": "TOPIC", "title": "Stolen" }));
    let (code, field, _) = fails(
        &app,
        &admin,
        ops::IMPORT_ROADMAP,
        json!({ "d": bad, "m": "REPLACE" }),
    )
    .await;
    assert_eq!((code.as_str(), field.as_str()), ("CONFLICT", "topics"));
    let now = ok(&app, &admin, ops::EXPORT_ROADMAP, json!({ "s": "atomic" })).await
        ["exportRoadmap"]["document"]
        .clone();
    assert_eq!(now, original);

    // REPLACE with everything removed soft-deletes; REPLACE with the original brings them back.
    let mut empty = original.clone();
    empty["topics"] = json!([]);
    let d = ok(
        &app,
        &admin,
        ops::IMPORT_ROADMAP,
        json!({ "d": empty, "m": "REPLACE" }),
    )
    .await;
    assert_eq!(d["importRoadmap"]["topicsRemoved"], 2);
    assert_eq!(d["importRoadmap"]["roadmap"]["topicCount"], 0);
    let d = ok(
        &app,
        &admin,
        ops::IMPORT_ROADMAP,
        json!({ "d": original, "m": "REPLACE" }),
    )
    .await;
    assert_eq!(d["importRoadmap"]["topicsAdded"], 2);
    let again = ok(&app, &admin, ops::EXPORT_ROADMAP, json!({ "s": "atomic" })).await
        ["exportRoadmap"]["document"]
        .clone();
    assert_eq!(again["topics"], original["topics"]);
    // CREATE with a taken slug is a CONFLICT on `slug`.
    let (code, field, _) = fails(
        &app,
        &admin,
        ops::IMPORT_ROADMAP,
        json!({ "d": original, "m": "CREATE" }),
    )
    .await;
    assert_eq!((code.as_str(), field.as_str()), ("CONFLICT", "slug"));
}

#[tokio::test]
async fn export_import_round_trip_is_byte_identical() {
    let app = spawn_app().await;
    let admin = app.admin_token().await;
    let dir = tempfile::tempdir().unwrap();
    let json1 = dir.path().join("backend.json");
    let md1 = dir.path().join("backend-md");
    run_ok(app.cli(&[
        "export",
        "--slug",
        "backend",
        "--format",
        "json",
        "--out",
        json1.to_str().unwrap(),
    ]));
    run_ok(app.cli(&[
        "export",
        "--slug",
        "backend",
        "--format",
        "markdown",
        "--out",
        md1.to_str().unwrap(),
    ]));
    let e1 = std::fs::read_to_string(&json1).unwrap();
    let m1 = read_folder(&md1);
    assert!(e1.ends_with("}\n") && e1.contains("\n  \"format\": \"roadmap-api/roadmap@1\""));

    // The GraphQL export is the same bytes.
    let x = ok(&app, &admin, ops::EXPORT_ROADMAP, json!({ "s": "backend" })).await;
    assert_eq!(x["exportRoadmap"]["json"], e1);
    let files: BTreeMap<String, String> = x["exportRoadmap"]["markdownFiles"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| {
            (
                f["path"].as_str().unwrap().to_owned(),
                f["content"].as_str().unwrap().to_owned(),
            )
        })
        .collect();
    assert_eq!(files, m1);
    let topics = serde_json::from_str::<Value>(&e1).unwrap();
    let mut all = Vec::new();
    walk(&topics["topics"], &mut all);
    assert_eq!(
        m1.keys().filter(|k| k.starts_with("content/")).count(),
        all.len()
    );
    assert!(m1
        .keys()
        .any(|k| k.starts_with("content/") && k.contains('@')));
    let sample = m1
        .iter()
        .find(|(k, _)| k.starts_with("content/"))
        .unwrap()
        .1;
    assert!(
        sample.starts_with("# ") && sample.contains("- [@"),
        "{sample}"
    );
    assert!(m1["roadmap.md"].starts_with("---\nformat: roadmap-api/roadmap@1\n"));

    // REPLACE with its own export (either format) changes nothing.
    for path in [&json1, &md1] {
        let out = run_ok(app.cli(&["import", "--mode", "replace", path.to_str().unwrap()]));
        assert!(out.contains("no changes"), "{out}");
        assert_eq!(
            ok(&app, &admin, ops::EXPORT_ROADMAP, json!({ "s": "backend" })).await["exportRoadmap"]
                ["json"],
            e1
        );
    }

    // Into another database: the markdown folder (CREATE) gives back the same JSON and markdown.
    let app2 = spawn_app_with(|s| s.seed_defaults = false).await;
    let others = tempfile::tempdir().unwrap();
    for f in std::fs::read_dir(concat!(env!("CARGO_MANIFEST_DIR"), "/data/roadmaps")).unwrap() {
        let p = f.unwrap().path();
        if p.extension().is_some_and(|e| e == "json") && !p.ends_with("backend.json") {
            std::fs::copy(&p, others.path().join(p.file_name().unwrap())).unwrap();
        }
    }
    let out = run_ok(app2.cli(&["import", others.path().to_str().unwrap()]));
    assert!(
        out.contains("import summary: 10 imported, 0 failed"),
        "{out}"
    );
    let out = run_ok(app2.cli(&["import", md1.to_str().unwrap()]));
    assert!(out.contains("imported backend"), "{out}");
    let json2 = dir.path().join("backend2.json");
    let md2 = dir.path().join("backend2-md");
    run_ok(app2.cli(&[
        "export",
        "--slug",
        "backend",
        "--out",
        json2.to_str().unwrap(),
    ]));
    run_ok(app2.cli(&[
        "export",
        "--slug",
        "backend",
        "--format",
        "markdown",
        "--out",
        md2.to_str().unwrap(),
    ]));
    assert!(
        std::fs::read_to_string(&json2).unwrap() == e1,
        "JSON export differs after the round trip"
    );
    assert!(
        read_folder(&md2) == m1,
        "markdown export differs after the round trip"
    );
    // Exporting again into the same folder replaces it cleanly.
    run_ok(app2.cli(&[
        "export",
        "--slug",
        "backend",
        "--format",
        "markdown",
        "--out",
        md2.to_str().unwrap(),
    ]));
    assert!(read_folder(&md2) == m1);
}

#[tokio::test]
async fn malformed_imports_name_file_and_line_and_write_nothing() {
    let app = spawn_app().await;
    let admin = app.admin_token().await;
    let r = create_roadmap(&app, &admin, "small").await;
    let a = create_topic(&app, &admin, &r, None, None, "Alpha").await;
    let b = create_topic(&app, &admin, &r, Some(&a), None, "Beta").await;
    let add = ops::ADD_RESOURCE;
    ok(&app, &admin, add, json!({ "t": b["id"], "i": { "kind": "OFFICIAL", "title": "Docs", "url": "https://example.org/docs" } })).await;
    let x = ok(&app, &admin, ops::EXPORT_ROADMAP, json!({ "s": "small" })).await;
    let files: Vec<Value> = x["exportRoadmap"]["markdownFiles"]
        .as_array()
        .unwrap()
        .clone();
    let original_json = x["exportRoadmap"]["json"].as_str().unwrap().to_owned();
    let bkey = b["key"].as_str().unwrap();
    let beta_path = format!("content/beta@{bkey}.md");
    assert!(files.iter().any(|f| f["path"] == beta_path), "{files:?}");

    let with = |path: &str, edit: &dyn Fn(&str) -> String| -> Value {
        json!(files
            .iter()
            .map(|f| if f["path"] == path {
                json!({ "path": path, "content": edit(f["content"].as_str().unwrap()) })
            } else {
                f.clone()
            })
            .collect::<Vec<_>>())
    };
    let line_of =
        |text: &str, needle: &str| text.lines().position(|l| l.contains(needle)).unwrap() + 1;
    let content = |path: &str| {
        files.iter().find(|f| f["path"] == path).unwrap()["content"]
            .as_str()
            .unwrap()
            .to_owned()
    };

    let roadmap_md = content("roadmap.md");
    let tree = content("tree.json");
    let beta = content(&beta_path);
    let cases: Vec<(Value, String)> = vec![
        // Bad front matter: an unknown key, and YAML that does not parse.
        (
            with("roadmap.md", &|t| {
                t.replace("order: ", "colour: blue\norder: ")
            }),
            format!(
                "roadmap.md:{}: bad front matter",
                line_of(&roadmap_md, "order: ")
            ),
        ),
        (
            with("roadmap.md", &|t| {
                t.replace("title: small roadmap", "title: [unclosed")
            }),
            "roadmap.md:".into(),
        ),
        (
            with("roadmap.md", &|t| {
                t.replace("slug: small", "slug: Not A Slug")
            }),
            format!(
                "roadmap.md:{}: `roadmap.slug`",
                line_of(&roadmap_md, "slug: small")
            ),
        ),
        // Unknown resource type.
        (
            with(&beta_path, &|t| t.replace("[@official@", "[@blog@")),
            format!(
                "{beta_path}:{}: unknown resource type `blog`",
                line_of(&beta, "[@official@")
            ),
        ),
        (
            with(&beta_path, &|t| {
                t.replace("https://example.org/docs", "ftp://example.org/docs")
            }),
            format!("{beta_path}:{}:", line_of(&beta, "[@official@")),
        ),
        // Duplicate topic id, dangling parent.
        (
            with("tree.json", &|t| {
                t.replace(
                    &format!("{{\"id\":\"{bkey}\""),
                    &format!("{{\"id\":\"{}\"", a["key"].as_str().unwrap()),
                )
            }),
            format!(
                "tree.json:{}: duplicate topic id",
                line_of(&tree, &format!("\"id\":\"{bkey}\""))
            ),
        ),
        (
            with("tree.json", &|t| {
                t.replace(
                    &format!("\"parent\":\"{}\"", a["key"].as_str().unwrap()),
                    "\"parent\":\"ghost\"",
                )
            }),
            format!(
                "tree.json:{}: dangling parent `ghost`",
                line_of(&tree, &format!("\"id\":\"{bkey}\""))
            ),
        ),
        (
            with(&beta_path, &|t| {
                t.replacen("# Beta", "Beta without a heading", 1)
            }),
            format!("{beta_path}:1:"),
        ),
    ];
    for (mode, (files, want)) in ["CREATE", "REPLACE"]
        .iter()
        .flat_map(|m| cases.iter().map(move |c| (m, c)))
    {
        let (code, field, msg) = fails(
            &app,
            &admin,
            ops::IMPORT_ROADMAP,
            json!({ "f": files, "m": mode }),
        )
        .await;
        assert_eq!(
            (code.as_str(), field.as_str()),
            ("BAD_USER_INPUT", "files"),
            "{msg}"
        );
        assert!(
            msg.starts_with(want.as_str()),
            "{mode}: want `{want}…`, got `{msg}`"
        );
    }
    // JSON documents: the line of the duplicate id.
    let mut doc: Value = serde_json::from_str(&original_json).unwrap();
    doc["topics"][0]["children"][0]["id"] = a["key"].clone();
    let text = serde_json::to_string_pretty(&doc).unwrap();
    let dup_line = text
        .lines()
        .enumerate()
        .filter(|(_, l)| l.contains(&format!("\"id\": \"{}\"", a["key"].as_str().unwrap())))
        .nth(1)
        .unwrap()
        .0
        + 1;
    let (code, _, msg) = fails(
        &app,
        &admin,
        ops::IMPORT_ROADMAP,
        json!({ "d": text, "m": "REPLACE" }),
    )
    .await;
    assert_eq!(code, "BAD_USER_INPUT");
    assert!(
        msg.starts_with(&format!("document:{dup_line}: duplicate topic id")),
        "{msg}"
    );
    // And through the CLI, naming the file.
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("dup.json");
    std::fs::write(&path, &text).unwrap();
    let out = app.cli(&["import", "--mode", "replace", path.to_str().unwrap()]);
    assert!(!out.status.success());
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(
        stdout.contains(&format!(
            "{}:{dup_line}: duplicate topic id",
            path.display()
        )),
        "{stdout}"
    );
    let md = dir.path().join("md");
    std::fs::create_dir_all(md.join("content")).unwrap();
    for f in with(&beta_path, &|t| t.replace("[@official@", "[@blog@"))
        .as_array()
        .unwrap()
    {
        std::fs::write(
            md.join(f["path"].as_str().unwrap()),
            f["content"].as_str().unwrap(),
        )
        .unwrap();
    }
    let out = app.cli(&["import", "--mode", "replace", md.to_str().unwrap()]);
    assert!(!out.status.success());
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(
        stdout.contains(&format!("{}/{beta_path}:", md.display()))
            && stdout.contains("unknown resource type `blog`"),
        "{stdout}"
    );

    // Nothing was written by any of them.
    let now = ok(&app, &admin, ops::EXPORT_ROADMAP, json!({ "s": "small" })).await;
    assert_eq!(
        now["exportRoadmap"]["json"].as_str().unwrap(),
        original_json
    );
}
