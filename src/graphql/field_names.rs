//! How the API spells the inputs and operations domain errors name (`extensions.field` and the
//! words of the message): the one place where a domain's [`Input`] meets its GraphQL name.
use crate::error::{Input, Operation};

/// The argument or input field `input` is in the schema.
pub fn input_name(input: Input) -> String {
    let name = match input {
        Input::Whole => "input",
        Input::Email => "email",
        Input::NewEmail => "newEmail",
        Input::Username => "username",
        Input::DisplayName => "displayName",
        Input::TimeZone => "timeZone",
        Input::Headline => "headline",
        Input::Links => "links",
        Input::Password => "password",
        Input::CurrentPassword => "currentPassword",
        Input::NewPassword => "newPassword",
        Input::MailedToken => "token",
        Input::RefreshToken => "refreshToken",
        Input::Role => "role",
        Input::Roadmap => "roadmapId",
        Input::Topic => "topicId",
        Input::Parent => "parentId",
        Input::NewParent => "newParentId",
        Input::Position => "position",
        Input::Prerequisites => "prerequisiteIds",
        Input::Slug => "slug",
        Input::RelatedSlugs => "slugs",
        Input::RelatedRoadmaps => "relatedRoadmaps",
        Input::ResourceOrder => "resourceIds",
        Input::ExpectedVersion => "expectedVersion",
        Input::Force => "force",
        Input::Official => "official",
        Input::Rating => "rating",
        Input::Feedback => "feedback",
        Input::Team => "teamId",
        Input::TeamName => "name",
        Input::User => "userId",
        Input::Invite => "inviteId",
        Input::HiddenTopics => "topicIds",
        Input::SameAs => "sameAsId",
        Input::StatusChanges => "changes",
        Input::At => "at",
        Input::Note => "note",
        Input::DesiredRetention => "desiredRetention",
        Input::Document => "document",
    };
    name.to_owned()
}

/// The mutation or query field `operation` is in the schema.
pub fn operation_name(operation: Operation) -> String {
    match operation {
        Operation::LeaveTeam => "leaveTeam",
        Operation::TransferTeamOwnership => "transferTeamOwnership",
    }
    .to_owned()
}

#[cfg(test)]
mod tests {
    //! The rule of this module, kept: no domain source spells an argument, input field or
    //! mutation of the schema in a string literal. Names are taken from the schema itself, so a
    //! new argument is covered the day it is added.
    use std::collections::BTreeSet;
    use std::path::{Path, PathBuf};

    use async_graphql::registry::{MetaType, Registry};
    use async_graphql::OutputType;

    use crate::graphql::{Mutation, Query};

    /// The code below `graphql/` and `http/`: the domains and the foundation they stand on.
    const DOMAIN_DIRS: &[&str] = &[
        "src/accounts",
        "src/auth",
        "src/catalog",
        "src/db",
        "src/error",
        "src/progress",
        "src/teams",
        "src/text.rs",
        "src/error.rs",
    ];

    /// Words of our own file formats that the API's inputs reuse on purpose: the roadmap document
    /// (`catalog::document`, whose metadata keys `createRoadmap`/`updateRoadmap` take as they are)
    /// and the progress export (`progress::export`). They are the formats' words, which a domain
    /// owns; the GraphQL inputs follow them, not the other way round.
    const FORMAT_WORDS: &[&str] = &[
        "format",
        "roadmap",
        "roadmaps",
        "topics",
        "slug",
        "title",
        "briefTitle",
        "description",
        "briefDescription",
        "tags",
        // The English word of `tags`' duplicate message ("tag `x` appears twice").
        "tag",
        "pdfUrl",
        "jsonUrl",
        "imageUrl",
        "structuredData",
        "question",
        "seo",
        "keywords",
        "headline",
        "sponsor",
        "url",
        "sitemap",
        "priority",
        "dimensions",
        "relatedRoadmaps",
        "relatedQuestions",
        "sameAs",
        "resources",
        "kind",
        "legend",
        "children",
        "id",
        "key",
        "status",
        "note",
        "favorite",
        "updatedAt",
        "expiresAt",
        "noteUpdatedAt",
        "files",
        "path",
        "content",
    ];

    /// The schema's argument and input field names, and its mutation names.
    fn wire_names() -> (BTreeSet<String>, BTreeSet<String>) {
        let mut registry = Registry::default();
        <Query as OutputType>::create_type_info(&mut registry);
        <Mutation as OutputType>::create_type_info(&mut registry);
        let mut inputs = BTreeSet::new();
        let mut mutations = BTreeSet::new();
        for (type_name, ty) in &registry.types {
            match ty {
                MetaType::Object { fields, .. } | MetaType::Interface { fields, .. } => {
                    for (name, field) in fields {
                        if type_name == "Mutation" {
                            mutations.insert(name.clone());
                        }
                        inputs.extend(field.args.keys().cloned());
                    }
                }
                MetaType::InputObject { input_fields, .. } => {
                    inputs.extend(input_fields.keys().cloned());
                }
                _ => {}
            }
        }
        for w in FORMAT_WORDS {
            inputs.remove(*w);
        }
        (inputs, mutations)
    }

    fn rust_files(path: &Path, out: &mut Vec<PathBuf>) {
        if path.is_dir() {
            for entry in std::fs::read_dir(path).expect("read a source directory") {
                rust_files(&entry.expect("a directory entry").path(), out);
            }
        } else if path.extension().is_some_and(|e| e == "rs") {
            out.push(path.to_owned());
        }
    }

    /// Whether the literal at `start..end` of `source` is a key of JSON data (`"key": …` in
    /// `json!`, `v["key"]`, `v.get("key")`): the shape of data a domain stores or exports (revision
    /// diffs, documents), not words about an input.
    fn is_json_key(source: &str, start: usize, end: usize) -> bool {
        let before = source[..start].trim_end();
        let after = source[end..].trim_start();
        (after.starts_with(':') && !after.starts_with("::"))
            || (before.ends_with('[') && after.starts_with(']'))
            || ["get(", "get_mut(", "remove("]
                .iter()
                .any(|f| before.ends_with(f))
    }

    /// The string literals of Rust source up to its `#[cfg(test)]` part, with their lines;
    /// JSON keys are left out (see [`is_json_key`]).
    fn literals(source: &str) -> Vec<(usize, String)> {
        let source = source.split("#[cfg(test)]").next().unwrap_or_default();
        let bytes = source.as_bytes();
        let mut out = Vec::new();
        let mut i = 0;
        let line_at = |i: usize| source[..i].matches('\n').count() + 1;
        while i < bytes.len() {
            match bytes[i] {
                b'/' if bytes.get(i + 1) == Some(&b'/') => {
                    i = source[i..].find('\n').map_or(bytes.len(), |n| i + n);
                }
                b'/' if bytes.get(i + 1) == Some(&b'*') => {
                    i = source[i..].find("*/").map_or(bytes.len(), |n| i + n + 2);
                }
                b'\'' => {
                    // A char literal ('"', '\'') or a lifetime: skip the quoted char if any.
                    let rest = &source[i + 1..];
                    let len = if rest.starts_with('\\') {
                        rest.find('\'').map(|n| n + 1)
                    } else {
                        rest.chars()
                            .next()
                            .filter(|_| rest[1..].starts_with('\''))
                            .map(|c| c.len_utf8() + 1)
                    };
                    i += 1 + len.unwrap_or(0);
                }
                b'r' if bytes.get(i + 1).is_some_and(|b| *b == b'#' || *b == b'"')
                    && (i == 0 || !bytes[i - 1].is_ascii_alphanumeric()) =>
                {
                    let hashes = source[i + 1..].bytes().take_while(|b| *b == b'#').count();
                    let open = i + 1 + hashes;
                    if bytes.get(open) != Some(&b'"') {
                        i += 1;
                        continue;
                    }
                    let close = format!("\"{}", "#".repeat(hashes));
                    let end = source[open + 1..]
                        .find(&close)
                        .map_or(bytes.len(), |n| open + 1 + n);
                    out.push((line_at(i), source[open + 1..end].to_owned()));
                    i = end + close.len();
                }
                b'"' => {
                    let mut j = i + 1;
                    while j < bytes.len() && bytes[j] != b'"' {
                        j += if bytes[j] == b'\\' { 2 } else { 1 };
                    }
                    let end = j.min(bytes.len());
                    if !is_json_key(source, i, (end + 1).min(bytes.len())) {
                        out.push((line_at(i), source[i + 1..end].to_owned()));
                    }
                    i = j + 1;
                }
                _ => i += 1,
            }
        }
        out
    }

    /// The identifier-like words of a literal (`changes[3].topicId` → changes, 3, topicId).
    fn words(text: &str) -> impl Iterator<Item = &str> {
        text.split(|c: char| !c.is_ascii_alphanumeric() && c != '_')
            .filter(|w| !w.is_empty())
    }

    #[test]
    fn no_domain_spells_a_graphql_name() {
        let (inputs, mutations) = wire_names();
        assert!(inputs.contains("parentId") && mutations.contains("leaveTeam"));
        let root = Path::new(env!("CARGO_MANIFEST_DIR"));
        let mut files = Vec::new();
        for dir in DOMAIN_DIRS {
            rust_files(&root.join(dir), &mut files);
        }
        assert!(files.len() > 50, "found only {} files", files.len());
        let mut found = Vec::new();
        for file in &files {
            let source = std::fs::read_to_string(file).expect("read a source file");
            let shown = file.strip_prefix(root).unwrap_or(file).display();
            let shown_text = shown.to_string();
            let stored_names = shown_text == "src/catalog/revisions.rs";
            // Mails tell a person which operation to call with the link's token. Known debt:
            // they should be worded by the layer that knows the operations.
            let mail = shown_text.ends_with("/mail.rs");
            for (line, literal) in literals(&source) {
                // The revision log stores the name of the mutation that made each edit (one
                // table, `revisions::Edit::stored_name`): rows written before keep them.
                if (stored_names || mail) && words(&literal).any(|w| mutations.contains(w)) {
                    continue;
                }
                let camel = |w: &str| w.chars().any(|c| c.is_ascii_uppercase());
                let hit = words(&literal)
                    .find(|w| mutations.contains(*w) || (camel(w) && inputs.contains(*w)));
                if let Some(w) = hit {
                    found.push(format!("{shown}:{line}: `{w}` in \"{literal}\""));
                } else if inputs.contains(literal.as_str()) {
                    found.push(format!("{shown}:{line}: \"{literal}\""));
                }
            }
        }
        assert!(
            found.is_empty(),
            "domains name GraphQL inputs or operations (say which `error::Input` it is and spell \
             it in graphql/field_names.rs):\n{}",
            found.join("\n")
        );
    }
}
