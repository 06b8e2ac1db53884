//! Mutations whose answer carries tokens: every mutation field that returns `AuthPayload` (an
//! access and a refresh token). Read from the schema's own registry, so a new mutation returning
//! `AuthPayload` is covered without a list to keep. The idempotency layer never stores such an
//! answer (it would keep live tokens in clear): these mutations ignore `Idempotency-Key`.
use std::collections::HashSet;
use std::sync::OnceLock;

use async_graphql::parser::types::{
    DocumentOperations, ExecutableDocument, OperationType, Selection, SelectionSet,
};
use async_graphql::registry::{MetaType, Registry};
use async_graphql::{OutputType, Positioned};

use super::Mutation;

/// The type whose fields are tokens.
const TOKEN_PAYLOAD: &str = "AuthPayload";

/// Names of the mutation fields that return tokens.
pub fn token_mutations() -> &'static HashSet<String> {
    static NAMES: OnceLock<HashSet<String>> = OnceLock::new();
    NAMES.get_or_init(|| {
        let mut registry = Registry::default();
        <Mutation as OutputType>::create_type_info(&mut registry);
        let Some(MetaType::Object { fields, .. }) = registry.types.get("Mutation") else {
            return HashSet::new();
        };
        fields
            .iter()
            .filter(|(_, f)| f.ty.trim_end_matches('!') == TOKEN_PAYLOAD)
            .map(|(name, _)| name.clone())
            .collect()
    })
}

/// Whether the operation that will run (by `operation_name`) is a mutation selecting a field
/// that returns tokens, at its root or through fragments at its root.
pub fn issues_tokens(doc: &ExecutableDocument, operation_name: Option<&str>) -> bool {
    let names = token_mutations();
    let operation = match (&doc.operations, operation_name) {
        (DocumentOperations::Single(op), _) => Some(op),
        (DocumentOperations::Multiple(ops), Some(name)) => ops.get(name),
        (DocumentOperations::Multiple(ops), None) if ops.len() == 1 => ops.values().next(),
        // Several operations and no name: nothing runs (async-graphql refuses it).
        _ => None,
    };
    operation.is_some_and(|op| {
        op.node.ty == OperationType::Mutation
            && selects_any(doc, &op.node.selection_set, names, &mut Vec::new())
    })
}

fn selects_any<'a>(
    doc: &'a ExecutableDocument,
    set: &'a Positioned<SelectionSet>,
    names: &HashSet<String>,
    seen: &mut Vec<&'a str>,
) -> bool {
    set.node.items.iter().any(|item| match &item.node {
        Selection::Field(f) => names.contains(f.node.name.node.as_str()),
        Selection::InlineFragment(i) => selects_any(doc, &i.node.selection_set, names, seen),
        Selection::FragmentSpread(s) => {
            let name = s.node.fragment_name.node.as_str();
            if seen.contains(&name) {
                return false;
            }
            seen.push(name);
            doc.fragments
                .get(name)
                .is_some_and(|f| selects_any(doc, &f.node.selection_set, names, seen))
        }
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn doc(q: &str) -> ExecutableDocument {
        async_graphql::parser::parse_query(q).unwrap()
    }

    #[test]
    fn every_mutation_returning_tokens_is_known() {
        let names = token_mutations();
        for name in ["signUp", "signIn", "refreshSession", "changePassword"] {
            assert!(names.contains(name), "{name} returns tokens");
        }
        assert!(!names.contains("signOut"));
    }

    #[test]
    fn finds_token_mutations_at_the_root_and_through_fragments() {
        assert!(issues_tokens(
            &doc("mutation { signIn(email: \"a\", password: \"b\") { accessToken } }"),
            None
        ));
        assert!(issues_tokens(
            &doc("mutation M { ...F } fragment F on Mutation { ... on Mutation { refreshSession(refreshToken: \"x\") { accessToken } } }"),
            None
        ));
        assert!(!issues_tokens(
            &doc("mutation { signOut(refreshToken: \"x\") }"),
            None
        ));
        assert!(!issues_tokens(&doc("{ signIn }"), None));
        let two = doc(
            "mutation A { signOut(refreshToken: \"x\") } mutation B { signUp { accessToken } }",
        );
        assert!(!issues_tokens(&two, Some("A")));
        assert!(issues_tokens(&two, Some("B")));
    }
}
