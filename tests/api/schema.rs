//! The committed `schema.graphql` must equal the schema the server serves, and every element of
//! that schema must carry a description.
use serde_json::{json, Value};

use crate::helpers::{spawn_app, BIN};

#[test]
fn committed_sdl_matches_served_schema() {
    let out = std::process::Command::new(BIN)
        .arg("schema")
        .output()
        .expect("run `roadmap-api schema`");
    assert!(out.status.success());
    let served = String::from_utf8(out.stdout).expect("utf-8 SDL");
    let committed = std::fs::read_to_string(concat!(env!("CARGO_MANIFEST_DIR"), "/schema.graphql"))
        .expect("read schema.graphql");
    assert!(
        served == committed,
        "schema.graphql is out of date: run `cargo run -- schema > schema.graphql`"
    );
    // And it is the schema the library builds, so the served one cannot drift either.
    assert_eq!(served, roadmap_api::graphql::sdl());
}

/// Every type, field, argument, enum value and input field of the served schema (deprecated ones
/// included), except the introspection types (`__*`) and the built-in scalars.
const INTROSPECTION: &str = r#"query SchemaDescriptions {
  __schema {
    types {
      name
      kind
      description
      fields(includeDeprecated: true) {
        name
        description
        args(includeDeprecated: true) { name description }
      }
      inputFields(includeDeprecated: true) { name description }
      enumValues(includeDeprecated: true) { name description }
    }
  }
}"#;

const BUILT_IN_SCALARS: [&str; 5] = ["String", "Int", "Float", "Boolean", "ID"];

fn described(v: &Value) -> bool {
    v["description"]
        .as_str()
        .is_some_and(|d| !d.trim().is_empty())
}

fn list(v: &Value) -> &[Value] {
    v.as_array().map(Vec::as_slice).unwrap_or_default()
}

#[tokio::test]
async fn every_schema_element_has_a_description() {
    let app = spawn_app().await;
    let body = app.gql(INTROSPECTION, json!({})).await;
    assert!(body.get("errors").is_none(), "introspection failed: {body}");
    let types = list(&body["data"]["__schema"]["types"]);
    assert!(!types.is_empty(), "no types in {body}");

    let mut total = 0usize;
    let mut missing = Vec::new();
    let mut check = |v: &Value, path: String| {
        total += 1;
        if !described(v) {
            missing.push(path);
        }
    };
    for ty in types {
        let name = ty["name"].as_str().expect("type name");
        if name.starts_with("__") || BUILT_IN_SCALARS.contains(&name) {
            continue;
        }
        check(ty, format!("{} {name}", ty["kind"].as_str().unwrap_or("?")));
        for field in list(&ty["fields"]) {
            let f = field["name"].as_str().unwrap_or("?");
            check(field, format!("field {name}.{f}"));
            for arg in list(&field["args"]) {
                let a = arg["name"].as_str().unwrap_or("?");
                check(arg, format!("argument {name}.{f}({a})"));
            }
        }
        for input in list(&ty["inputFields"]) {
            let i = input["name"].as_str().unwrap_or("?");
            check(input, format!("input field {name}.{i}"));
        }
        for value in list(&ty["enumValues"]) {
            let e = value["name"].as_str().unwrap_or("?");
            check(value, format!("enum value {name}.{e}"));
        }
    }
    assert!(
        missing.is_empty(),
        "{} of {total} schema elements have no description:\n  {}",
        missing.len(),
        missing.join("\n  ")
    );
}
