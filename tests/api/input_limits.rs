//! Every String and list of every mutation's arguments (input objects walked field by field) has a
//! limit written in its description ("At most N characters." / "At most N items."), and one
//! character or one item more is refused with `BAD_USER_INPUT` naming the field. The walk reads the
//! served schema, so a mutation or field added later without a documented, enforced limit fails
//! here (a new mutation needs an entry in `base_calls`).
use std::collections::BTreeMap;

use serde_json::{json, Value};

use crate::helpers::catalog::{create_roadmap, create_topic, ok};
use crate::helpers::progress::topics_of;
use crate::helpers::teams::create_team;
use crate::helpers::{spawn_app_with, Session, TestApp};

const INTROSPECTION: &str = r#"query InputShapes {
  __schema {
    mutationType { fields { name type { ...T } args { name description type { ...T } } } }
    types { kind name inputFields { name description type { ...T } } }
  }
}
fragment T on __Type { kind name ofType { kind name ofType { kind name ofType { kind name } } } }"#;

/// A type reference read from introspection: its GraphQL spelling and its innermost named type.
fn spell(t: &Value) -> String {
    match t["kind"].as_str() {
        Some("NON_NULL") => format!("{}!", spell(&t["ofType"])),
        Some("LIST") => format!("[{}]", spell(&t["ofType"])),
        _ => t["name"].as_str().unwrap_or_default().to_owned(),
    }
}

fn named(t: &Value) -> &Value {
    match t["kind"].as_str() {
        Some("NON_NULL") | Some("LIST") => named(&t["ofType"]),
        _ => t,
    }
}

fn is_list(t: &Value) -> bool {
    match t["kind"].as_str() {
        Some("NON_NULL") => is_list(&t["ofType"]),
        Some("LIST") => true,
        _ => false,
    }
}

/// "At most 2,000 characters." → 2000, from a description ("at most 64 characters each" of a
/// list names its items' limit, "At most 20 items." the list's).
fn documented(description: &str, unit: &str) -> Option<usize> {
    let text = description
        .split_whitespace()
        .collect::<Vec<_>>()
        .join(" ")
        .to_lowercase();
    text.match_indices("at most ").find_map(|(at, m)| {
        let (number, tail) = text[at + m.len()..].split_once(' ')?;
        tail.starts_with(unit)
            .then(|| number.replace(',', "").parse().ok())
            .flatten()
    })
}

/// One oversized value to send: where it goes in the variables and the field the error names.
struct Case {
    mutation: String,
    pointer: Vec<PathStep>,
    field: String,
    value: Value,
}

#[derive(Clone)]
enum PathStep {
    Key(String),
    Index(usize),
}

fn set_at(target: &mut Value, path: &[PathStep], value: Value) {
    match path.split_first() {
        None => *target = value,
        Some((PathStep::Key(k), rest)) => set_at(&mut target[k.as_str()], rest, value),
        Some((PathStep::Index(i), rest)) => set_at(&mut target[*i], rest, value),
    }
}

/// One character past `max`, keeping the base value's start (a URL stays a URL, an email an
/// email) so that only the length is at fault.
fn longer(base: &Value, max: usize) -> Value {
    let mut s = base.as_str().unwrap_or("x").to_owned();
    let have = s.chars().count();
    s.extend(std::iter::repeat_n('a', (max + 1).saturating_sub(have)));
    Value::String(s)
}

struct Walk<'a> {
    inputs: &'a BTreeMap<String, Value>,
    cases: Vec<Case>,
    undocumented: Vec<String>,
}

impl Walk<'_> {
    /// Adds the cases of one value of type `t` at `pointer`, named `field` in errors.
    fn value(
        &mut self,
        mutation: &str,
        t: &Value,
        description: &str,
        base: &Value,
        pointer: Vec<PathStep>,
        field: String,
    ) {
        let inner = named(t);
        let name = inner["name"].as_str().unwrap_or_default();
        if is_list(t) {
            let Some(max) = documented(description, "items") else {
                self.undocumented
                    .push(format!("{mutation}: {field} (list)"));
                return;
            };
            let item = base.get(0).cloned().unwrap_or(json!("x"));
            self.cases.push(Case {
                mutation: mutation.to_owned(),
                pointer: pointer.clone(),
                field: field.clone(),
                value: Value::Array(vec![item.clone(); max + 1]),
            });
            if inner["kind"] == "INPUT_OBJECT" || name == "String" {
                let mut p = pointer;
                p.push(PathStep::Index(0));
                self.item(
                    mutation,
                    inner,
                    description,
                    &item,
                    p,
                    format!("{field}[0]"),
                );
            }
            return;
        }
        self.item(mutation, inner, description, base, pointer, field);
    }

    fn item(
        &mut self,
        mutation: &str,
        inner: &Value,
        description: &str,
        base: &Value,
        pointer: Vec<PathStep>,
        field: String,
    ) {
        let name = inner["name"].as_str().unwrap_or_default();
        if inner["kind"] == "INPUT_OBJECT" {
            let fields = self.inputs[name]["inputFields"].as_array().unwrap().clone();
            for f in fields {
                let fname = f["name"].as_str().unwrap();
                let mut p = pointer.clone();
                p.push(PathStep::Key(fname.to_owned()));
                let path = if field.is_empty() {
                    fname.to_owned()
                } else {
                    format!("{field}.{fname}")
                };
                let desc = f["description"].as_str().unwrap_or_default().to_owned();
                let fbase = base.get(fname).cloned().unwrap_or(Value::Null);
                self.value(mutation, &f["type"], &desc, &fbase, p, path);
            }
        } else if name == "String" {
            match documented(description, "characters") {
                Some(max) => self.cases.push(Case {
                    mutation: mutation.to_owned(),
                    pointer,
                    field,
                    value: longer(base, max),
                }),
                None => self
                    .undocumented
                    .push(format!("{mutation}: {field} (string)")),
            }
        }
    }
}

/// Whether an argument of this type holds a String or a list somewhere.
fn has_text(inputs: &BTreeMap<String, Value>, t: &Value) -> bool {
    let inner = named(t);
    is_list(t)
        || inner["name"] == "String"
        || (inner["kind"] == "INPUT_OBJECT"
            && inputs[inner["name"].as_str().unwrap()]["inputFields"]
                .as_array()
                .unwrap()
                .iter()
                .any(|f| has_text(inputs, &f["type"])))
}

/// The world the calls act on, and who makes each.
struct World {
    admin: Session,
    ada: Session,
    roadmap: Value,
    topic: String,
    resource: String,
    other_topic: String,
    backend: String,
    team: String,
    alices: String,
}

async fn world(app: &TestApp) -> World {
    let admin = app.admin_session("root").await;
    let ada = app.signup("ada").await;
    let alice = app.signup("alice").await;
    let roadmap = create_roadmap(app, &admin.access_token, "limits").await;
    let topic = create_topic(app, &admin.access_token, &roadmap, None, None, "T").await;
    let topic = topic["id"].as_str().unwrap().to_owned();
    let add = ok(
        app,
        &admin.access_token,
        "mutation($t: ID!) { addResource(topicId: $t, input: { kind: OFFICIAL, title: \"R\", \
         url: \"https://example.org/r\" }) { resource { id } } }",
        json!({ "t": topic }),
    )
    .await;
    let resource = add["addResource"]["resource"]["id"]
        .as_str()
        .unwrap()
        .to_owned();
    let (backend_id, backend) = topics_of(app, "backend").await;
    let alices = ok(
        app,
        &alice.access_token,
        "mutation { createRoadmap(input: { slug: \"alices\", title: \"A\", briefTitle: \"A\", \
         description: \"d\", briefDescription: \"b\", kind: SKILL, visibility: PUBLIC }) { id } }",
        json!({}),
    )
    .await["createRoadmap"]["id"]
        .as_str()
        .unwrap()
        .to_owned();
    let team = create_team(app, &admin.access_token, "Crew").await;
    World {
        roadmap: roadmap.clone(),
        topic,
        resource,
        other_topic: backend[0].0.clone(),
        backend: backend_id,
        team,
        alices,
        admin,
        ada,
    }
}

/// A valid call of every mutation that takes text or lists: (caller, arguments).
fn base_calls(w: &World) -> BTreeMap<&'static str, (Option<&Session>, Value)> {
    let meta = json!({
        "slug": "limits-new", "title": "T", "briefTitle": "B", "description": "D",
        "briefDescription": "BD", "tags": ["tag"], "pdfUrl": "https://example.org/x.pdf",
        "jsonUrl": "/x.json", "relatedQuestions": ["q"],
        "question": { "title": "Q", "description": "A" },
        "seo": { "title": "S", "description": "SD", "keywords": ["k"] },
        "structuredData": { "headline": "H", "description": "D", "imageUrl": "/i.png" },
        "sponsor": { "url": "https://example.org", "title": "S", "imageUrl": "/s.png",
                     "description": "SD" },
    });
    let mut create = meta.clone();
    create["kind"] = json!("SKILL");
    let resource = json!({ "kind": "OFFICIAL", "title": "R", "url": "https://example.org/r" });
    let admin = Some(&w.admin);
    BTreeMap::from([
        (
            "signUp",
            (
                None,
                json!({ "input": { "email": "new@example.com", "username": "newbie",
            "password": "Correct-Horse-42", "displayName": "New" } }),
            ),
        ),
        (
            "signIn",
            (
                None,
                json!({ "input": { "email": w.ada.email, "password": w.ada.password } }),
            ),
        ),
        (
            "refreshSession",
            (None, json!({ "refreshToken": w.ada.refresh_token })),
        ),
        (
            "signOut",
            (Some(&w.ada), json!({ "refreshToken": w.ada.refresh_token })),
        ),
        (
            "changePassword",
            (
                Some(&w.ada),
                json!({ "input": {
            "currentPassword": w.ada.password, "newPassword": "Another-Pass-42" } }),
            ),
        ),
        (
            "verifyEmail",
            (None, json!({ "token": "an-unknown-but-well-formed-token" })),
        ),
        (
            "changeEmail",
            (
                Some(&w.ada),
                json!({ "input": { "newEmail": "ada-new@example.com", "password": w.ada.password } }),
            ),
        ),
        (
            "requestPasswordReset",
            (None, json!({ "email": w.ada.email })),
        ),
        (
            "resetPassword",
            (
                None,
                json!({ "input": { "token": "an-unknown-but-well-formed-token",
            "newPassword": "Another-Pass-42" } }),
            ),
        ),
        (
            "acceptTeamInvite",
            (
                Some(&w.ada),
                json!({ "token": "an-unknown-but-well-formed-token" }),
            ),
        ),
        (
            "deleteAccount",
            (
                Some(&w.ada),
                json!({ "input": { "password": w.ada.password } }),
            ),
        ),
        (
            "updateProfile",
            (
                Some(&w.ada),
                json!({ "input": { "displayName": "Ada",
            "username": "ada2", "timeZone": "Europe/Paris", "headline": "Hi",
            "links": ["https://example.org/a"], "profileRoadmapIds": [w.backend] } }),
            ),
        ),
        ("createRoadmap", (admin, json!({ "input": create }))),
        (
            "updateRoadmap",
            (admin, json!({ "id": w.roadmap["id"], "input": meta })),
        ),
        (
            "setRelatedRoadmaps",
            (
                admin,
                json!({ "id": w.roadmap["id"], "slugs": ["backend"] }),
            ),
        ),
        (
            "importRoadmap",
            (
                admin,
                json!({ "files": [{ "path": "roadmap.md", "content": "x" }] }),
            ),
        ),
        (
            "forkRoadmap",
            (
                Some(&w.ada),
                json!({ "roadmapId": w.backend, "slug": "f",
            "shareToken": "t" }),
            ),
        ),
        (
            "rateRoadmap",
            (
                admin,
                json!({ "roadmapId": w.alices, "rating": 5, "feedback": "f" }),
            ),
        ),
        (
            "createTopic",
            (
                admin,
                json!({ "roadmapId": w.roadmap["id"], "input": {
            "title": "T", "description": "D", "resources": [resource] } }),
            ),
        ),
        (
            "updateTopic",
            (
                admin,
                json!({ "id": w.topic, "input": { "title": "T",
            "description": "D" } }),
            ),
        ),
        (
            "addResource",
            (admin, json!({ "topicId": w.topic, "input": resource })),
        ),
        (
            "updateResource",
            (
                admin,
                json!({ "id": w.resource, "input": { "title": "R",
            "url": "https://example.org/r" } }),
            ),
        ),
        (
            "reorderResources",
            (
                admin,
                json!({ "topicId": w.topic, "resourceIds": [w.resource] }),
            ),
        ),
        (
            "setTopicPrerequisites",
            (
                admin,
                json!({ "topicId": w.topic, "prerequisiteIds": [w.other_topic] }),
            ),
        ),
        (
            "linkTopics",
            (admin, json!({ "topicIds": [w.topic, w.other_topic] })),
        ),
        (
            "setTopicStatuses",
            (
                admin,
                json!({ "roadmapId": w.roadmap["id"], "changes": [
            { "topicId": w.topic, "status": "DONE" }] }),
            ),
        ),
        (
            "setTopicNote",
            (admin, json!({ "topicId": w.topic, "note": "n" })),
        ),
        (
            "createTeam",
            (
                admin,
                json!({ "input": { "name": "N", "kind": "COMPANY" } }),
            ),
        ),
        (
            "updateTeam",
            (admin, json!({ "teamId": w.team, "input": { "name": "N" } })),
        ),
        (
            "inviteTeamMember",
            (
                admin,
                json!({ "teamId": w.team, "email": "gina@example.com",
            "role": "MEMBER" }),
            ),
        ),
        (
            "setTeamHiddenTopics",
            (
                admin,
                json!({ "teamId": w.team, "roadmapId": w.roadmap["id"],
            "topicIds": [w.topic] }),
            ),
        ),
    ])
}

#[tokio::test]
async fn every_string_and_list_of_every_mutation_is_bounded_and_refused_past_its_limit() {
    // Large enough for the biggest oversized value: the body limit is another layer's test.
    let app = spawn_app_with(|s| s.hardening.max_body_bytes = 16 << 20).await;
    let w = world(&app).await;
    let schema = ok(&app, &w.admin.access_token, INTROSPECTION, json!({})).await;
    let inputs: BTreeMap<String, Value> = schema["__schema"]["types"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|t| t["kind"] == "INPUT_OBJECT")
        .map(|t| (t["name"].as_str().unwrap().to_owned(), t.clone()))
        .collect();
    let calls = base_calls(&w);
    let mut walk = Walk {
        inputs: &inputs,
        cases: Vec::new(),
        undocumented: Vec::new(),
    };
    let mut documents = BTreeMap::new();
    let mut missing = Vec::new();
    for m in schema["__schema"]["mutationType"]["fields"]
        .as_array()
        .unwrap()
    {
        let name = m["name"].as_str().unwrap();
        let args = m["args"].as_array().unwrap();
        let texty: Vec<&Value> = args
            .iter()
            .filter(|a| has_text(&inputs, &a["type"]))
            .collect();
        // JSON documents are bounded by the body limit and their own format's checks.
        if texty.is_empty() {
            continue;
        }
        let Some((_, base)) = calls.get(name) else {
            missing.push(name.to_owned());
            continue;
        };
        for a in texty {
            let arg = a["name"].as_str().unwrap();
            // Input objects' fields are named without the argument (`title`, not `input.title`).
            let field = if named(&a["type"])["kind"] == "INPUT_OBJECT" && arg == "input" {
                String::new()
            } else {
                arg.to_owned()
            };
            let desc = a["description"].as_str().unwrap_or_default().to_owned();
            walk.value(
                name,
                &a["type"],
                &desc,
                &base[arg],
                vec![PathStep::Key(arg.to_owned())],
                field,
            );
        }
        let decls: Vec<String> = args
            .iter()
            .filter(|a| base.get(a["name"].as_str().unwrap()).is_some())
            .map(|a| format!("${}: {}", a["name"].as_str().unwrap(), spell(&a["type"])))
            .collect();
        let uses: Vec<String> = args
            .iter()
            .filter(|a| base.get(a["name"].as_str().unwrap()).is_some())
            .map(|a| format!("{0}: ${0}", a["name"].as_str().unwrap()))
            .collect();
        let selection = if matches!(named(&m["type"])["kind"].as_str(), Some("OBJECT")) {
            " { __typename }"
        } else {
            ""
        };
        documents.insert(
            name.to_owned(),
            format!(
                "mutation({}) {{ {name}({}){selection} }}",
                decls.join(", "),
                uses.join(", ")
            ),
        );
    }
    assert!(
        missing.is_empty(),
        "mutations taking text or lists without a base call in this test: {missing:?}"
    );
    assert!(
        walk.undocumented.is_empty(),
        "fields without \"At most N characters.\" / \"At most N items.\" in their description: \
         {:#?}",
        walk.undocumented
    );
    assert!(walk.cases.len() > 60, "only {} cases", walk.cases.len());
    let mut wrong = Vec::new();
    for case in &walk.cases {
        let (caller, base) = &calls[case.mutation.as_str()];
        let mut vars = base.clone();
        set_at(&mut vars, &case.pointer, case.value.clone());
        let body = app
            .gql_with(
                caller.map(|s| s.access_token.as_str()),
                &documents[&case.mutation],
                vars,
            )
            .await;
        let e = &body["errors"][0]["extensions"];
        if e["code"] != "BAD_USER_INPUT" || e["field"] != case.field.as_str() {
            let mut shown = body.to_string();
            shown.truncate(300);
            wrong.push(format!("{} {}: {shown}", case.mutation, case.field));
        }
    }
    assert!(
        wrong.is_empty(),
        "not refused as expected:\n{}",
        wrong.join("\n")
    );
}
