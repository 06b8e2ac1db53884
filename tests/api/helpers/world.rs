//! A small world for the privacy canary (`tests/api/canary.rs`): owners, team members, a learner
//! with a private profile, an admin, an outsider; roadmaps of every visibility and state, a team
//! and its roadmap, forks, linked topics, notes, ratings, invites, and a roadmap that turns
//! PRIVATE (and is renamed) after the outsider tracked it. Everything the outsider must never see
//! carries a marker (`canary001`, `canary002`, …) whose label says what it is; visible things
//! carry none.
use serde_json::{json, Value};

pub use super::markers::Markers;
use super::{ops, Session, TestApp};

/// What the world holds, for the canary to ask about: every id, slug, username and tag it made,
/// hidden or not (the outsider asks for all of them).
pub struct World {
    pub markers: Markers,
    pub outsider: Session,
    /// An admin, who may read every roadmap (the canary's control).
    pub admin: Session,
    /// Global ids of roadmaps, topics, resources, teams, invites and users.
    pub ids: Vec<String>,
    pub topic_ids: Vec<String>,
    pub team_ids: Vec<String>,
    /// Every slug a roadmap had, old ones included.
    pub slugs: Vec<String>,
    pub usernames: Vec<String>,
    pub tags: Vec<String>,
    /// The slug of an UNLISTED roadmap the outsider has no link to.
    pub unlisted_slug: String,
    /// A published official roadmap's id, for the outsider's last change.
    pub sentinel_roadmap: String,
}

/// A roadmap as made by the builder.
pub struct Made {
    pub id: String,
    pub slug: String,
    pub topics: Vec<String>,
    pub share_token: Option<String>,
}

const SIGN_UP: &str = "mutation($i: SignUpInput!) { signUp(input: $i) {
    accessToken refreshToken user { id } } }";
const CREATE_ROADMAP: &str = "mutation($i: CreateRoadmapInput!) { createRoadmap(input: $i) {
    id slug shareToken } }";
const UPDATE_ROADMAP: &str = "mutation($id: ID!, $i: UpdateRoadmapInput!) {
    updateRoadmap(id: $id, input: $i) { id } }";
const CREATE_TOPIC: &str = "mutation($r: ID!, $p: ID, $i: CreateTopicInput!) {
    createTopic(roadmapId: $r, parentId: $p, input: $i) { id resources { id } } }";
const UPDATE_TOPIC: &str = "mutation($id: ID!, $t: String!, $d: String!) {
    updateTopic(id: $id, input: { title: $t, description: $d }) { id } }";
const FORK: &str = "mutation($r: ID!, $s: String, $t: String) {
    forkRoadmap(roadmapId: $r, slug: $s, shareToken: $t) { id slug topics { id children { id } } } }";
/// The first topic (Alice's private one) says it is the same as the second.
const LINK: &str =
    "mutation($t: ID!, $to: ID) { setTopicSameAs(topicId: $t, sameAsId: $to) { id } }";
const RATE: &str = "mutation($r: ID!, $n: Int!, $f: String) {
    rateRoadmap(roadmapId: $r, rating: $n, feedback: $f) { id } }";
const NOTE: &str = "mutation($t: ID!, $n: String) { setTopicNote(topicId: $t, note: $n) { note } }";
const PROFILE: &str = "mutation($i: UpdateProfileInput!) { updateProfile(input: $i) { id } }";
const FOLLOW: &str = "query($s: String!, $t: String) { roadmap(slug: $s, shareToken: $t) { id } }";
const RELATED: &str =
    "mutation($id: ID!, $s: [String!]!) { setRelatedRoadmaps(id: $id, slugs: $s) { id } }";
const CANCEL_INVITE: &str = "mutation($i: ID!) { cancelTeamInvite(inviteId: $i) { id } }";
const DELETE_TOPIC: &str = "mutation($id: ID!) { deleteTopic(id: $id) { deletedTopicIds } }";
const ADD_TEAM_ROADMAP: &str =
    "mutation($t: ID!, $r: ID!) { addTeamRoadmap(teamId: $t, roadmapId: $r) { id } }";

/// Runs `query` as `token`; fails the test on any error.
pub async fn must(app: &TestApp, token: &str, query: &str, vars: Value) -> Value {
    let body = app.gql_as(token, query, vars).await;
    assert!(
        body.get("errors").is_none(),
        "building the world failed: {query}\n{body}"
    );
    body["data"].clone()
}

struct Builder<'a> {
    app: &'a TestApp,
    m: Markers,
    ids: Vec<String>,
    topic_ids: Vec<String>,
    slugs: Vec<String>,
    usernames: Vec<String>,
    tags: Vec<String>,
}

impl Builder<'_> {
    /// A new account; `hidden` marks its username and display name (a private profile's owner
    /// who shows nowhere public). Its e-mail is always marked: only its owner and admins see it.
    async fn person(&mut self, name: &str, hidden: bool) -> Session {
        let username = if hidden {
            self.m.slug(&format!("{name}.username"), name)
        } else {
            name.to_owned()
        };
        let display = if hidden {
            self.m.text(&format!("{name}.displayName"), name)
        } else {
            name.to_owned()
        };
        let email = format!(
            "{}@example.com",
            self.m.slug(&format!("{name}.email"), name)
        );
        let password = format!("{name}-Secret-Pass-42");
        let body = self
            .app
            .gql(
                SIGN_UP,
                json!({ "i": { "email": email, "username": username, "password": password,
                               "displayName": display } }),
            )
            .await;
        let p = &body["data"]["signUp"];
        assert!(p.is_object(), "sign-up failed: {body}");
        let user_id = p["user"]["id"].as_str().unwrap().to_owned();
        self.ids.push(user_id.clone());
        self.usernames.push(username);
        Session {
            access_token: p["accessToken"].as_str().unwrap().to_owned(),
            refresh_token: p["refreshToken"].as_str().unwrap().to_owned(),
            user_id,
            email,
            password,
        }
    }

    /// A roadmap's input; `label` non-empty marks every text of it (a hidden roadmap).
    fn roadmap_input(&mut self, label: &str, slug: &str, extra: Value) -> Value {
        let mut t = |field: &str, plain: &str| {
            if label.is_empty() {
                plain.to_owned()
            } else {
                self.m.text(&format!("{label}.{field}"), plain)
            }
        };
        let title = t("title", "Title");
        let brief_title = t("briefTitle", "Brief");
        let description = t("description", "What it covers.");
        let brief_description = t("briefDescription", "Short.");
        let seo_title = t("seo.title", "Seo");
        let keyword = t("seo.keyword", "keyword");
        let question = t("question", "Question?");
        let headline = t("structuredData.headline", "Headline");
        let related_question = t("relatedQuestion", "Why?");
        let sponsor = t("sponsor.title", "Sponsor");
        let tag = if label.is_empty() {
            "visible".to_owned()
        } else {
            self.m.slug(&format!("{label}.tag"), "tag")
        };
        self.tags.push(tag.clone());
        let slug = if label.is_empty() {
            slug.to_owned()
        } else {
            self.m.slug(&format!("{label}.slug"), slug)
        };
        let mut input = json!({ "slug": slug, "title": title, "briefTitle": brief_title,
            "description": description, "briefDescription": brief_description, "kind": "SKILL",
            "status": "PUBLISHED", "tags": [tag], "isForkable": true,
            "seo": { "title": seo_title, "keywords": [keyword] },
            "question": { "title": question, "description": question },
            "structuredData": { "headline": headline },
            "relatedQuestions": [related_question],
            "sponsor": { "url": "https://example.org/sponsor", "title": sponsor } });
        for (k, v) in extra.as_object().into_iter().flatten() {
            input[k] = v.clone();
        }
        input
    }

    /// A roadmap with a topic tree (`[root, child of root, second root]`), each topic with a
    /// resource; `label` non-empty marks every text (a hidden roadmap).
    async fn roadmap(&mut self, token: &str, label: &str, slug: &str, extra: Value) -> Made {
        let input = self.roadmap_input(label, slug, extra);
        let d = must(self.app, token, CREATE_ROADMAP, json!({ "i": input })).await;
        let r = &d["createRoadmap"];
        let made = Made {
            id: r["id"].as_str().unwrap().to_owned(),
            slug: r["slug"].as_str().unwrap().to_owned(),
            topics: Vec::new(),
            share_token: r["shareToken"].as_str().map(str::to_owned),
        };
        self.ids.push(made.id.clone());
        self.slugs.push(made.slug.clone());
        let mut made = made;
        let root = self.topic(token, &made.id, None, label, "First").await;
        let child = self
            .topic(token, &made.id, Some(&root), label, "Child")
            .await;
        let second = self.topic(token, &made.id, None, label, "Second").await;
        made.topics = vec![root, child, second];
        made
    }

    /// A topic with one resource; marked when `label` is non-empty.
    async fn topic(
        &mut self,
        token: &str,
        roadmap: &str,
        parent: Option<&str>,
        label: &str,
        title: &str,
    ) -> String {
        let mut t = |field: &str, plain: &str| {
            if label.is_empty() {
                plain.to_owned()
            } else {
                self.m
                    .text(&format!("{label}.topic {title}.{field}"), plain)
            }
        };
        let topic_title = t("title", title);
        let description = t("description", "About it.");
        let resource = t("resource.title", "Read this");
        let url = if label.is_empty() {
            "https://example.org/read".to_owned()
        } else {
            format!(
                "https://example.org/{}",
                self.m.mark(&format!("{label}.topic {title}.resource.url"))
            )
        };
        let d = must(
            self.app,
            token,
            CREATE_TOPIC,
            json!({ "r": roadmap, "p": parent, "i": { "title": topic_title,
                "description": description,
                "resources": [{ "kind": "ARTICLE", "title": resource, "url": url }] } }),
        )
        .await;
        let id = d["createTopic"]["id"].as_str().unwrap().to_owned();
        for r in d["createTopic"]["resources"]
            .as_array()
            .into_iter()
            .flatten()
        {
            self.ids.push(r["id"].as_str().unwrap().to_owned());
        }
        self.ids.push(id.clone());
        self.topic_ids.push(id.clone());
        id
    }

    async fn fork(&mut self, token: &str, source: &Made, label: &str) -> Made {
        let slug = self.m.slug(&format!("{label}.slug"), "fork");
        let d = must(
            self.app,
            token,
            FORK,
            json!({ "r": source.id, "s": slug, "t": source.share_token }),
        )
        .await;
        let f = &d["forkRoadmap"];
        let mut topics = Vec::new();
        for t in f["topics"].as_array().into_iter().flatten() {
            topics.push(t["id"].as_str().unwrap().to_owned());
            for c in t["children"].as_array().into_iter().flatten() {
                topics.push(c["id"].as_str().unwrap().to_owned());
            }
        }
        self.ids.push(f["id"].as_str().unwrap().to_owned());
        self.ids.extend(topics.iter().cloned());
        self.topic_ids.extend(topics.iter().cloned());
        self.slugs.push(slug.clone());
        Made {
            id: f["id"].as_str().unwrap().to_owned(),
            slug,
            topics,
            share_token: None,
        }
    }

    async fn status(&self, who: &Session, topic: &str, status: &str) {
        self.app
            .set_topic_status(&who.access_token, topic, status)
            .await;
    }
}

/// Builds the world around `outsider` (already signed up; their socket may be listening).
pub async fn build(app: &TestApp, outsider: Session) -> World {
    let mut b = Builder {
        app,
        m: Markers::default(),
        ids: vec![outsider.user_id.clone()],
        topic_ids: Vec::new(),
        slugs: Vec::new(),
        usernames: Vec::new(),
        tags: Vec::new(),
    };
    let admin_name = b.m.slug("admin.username", "admin");
    let admin = app.admin_session(&admin_name).await;
    b.usernames.push(admin_name);
    b.ids.push(admin.user_id.clone());
    let alice = b.person("alice", false).await;
    let bob = b.person("bob", false).await;
    let carol = b.person("carol", true).await;
    let erin = b.person("erin", true).await;
    let (a, ad) = (alice.access_token.as_str(), admin.access_token.as_str());

    // The official catalogue: one published roadmap, one draft.
    let official = b
        .roadmap(ad, "", "official", json!({ "status": "PUBLISHED" }))
        .await;
    b.roadmap(
        ad,
        "officialDraft",
        "official-draft",
        json!({ "status": "DRAFT" }),
    )
    .await;

    // Alice's roadmaps, one of each kind. The public one once had a marked title and a marked
    // topic that was deleted: its history is for its owner and admins.
    let public = b
        .roadmap(a, "", "alice-public", json!({ "visibility": "PUBLIC" }))
        .await;
    let old_title = b.m.text("public.oldTitle", "Earlier title");
    must(
        app,
        a,
        UPDATE_ROADMAP,
        json!({ "id": public.id, "i": { "title": old_title } }),
    )
    .await;
    must(
        app,
        a,
        UPDATE_ROADMAP,
        json!({ "id": public.id, "i": { "title": "Alice public" } }),
    )
    .await;
    let gone = b
        .topic(a, &public.id, None, "public.deletedTopic", "Gone")
        .await;
    must(app, a, DELETE_TOPIC, json!({ "id": gone })).await;
    let private = b
        .roadmap(a, "private", "private", json!({ "visibility": "PRIVATE" }))
        .await;
    let unlisted = b
        .roadmap(
            a,
            "unlisted",
            "unlisted",
            json!({ "visibility": "UNLISTED" }),
        )
        .await;
    b.roadmap(
        a,
        "draft",
        "draft",
        json!({ "visibility": "PUBLIC", "status": "DRAFT" }),
    )
    .await;
    let deleted = b
        .roadmap(a, "deleted", "deleted", json!({ "visibility": "PUBLIC" }))
        .await;
    must(
        app,
        a,
        ops::DELETE_ROADMAP,
        json!({ "id": deleted.id, "f": true }),
    )
    .await;
    let turning = b
        .roadmap(a, "", "alice-turning", json!({ "visibility": "PUBLIC" }))
        .await;
    // Alice's public roadmap lists her private one as related; her private topics are linked
    // to her public roadmap and to the official one.
    must(
        app,
        a,
        RELATED,
        json!({ "id": public.id, "s": [private.slug, unlisted.slug] }),
    )
    .await;
    must(
        app,
        a,
        LINK,
        json!({ "t": private.topics[2], "to": public.topics[2] }),
    )
    .await;
    must(
        app,
        a,
        LINK,
        json!({ "t": private.topics[0], "to": official.topics[0] }),
    )
    .await;
    must(
        app,
        a,
        NOTE,
        json!({ "t": public.topics[0], "n": b.m.text("alice.note", "mine") }),
    )
    .await;

    // A team, its private roadmap, its members (one with a private profile) and an invite.
    let team_name = b.m.text("team.name", "Team");
    let team = super::teams::create_team(app, a, &team_name).await;
    b.ids.push(team.clone());
    super::teams::join(app, a, &team, &bob, "MEMBER").await;
    super::teams::join(app, a, &team, &erin, "MANAGER").await;
    let dave = format!("{}@example.com", b.m.slug("dave.email", "dave"));
    let invite = super::teams::invite(app, a, &team, &dave, "MEMBER").await;
    b.ids.push(invite["id"].as_str().unwrap().to_owned());
    let team_roadmap = b
        .roadmap(a, "teamRoadmap", "team", json!({ "teamId": team }))
        .await;
    must(
        app,
        a,
        ADD_TEAM_ROADMAP,
        json!({ "t": team, "r": public.id }),
    )
    .await;

    // Bob: a public profile listing everything he tracks; private forks of the public and the
    // unlisted roadmap (which he follows by its link), a note and a rating with feedback.
    let bt = bob.access_token.as_str();
    must(
        app,
        bt,
        FOLLOW,
        json!({ "s": unlisted.slug, "t": unlisted.share_token }),
    )
    .await;
    let bob_fork = b.fork(bt, &public, "bobFork").await;
    let fork_title = b.m.text("bobFork.title", "Bob's copy");
    must(
        app,
        bt,
        UPDATE_ROADMAP,
        json!({ "id": bob_fork.id, "i": { "title": fork_title } }),
    )
    .await;
    let fork_topic_title = b.m.text("bobFork.topic.title", "Bob's topic");
    must(
        app,
        bt,
        UPDATE_TOPIC,
        json!({ "id": bob_fork.topics[0], "t": fork_topic_title, "d": "Bob's." }),
    )
    .await;
    let bob_unlisted_fork = b.fork(bt, &unlisted, "bobUnlistedFork").await;
    for t in [
        &public.topics[0],
        &bob_fork.topics[1],
        &unlisted.topics[0],
        &team_roadmap.topics[0],
        &bob_unlisted_fork.topics[0],
    ] {
        b.status(&bob, t, "DONE").await;
    }
    must(
        app,
        bt,
        NOTE,
        json!({ "t": public.topics[1], "n": b.m.text("bob.note", "note") }),
    )
    .await;
    let feedback = b.m.text("bob.feedback", "feedback");
    must(
        app,
        bt,
        RATE,
        json!({ "r": public.id, "n": 4, "f": feedback }),
    )
    .await;
    must(
        app,
        bt,
        PROFILE,
        json!({ "i": { "profileVisibility": "PUBLIC", "profileRoadmaps": "ALL",
                       "headline": "Bob learns" } }),
    )
    .await;

    // Carol and Erin keep private profiles; they learn and rate too.
    b.status(&carol, &public.topics[0], "LEARNING").await;
    b.status(&carol, &official.topics[0], "DONE").await;
    let feedback = b.m.text("carol.feedback", "feedback");
    must(
        app,
        &carol.access_token,
        RATE,
        json!({ "r": public.id, "n": 2, "f": feedback }),
    )
    .await;
    b.status(&erin, &team_roadmap.topics[1], "DONE").await;

    // The outsider tracks the public, official and turning roadmaps, forks the turning one, and
    // keeps a note, a favourite and a rating on it.
    let o = outsider.access_token.as_str();
    for t in [&public.topics[0], &public.topics[2], &official.topics[1]] {
        b.status(&outsider, t, "DONE").await;
    }
    for t in &turning.topics {
        b.status(&outsider, t, "LEARNING").await;
    }
    // Bob, whose profile is public, tracked the turning roadmap too.
    b.status(&bob, &turning.topics[0], "DONE").await;
    // An invite to the outsider's address, withdrawn before they answered.
    let withdrawn = super::teams::invite(app, a, &team, &outsider.email, "MEMBER").await;
    must(app, a, CANCEL_INVITE, json!({ "i": withdrawn["id"] })).await;
    must(
        app,
        o,
        NOTE,
        json!({ "t": turning.topics[0], "n": "my own note" }),
    )
    .await;
    must(app, o, ops::FAVORITE_ROADMAP, json!({ "r": turning.id })).await;
    must(
        app,
        o,
        RATE,
        json!({ "r": turning.id, "n": 5, "f": "my own feedback" }),
    )
    .await;
    let own_fork = must(
        app,
        o,
        FORK,
        json!({ "r": turning.id, "s": "outsider-fork" }),
    )
    .await;
    let own_fork = &own_fork["forkRoadmap"];
    b.ids.push(own_fork["id"].as_str().unwrap().to_owned());
    for t in own_fork["topics"].as_array().into_iter().flatten() {
        let id = t["id"].as_str().unwrap().to_owned();
        b.ids.push(id.clone());
        b.topic_ids.push(id);
    }
    b.slugs.push("outsider-fork".to_owned());

    // Afterwards Alice links her private roadmap to the public topic the outsider tracked, and
    // the turning roadmap turns PRIVATE under a new name, with renamed and new topics.
    must(
        app,
        a,
        LINK,
        json!({ "t": private.topics[1], "to": public.topics[0] }),
    )
    .await;
    let new_slug = b.m.slug("turning.newSlug", "turned");
    let new_title = b.m.text("turning.newTitle", "Turned");
    let new_description = b.m.text("turning.newDescription", "Now private.");
    must(
        app,
        a,
        UPDATE_ROADMAP,
        json!({ "id": turning.id, "i": { "visibility": "PRIVATE", "slug": new_slug,
                "title": new_title, "description": new_description } }),
    )
    .await;
    b.slugs.push(new_slug);
    for (i, t) in turning.topics.iter().enumerate() {
        let title = b.m.text(&format!("turning.topic{i}.newTitle"), "Renamed");
        must(
            app,
            a,
            UPDATE_TOPIC,
            json!({ "id": t, "t": title, "d": "Renamed." }),
        )
        .await;
    }
    b.topic(a, &turning.id, None, "turning.addedTopic", "Added")
        .await;

    World {
        markers: b.m,
        outsider,
        admin,
        ids: b.ids,
        topic_ids: b.topic_ids,
        team_ids: vec![team],
        slugs: b.slugs,
        usernames: b.usernames,
        tags: b.tags,
        sentinel_roadmap: official.id,
        unlisted_slug: unlisted.slug,
    }
}
