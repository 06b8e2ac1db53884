//! The one-way rule of the layers, checked by the project itself: every `crate::<module>` import
//! in `src/` must point to a module of a lower rank than the importing one (equal ranks may not
//! import each other either). `../shared/tools/house` checks the same from outside.
use std::collections::BTreeSet;
use std::path::Path;

/// Top-level modules by rank: transport at the top, foundation at the bottom. A new top-level
/// module must be placed here.
const RANKS: &[(&str, u8)] = &[
    ("cli", 8),
    ("http", 7),
    ("graphql", 6),
    ("teams", 5),
    ("progress", 4),
    ("accounts", 4),
    // Search indexes the catalogue (its trees) and filters hits with `auth`'s rule.
    ("search", 4),
    ("catalog", 3),
    // Capabilities take the row lock and build bound SQL through `db`.
    ("auth", 2),
    ("db", 1),
    ("mail", 1),
    ("text", 1),
    ("config", 0),
    ("error", 0),
];

fn rank(module: &str) -> Option<u8> {
    RANKS.iter().find(|(m, _)| *m == module).map(|(_, r)| *r)
}

/// The top-level modules a source file names after `crate::`, including inside `crate::{…}`.
fn imports(source: &str) -> BTreeSet<String> {
    let mut found = BTreeSet::new();
    let mut rest = source;
    while let Some(at) = rest.find("crate::") {
        rest = &rest[at + "crate::".len()..];
        if let Some(group) = rest.strip_prefix('{') {
            // Names at the group's first level: `crate::{auth::X, db::{a, b}, error}`.
            let mut depth = 0;
            let mut word = String::new();
            let mut at_start = true;
            for c in group.chars() {
                match c {
                    '{' => depth += 1,
                    '}' if depth == 0 => break,
                    '}' => depth -= 1,
                    ',' if depth == 0 => at_start = true,
                    c if depth == 0 && at_start && (c.is_alphanumeric() || c == '_') => {
                        word.push(c)
                    }
                    _ if depth == 0 && at_start && !word.is_empty() => {
                        found.insert(std::mem::take(&mut word));
                        at_start = false;
                    }
                    _ => {}
                }
            }
            if !word.is_empty() {
                found.insert(word);
            }
        } else {
            let name: String = rest
                .chars()
                .take_while(|c| c.is_alphanumeric() || *c == '_')
                .collect();
            found.insert(name);
        }
    }
    found
}

fn rust_files(dir: &Path, out: &mut Vec<std::path::PathBuf>) {
    for entry in std::fs::read_dir(dir).expect("read src").flatten() {
        let path = entry.path();
        if path.is_dir() {
            rust_files(&path, out);
        } else if path.extension().is_some_and(|e| e == "rs") {
            out.push(path);
        }
    }
}

#[test]
fn imports_point_only_down_the_layers() {
    let src = Path::new(env!("CARGO_MANIFEST_DIR")).join("src");
    let mut files = Vec::new();
    rust_files(&src, &mut files);
    let mut wrong = Vec::new();
    let mut modules = BTreeSet::new();
    for file in &files {
        let relative = file.strip_prefix(&src).expect("under src");
        let top = relative
            .components()
            .next()
            .and_then(|c| c.as_os_str().to_str())
            .map(|s| s.trim_end_matches(".rs").to_owned())
            .expect("a file name");
        if matches!(top.as_str(), "lib" | "main" | "layers") {
            continue;
        }
        modules.insert(top.clone());
        let from = rank(&top).unwrap_or_else(|| panic!("src/{top} has no rank in RANKS"));
        let text = std::fs::read_to_string(file).expect("read a source file");
        for to in imports(&text) {
            if to == top {
                continue;
            }
            match rank(&to) {
                Some(r) if r < from => {}
                _ => wrong.push(format!("{} imports crate::{to}", relative.display())),
            }
        }
    }
    assert!(
        wrong.is_empty(),
        "imports against the layers:\n{}",
        wrong.join("\n")
    );
    assert!(modules.len() >= 10, "walked {modules:?}");
}

#[test]
fn grouped_imports_are_read() {
    let found = imports("use crate::{auth::{A, B}, db::sql::Sql, error};\nuse crate::config::X;");
    let names: Vec<&str> = found.iter().map(String::as_str).collect();
    assert_eq!(names, ["auth", "config", "db", "error"]);
}
