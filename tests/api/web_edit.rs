//! The web app's editing, team and profile pages in headless Chromium: an owner adds, renames,
//! moves up, re-parents and deletes topics and adds a resource, and a conflicting edit is
//! explained with the owner's text kept; a team page adds a roadmap and shows members' progress
//! and activity, and takes an invite; a public profile shows its badge; a community roadmap is
//! rated and forked; the dashboard exports. axe-core and 375 px on each page.
use serde_json::{json, Value};

use crate::helpers::browser::{chromium_or_skip, Browser};
use crate::helpers::chart;
use crate::helpers::web::{Check, Web};
use crate::helpers::*;

#[tokio::test]
async fn web_app_owner_edits_a_roadmap_and_sees_team_and_profile() {
    let Some((chromium, chromedriver)) =
        chromium_or_skip("web_app_owner_edits_a_roadmap_and_sees_team_and_profile")
    else {
        return;
    };
    let app = spawn_app().await;
    let owner = app.signup("owner").await;
    let browser = Browser::start(&chromium, &chromedriver).await;
    let outcome = edit_flow(&browser, &app, &owner).await;
    browser.close().await;
    outcome.unwrap_or_else(|failure| panic!("{failure}"));
}

/// The roadmap's tree as `[title, [children…]]` pairs, and the ids by title.
async fn tree(app: &TestApp, owner: &Session) -> (Value, Vec<(String, String)>) {
    let data = api(
        app,
        owner,
        "{ roadmap(slug: \"my-map\") { topics { id title resources { title } children { id title \
         resources { title } } } } }",
        json!({}),
    )
    .await;
    let mut ids = Vec::new();
    let shape = |ts: &Value, ids: &mut Vec<(String, String)>| -> Value {
        let mut out = Vec::new();
        for t in ts.as_array().into_iter().flatten() {
            ids.push((
                t["title"].as_str().unwrap().to_owned(),
                t["id"].as_str().unwrap().to_owned(),
            ));
            let children: Vec<Value> = t["children"]
                .as_array()
                .into_iter()
                .flatten()
                .map(|c| {
                    ids.push((
                        c["title"].as_str().unwrap().to_owned(),
                        c["id"].as_str().unwrap().to_owned(),
                    ));
                    c["title"].clone()
                })
                .collect();
            out.push(json!([
                t["title"],
                children,
                t["resources"].as_array().map(Vec::len)
            ]));
        }
        Value::Array(out)
    };
    let s = shape(&data["roadmap"]["topics"], &mut ids);
    (s, ids)
}

fn id_of(ids: &[(String, String)], title: &str) -> String {
    ids.iter()
        .find(|(t, _)| t == title)
        .map(|(_, id)| id.clone())
        .unwrap_or_else(|| panic!("no topic {title} in {ids:?}"))
}

async fn expect_tree(app: &TestApp, owner: &Session, want: Value) -> Check {
    let mut last = Value::Null;
    for _ in 0..200 {
        last = tree(app, owner).await.0;
        if last == want {
            return Ok(());
        }
        tokio::time::sleep(std::time::Duration::from_millis(50)).await;
    }
    Err(format!("the tree is {last}, expected {want}"))
}

async fn edit_flow(browser: &Browser, app: &TestApp, owner: &Session) -> Check {
    let data = api(
        app,
        owner,
        "mutation { createRoadmap(input: { slug: \"my-map\", title: \"My map\", briefTitle: \"Map\", \
         description: \"Mine.\", briefDescription: \"Mine.\", kind: SKILL }) { id } }",
        json!({}),
    )
    .await;
    let roadmap_id = data["createRoadmap"]["id"].clone();
    for title in ["Alpha", "Beta", "Gamma"] {
        api(
            app,
            owner,
            "mutation($r: ID!, $t: String!) { createTopic(roadmapId: $r, input: { title: $t }) { id } }",
            json!({ "r": roadmap_id, "t": title }),
        )
        .await;
    }
    let (_, ids) = tree(app, owner).await;
    let alpha = id_of(&ids, "Alpha");
    // A description with markup that must stay text, and links of which only http(s) work.
    api(
        app,
        owner,
        "mutation($id: ID!, $d: String!) { updateTopic(id: $id, input: { description: $d }) { id } }",
        json!({ "id": alpha, "d": "Read **this** <img src=x onerror=\"window.__owned=1\"> and \
               [bad](javascript:window.__owned=1) and [good](https://example.com/)." }),
    )
    .await;

    let web = Web::new(browser, app).await?;
    web.sign_in(&owner.email, &owner.password).await?;
    web.goto("/roadmaps/my-map").await?;
    chart::open_topic(&web, "Alpha").await?;
    web.wait_text("main strong", "this").await?;
    let rendered = browser
        .client()
        .execute(
            "var d = document.querySelector('main .topic-panel .description'); return { \
               imgs: d.querySelectorAll('img').length, \
               bad: d.querySelectorAll('a[href^=\"javascript\"]').length, \
               good: d.querySelectorAll('a[href=\"https://example.com/\"]').length, \
               text: d.textContent, owned: window.__owned || 0 };",
            vec![],
        )
        .await
        .map_err(|e| e.to_string())?;
    if rendered["imgs"] != 0
        || rendered["bad"] != 0
        || rendered["good"] != 1
        || rendered["owned"] != 0
        || !rendered["text"]
            .as_str()
            .unwrap_or_default()
            .contains("<img src=x")
    {
        return Err(format!("the description rendered unsafely: {rendered:#}"));
    }
    web.goto("/edit/my-map").await?;
    web.wait_text("h1", "Edit My map").await?;
    web.check_page("the edit page").await?;

    // Add a topic under Alpha.
    web.fill("#new-topic-title", "Delta").await?;
    web.find("#new-topic-parent")
        .await?
        .select_by_value(&alpha)
        .await
        .map_err(|e| e.to_string())?;
    web.press("Add topic").await?;
    web.idle().await?;
    web.find("input[aria-label='Title of Delta']").await?;
    // Rename Beta.
    web.fill("input[aria-label='Title of Beta']", "Beta two")
        .await?;
    web.press("Rename Beta").await?;
    web.idle().await?;
    web.find("input[aria-label='Title of Beta two']").await?;
    // Move Gamma up, then under Alpha.
    web.press("Move up: Gamma").await?;
    web.idle().await?;
    expect_tree(
        app,
        owner,
        json!([
            ["Alpha", ["Delta"], 0],
            ["Gamma", [], 0],
            ["Beta two", [], 0]
        ]),
    )
    .await?;
    web.find("input[aria-label='Title of Gamma']").await?;
    web.choose("Parent of Gamma", &alpha).await?;
    web.press("Move under the chosen parent: Gamma").await?;
    web.idle().await?;
    expect_tree(
        app,
        owner,
        json!([["Alpha", ["Delta", "Gamma"], 0], ["Beta two", [], 0]]),
    )
    .await?;
    // Delete Beta two (two steps).
    web.press("Delete Beta two").await?;
    web.press("Confirm: delete Beta two and its subtopics")
        .await?;
    web.idle().await?;
    expect_tree(app, owner, json!([["Alpha", ["Delta", "Gamma"], 0]])).await?;
    // A resource on Alpha.
    web.find(&format!("[data-focus='res-{alpha}']"))
        .await?
        .click()
        .await
        .map_err(|e| e.to_string())?;
    web.fill(&format!("[id='res-title-{alpha}']"), "Alpha docs")
        .await?;
    web.fill(
        &format!("[id='res-url-{alpha}']"),
        "https://example.com/alpha",
    )
    .await?;
    web.press("Add resource to Alpha").await?;
    web.idle().await?;
    expect_tree(app, owner, json!([["Alpha", ["Delta", "Gamma"], 1]])).await?;
    web.wait_text("summary", "Resources (1)").await?;
    web.fill("input[aria-label='Link text of Alpha docs']", "Alpha guide")
        .await?;
    web.press("Save Alpha docs").await?;
    web.idle().await?;
    let resource = api(
        app,
        owner,
        "{ roadmap(slug: \"my-map\") { topics { resources { title url } } } }",
        json!({}),
    )
    .await["roadmap"]["topics"][0]["resources"][0]
        .clone();
    if resource != json!({ "title": "Alpha guide", "url": "https://example.com/alpha" }) {
        return Err(format!("the resource is {resource}"));
    }

    // Someone else renames Alpha meanwhile: the owner's rename is refused, explained, kept.
    api(
        app,
        owner,
        "mutation($id: ID!) { updateTopic(id: $id, input: { title: \"Alpha elsewhere\" }) { id } }",
        json!({ "id": alpha }),
    )
    .await;
    web.fill("input[aria-label='Title of Alpha']", "Alpha mine")
        .await?;
    web.press("Rename Alpha").await?;
    web.idle().await?;
    web.wait_text("main [role=alert]", "Alpha elsewhere")
        .await?;
    if web.value_of("Title of Alpha").await? != "Alpha mine" {
        return Err("the owner's text was lost on a conflict".into());
    }
    web.press("Rename Alpha").await?;
    web.idle().await?;
    expect_tree(app, owner, json!([["Alpha mine", ["Delta", "Gamma"], 1]])).await?;
    web.find("input[aria-label='Title of Alpha mine']").await?;
    web.clean("the edit page").await?;

    // Someone else's roadmap: not editable here.
    web.goto("/edit/backend").await?;
    web.wait_text("main p", "Only the roadmap’s owner").await?;

    // A team page: members, invites, the invite form.
    let team = api(
        app,
        owner,
        "mutation { createTeam(input: { name: \"Study club\", kind: STUDY_GROUP }) { id } }",
        json!({}),
    )
    .await["createTeam"]["id"]
        .as_str()
        .unwrap()
        .to_owned();
    let first_topic = api(
        app,
        owner,
        "{ roadmap(slug: \"backend\") { topics { children { id } } } }",
        json!({}),
    )
    .await["roadmap"]["topics"][0]["children"][0]["id"]
        .clone();
    api(
        app,
        owner,
        "mutation($t: ID!) { setTopicStatus(topicId: $t, status: DONE) { changed } }",
        json!({ "t": first_topic }),
    )
    .await;
    web.goto(&format!("/teams/{team}")).await?;
    web.wait_text("h1", "Study club").await?;
    web.wait_text("td", "@owner").await?;
    // The team learns the Backend roadmap: members' progress on it, and their activity.
    let backend_id = api(
        app,
        owner,
        "{ roadmap(slug: \"backend\") { id } }",
        json!({}),
    )
    .await["roadmap"]["id"]
        .as_str()
        .unwrap_or_default()
        .to_owned();
    web.find("#team-roadmap")
        .await?
        .select_by_value(&backend_id)
        .await
        .map_err(|e| e.to_string())?;
    web.press("Add roadmap").await?;
    web.wait_text("caption", "Members’ progress on Backend Developer")
        .await?;
    web.wait_text("tbody td", "1% complete · 1 done · 0 learning · 0 skipped")
        .await?;
    web.wait_text(
        "main li",
        "@owner: How does the Internet work? Pending → Done",
    )
    .await?;

    web.fill("#invite-email", "friend@example.com").await?;
    web.press("Invite").await?;
    web.wait_text("main li", "friend@example.com").await?;
    web.check_page("the team page").await?;

    // A public profile with its badge.
    api(
        app,
        owner,
        "mutation { updateProfile(input: { profileVisibility: PUBLIC, headline: \"Learning\" }) { id } }",
        json!({}),
    )
    .await;
    web.goto("/u/owner").await?;
    web.wait_text("main p", "@owner").await?;
    web.wait(
        "the badge image",
        "var i = document.querySelector('main img'); return i && i.complete && i.naturalWidth > 0 ? true : null;",
    )
    .await?;
    web.check_page("the profile page").await?;
    web.clean("the profile page").await?;

    // Another learner's public, forkable roadmap: rate it, then fork it into an editable copy.
    let author = app.signup("author").await;
    let shared = api(
        app,
        &author,
        "mutation { createRoadmap(input: { slug: \"shared-map\", title: \"Shared map\", \
         briefTitle: \"Shared\", description: \"Theirs.\", briefDescription: \"Theirs.\", \
         kind: SKILL, visibility: PUBLIC, isForkable: true }) { id } }",
        json!({}),
    )
    .await["createRoadmap"]["id"]
        .clone();
    api(
        app,
        &author,
        "mutation($r: ID!) { createTopic(roadmapId: $r, input: { title: \"Only topic\" }) { id } }",
        json!({ "r": shared }),
    )
    .await;
    web.goto("/roadmaps/shared-map").await?;
    web.wait_text("h1", "Shared map").await?;
    web.check_page("a community roadmap").await?;
    web.choose("Your rating", "4").await?;
    web.press("Rate").await?;
    web.wait_text("main [role=status]", "Thanks for rating")
        .await?;
    let rated = api(
        app,
        owner,
        "{ roadmap(slug: \"shared-map\") { myRating } }",
        json!({}),
    )
    .await;
    if rated["roadmap"]["myRating"] != 4 {
        return Err(format!("the rating was not stored: {rated}"));
    }
    web.find("a[href='/fork/shared-map']")
        .await?
        .click()
        .await
        .map_err(|e| format!("fork link: {e}"))?;
    web.wait_text("h1", "Fork").await?;
    web.press("Fork").await?;
    web.wait_text("h1", "Edit Shared map (my copy)").await?;
    if web.path().await? != "/edit/shared-map-owner" {
        return Err(format!("the fork opened {}", web.path().await?));
    }
    web.find("input[aria-label='Title of Only topic']").await?;

    // The dashboard exports the learner's progress as a download.
    web.goto("/dashboard").await?;
    web.press("Export my progress").await?;
    web.wait(
        "the export link",
        "var a = document.querySelector('a[download=\"my-progress.json\"]'); \
         return a && a.href.indexOf('blob:') === 0 ? true : null;",
    )
    .await?;
    web.clean("the dashboard").await
}
