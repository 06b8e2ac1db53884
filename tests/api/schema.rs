//! The committed `schema.graphql` must equal the schema the server serves.
use crate::helpers::BIN;

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
