//! Documents generated from the served schema's introspection: for a root field, a selection of
//! every field reachable from it, so a field added to the schema is asked for without anyone
//! writing it down. A type appears at most twice on a path (a topic's children's fields, but not
//! their children's: the same fields again) and paths stop after `depth` object fields; an
//! edge's `node` is left out (its connection's `nodes` holds the same objects).
use std::collections::HashMap;

use serde_json::{json, Value};

use super::TestApp;

const INTROSPECTION: &str = r#"query CanarySchema { __schema {
  queryType { name } subscriptionType { name }
  types { name kind possibleTypes { name }
    fields { name type { ...R } args { name defaultValue type { ...R } } } } } }
fragment R on __Type { kind name ofType { kind name ofType { kind name ofType { kind name
  ofType { kind name } } } } }"#;

/// How many times one type may appear on a path from the root.
const SAME_TYPE_ON_PATH: usize = 2;

pub struct Schema {
    types: HashMap<String, Value>,
    pub query: String,
    pub subscription: Option<String>,
}

impl Schema {
    pub async fn fetch(app: &TestApp) -> Self {
        let body = app.gql(INTROSPECTION, json!({})).await;
        let s = &body["data"]["__schema"];
        assert!(s.is_object(), "introspection failed: {body}");
        let types = s["types"]
            .as_array()
            .unwrap()
            .iter()
            .map(|t| (t["name"].as_str().unwrap().to_owned(), t.clone()))
            .collect();
        Self {
            types,
            query: s["queryType"]["name"].as_str().unwrap().to_owned(),
            subscription: s["subscriptionType"]["name"].as_str().map(str::to_owned),
        }
    }

    /// The fields of a root type (`Query`), by name.
    pub fn root_fields(&self, root: &str) -> Vec<String> {
        self.fields(root)
            .iter()
            .map(|f| f["name"].as_str().unwrap().to_owned())
            .collect()
    }

    /// Whether `object` is one of the types of the interface or union `abstract_type`.
    fn possible(&self, abstract_type: &str, object: &str) -> bool {
        self.types[abstract_type]["possibleTypes"]
            .as_array()
            .into_iter()
            .flatten()
            .any(|p| p["name"] == object)
    }

    fn fields(&self, ty: &str) -> &[Value] {
        self.types[ty]["fields"]
            .as_array()
            .map(Vec::as_slice)
            .unwrap_or_default()
    }

    /// `operation` (`query` or `subscription`) of the single root field `field` of `root`, with
    /// the arguments named in `args` passed as variables, and the whole selection below it.
    pub fn document(
        &self,
        operation: &str,
        root: &str,
        field: &str,
        args: &Value,
        depth: usize,
    ) -> String {
        self.document_as(operation, root, field, args, depth, None)
    }

    /// The same, for a root field of an interface type (`node`) asked for an object of type
    /// `only`: the selection names that type alone (the others would be answered with nothing).
    pub fn document_as(
        &self,
        operation: &str,
        root: &str,
        field: &str,
        args: &Value,
        depth: usize,
        only: Option<&str>,
    ) -> String {
        let def = self
            .fields(root)
            .iter()
            .find(|f| f["name"] == field)
            .unwrap_or_else(|| panic!("{root}.{field} is not in the schema"));
        let mut declared = Vec::new();
        let mut passed = Vec::new();
        for arg in def["args"].as_array().into_iter().flatten() {
            let name = arg["name"].as_str().unwrap();
            if args.get(name).is_some() {
                declared.push(format!("${name}: {}", render_type(&arg["type"])));
                passed.push(format!("{name}: ${name}"));
            }
        }
        let vars = if declared.is_empty() {
            String::new()
        } else {
            format!("({})", declared.join(", "))
        };
        let call = if passed.is_empty() {
            String::new()
        } else {
            format!("({})", passed.join(", "))
        };
        let mut target = named(&def["type"]);
        if let Some(only) = only.filter(|o| self.possible(target, o)) {
            target = only;
        }
        let sub = self.selection(target, depth, &mut vec![target.to_owned()]);
        let sub = match only {
            Some(o) if o == target => format!("__typename ... on {o} {{ {sub} }}"),
            Some(_) => "__typename".to_owned(),
            None => sub,
        };
        let sub = if sub.is_empty() {
            String::new()
        } else {
            format!(" {{ {sub} }}")
        };
        format!("{operation} Canary{vars} {{ {field}{call}{sub} }}")
    }

    /// Every field of `ty` that can be asked for without arguments, objects expanded.
    fn selection(&self, ty: &str, depth: usize, path: &mut Vec<String>) -> String {
        let t = &self.types[ty];
        match t["kind"].as_str() {
            Some("SCALAR") | Some("ENUM") => return String::new(),
            Some("INTERFACE") | Some("UNION") => {
                let mut out = vec!["__typename".to_owned()];
                for p in t["possibleTypes"].as_array().into_iter().flatten() {
                    let name = p["name"].as_str().unwrap();
                    path.push(name.to_owned());
                    out.push(format!(
                        "... on {name} {{ {} }}",
                        self.selection(name, depth, path)
                    ));
                    path.pop();
                }
                return out.join(" ");
            }
            _ => {}
        }
        let mut out = Vec::new();
        for f in self.fields(ty) {
            let name = f["name"].as_str().unwrap();
            for arg in f["args"].as_array().into_iter().flatten() {
                assert!(
                    arg["type"]["kind"] != "NON_NULL" || !arg["defaultValue"].is_null(),
                    "{ty}.{name} needs the argument {}: teach the canary's generator a value",
                    arg["name"]
                );
            }
            let target = named(&f["type"]);
            let kind = self.types[target]["kind"].as_str().unwrap_or("");
            if kind == "SCALAR" || kind == "ENUM" {
                out.push(name.to_owned());
                continue;
            }
            let edge_node = ty.ends_with("Edge") && name == "node";
            let seen = path.iter().filter(|p| *p == target).count();
            if depth == 0 || edge_node || seen >= SAME_TYPE_ON_PATH {
                continue;
            }
            path.push(target.to_owned());
            let sub = self.selection(target, depth - 1, path);
            path.pop();
            out.push(format!(
                "{name} {{ {} }}",
                if sub.is_empty() { "__typename" } else { &sub }
            ));
        }
        out.join(" ")
    }
}

fn named(ty: &Value) -> &str {
    match ty["name"].as_str() {
        Some(n) => n,
        None => named(&ty["ofType"]),
    }
}

fn render_type(ty: &Value) -> String {
    match ty["kind"].as_str() {
        Some("NON_NULL") => format!("{}!", render_type(&ty["ofType"])),
        Some("LIST") => format!("[{}]", render_type(&ty["ofType"])),
        _ => ty["name"].as_str().unwrap().to_owned(),
    }
}
