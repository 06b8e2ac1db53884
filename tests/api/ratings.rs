//! Ratings of community roadmaps: who may rate what (`rateRoadmap`), replacing and removing a
//! rating, and what `Roadmap.rating` and `Roadmap.myRating` show.
use serde_json::{json, Value};

use crate::helpers::catalog::*;
use crate::helpers::*;

const RATE: &str = "mutation Rate($r: ID!, $s: Int!, $f: String) {
    rateRoadmap(roadmapId: $r, rating: $s, feedback: $f) {
      slug myRating rating { average count distribution } } }";
const UNRATE: &str = "mutation Unrate($r: ID!) { deleteRoadmapRating(roadmapId: $r) {
    myRating rating { average count distribution } } }";
const RATING_OF: &str = "query RatingOf($s: String!, $t: String) {
    roadmap(slug: $s, shareToken: $t) {
      official myRating rating { average count distribution } } }";

/// A roadmap of the signed-in user `token`, with this visibility (and status, when given).
pub async fn own_roadmap(
    app: &TestApp,
    token: &str,
    slug: &str,
    visibility: &str,
    status: Option<&str>,
) -> Value {
    let mut input = new_roadmap(slug);
    input["visibility"] = json!(visibility);
    if let Some(s) = status {
        input["status"] = json!(s);
    }
    ok(app, token, ops::CREATE_ROADMAP, json!({ "i": input })).await["createRoadmap"].clone()
}

async fn rate(app: &TestApp, token: &str, roadmap: &Value, stars: i64) -> Value {
    ok(app, token, RATE, json!({ "r": roadmap["id"], "s": stars })).await["rateRoadmap"].clone()
}

async fn refused(
    app: &TestApp,
    token: Option<&str>,
    roadmap: &Value,
    stars: i64,
    feedback: Option<&str>,
) -> (String, String) {
    let body = app
        .gql_with(
            token,
            RATE,
            json!({ "r": roadmap["id"], "s": stars, "f": feedback }),
        )
        .await;
    let e = &body["errors"][0];
    assert!(e.is_object(), "expected an error: {body}");
    (
        e["extensions"]["code"].as_str().unwrap_or("").to_owned(),
        e["extensions"]["field"].as_str().unwrap_or("").to_owned(),
    )
}

fn ratings_row(
    rows: &[entity::roadmap_ratings::Model],
    user: &Session,
) -> entity::roadmap_ratings::Model {
    rows.iter()
        .find(|r| r.user_id.0 == user_number(&user.user_id))
        .cloned()
        .expect("a rating row")
}

async fn rows_of(
    app: &TestApp,
    roadmap_id: entity::ids::RoadmapId,
) -> Vec<entity::roadmap_ratings::Model> {
    use sea_orm::{ColumnTrait, EntityTrait, QueryFilter};
    let db = app.db.connect().await;
    entity::roadmap_ratings::Entity::find()
        .filter(entity::roadmap_ratings::Column::RoadmapId.eq(roadmap_id))
        .all(&db)
        .await
        .unwrap()
}

#[tokio::test]
async fn who_may_rate_what() {
    let app = spawn_app().await;
    let author = app.signup("author").await;
    let rater = app.signup("rater").await;
    let admin = app.admin_token().await;
    let shared = own_roadmap(&app, &author.access_token, "shared", "PUBLIC", None).await;
    let hidden = own_roadmap(&app, &author.access_token, "hidden", "PRIVATE", None).await;
    let linked = own_roadmap(&app, &author.access_token, "linked", "UNLISTED", None).await;
    let sketch = own_roadmap(
        &app,
        &author.access_token,
        "sketch",
        "PUBLIC",
        Some("DRAFT"),
    )
    .await;
    let official = ok(
        &app,
        &rater.access_token,
        "{ roadmap(slug: \"backend\") { id } }",
        json!({}),
    )
    .await["roadmap"]
        .clone();

    let (code, _) = refused(&app, None, &shared, 4, None).await;
    assert_eq!(code, "UNAUTHENTICATED");
    // Your own roadmap: FORBIDDEN, naming the roadmap.
    let (code, field) = refused(&app, Some(&author.access_token), &shared, 5, None).await;
    assert_eq!((code.as_str(), field.as_str()), ("FORBIDDEN", "roadmapId"));
    // Someone else's PRIVATE roadmap or draft does not exist for you.
    for r in [&hidden, &sketch] {
        let (code, field) = refused(&app, Some(&rater.access_token), r, 4, None).await;
        assert_eq!((code.as_str(), field.as_str()), ("NOT_FOUND", "roadmapId"));
    }
    // Admins read private roadmaps, but those have nobody to be rated for.
    let (code, field) = refused(&app, Some(&admin), &hidden, 4, None).await;
    assert_eq!(
        (code.as_str(), field.as_str()),
        ("BAD_USER_INPUT", "roadmapId")
    );
    // Official roadmaps are not rated.
    let (code, field) = refused(&app, Some(&rater.access_token), &official, 4, None).await;
    assert_eq!(
        (code.as_str(), field.as_str()),
        ("BAD_USER_INPUT", "roadmapId")
    );
    for stars in [0, 6] {
        let (code, field) = refused(&app, Some(&rater.access_token), &shared, stars, None).await;
        assert_eq!(
            (code.as_str(), field.as_str()),
            ("BAD_USER_INPUT", "rating")
        );
    }
    let long = "x".repeat(2001);
    let (code, field) = refused(&app, Some(&rater.access_token), &shared, 3, Some(&long)).await;
    assert_eq!(
        (code.as_str(), field.as_str()),
        ("BAD_USER_INPUT", "feedback")
    );
    // Nothing was written by any refusal.
    assert_eq!(
        count_rows(&app, "SELECT COUNT(*) FROM roadmap_ratings").await,
        0
    );

    // An UNLISTED roadmap can be rated by whoever follows its link (opened it signed in), not
    // by whoever guesses its id.
    let body = app
        .gql_as(
            &rater.access_token,
            RATE,
            json!({ "r": linked["id"], "s": 3 }),
        )
        .await;
    assert_eq!(error_code(&body), Some("NOT_FOUND"), "{body}");
    let token = ok(
        &app,
        &author.access_token,
        "{ roadmap(slug: \"linked\") { shareToken } }",
        json!({}),
    )
    .await["roadmap"]["shareToken"]
        .clone();
    let open = "query($t: String) { roadmap(slug: \"linked\", shareToken: $t) { id } }";
    ok(&app, &rater.access_token, open, json!({ "t": token })).await;
    let r = rate(&app, &rater.access_token, &linked, 3).await;
    assert_eq!(r["rating"]["count"], 1);
    // Admins rate community roadmaps like anyone.
    let r = rate(&app, &admin, &shared, 2).await;
    assert_eq!(r["myRating"], 2);
    assert_eq!(r["rating"]["count"], 1);
}

#[tokio::test]
async fn rating_again_replaces_and_summaries_add_up() {
    let app = spawn_app().await;
    let author = app.signup("author").await;
    let a = app.signup("alice").await;
    let b = app.signup("bob").await;
    let shared = own_roadmap(&app, &author.access_token, "shared", "PUBLIC", None).await;
    let rid = roadmap_row(&app, "shared").await.id;

    let r = ok(
        &app,
        &a.access_token,
        RATE,
        json!({ "r": shared["id"], "s": 4, "f": "  Clear and well ordered.  " }),
    )
    .await["rateRoadmap"]
        .clone();
    assert_eq!(r["myRating"], 4);
    assert_eq!(
        r["rating"],
        json!({ "average": 4.0, "count": 1, "distribution": [0, 0, 0, 1, 0] })
    );
    let first = ratings_row(&rows_of(&app, rid).await, &a);
    assert_eq!(first.feedback.as_deref(), Some("Clear and well ordered."));

    let r = rate(&app, &b.access_token, &shared, 1).await;
    assert_eq!(
        r["rating"],
        json!({ "average": 2.5, "count": 2, "distribution": [1, 0, 0, 1, 0] })
    );

    // Alice changes her mind: still two ratings; her comment goes with an empty one.
    let r = ok(
        &app,
        &a.access_token,
        RATE,
        json!({ "r": shared["id"], "s": 5, "f": "   " }),
    )
    .await["rateRoadmap"]
        .clone();
    assert_eq!(r["myRating"], 5);
    assert_eq!(
        r["rating"],
        json!({ "average": 3.0, "count": 2, "distribution": [1, 0, 0, 0, 1] })
    );
    let rows = rows_of(&app, rid).await;
    assert_eq!(rows.len(), 2);
    let again = ratings_row(&rows, &a);
    assert_eq!(again.rating, 5);
    assert_eq!(again.feedback, None);
    assert_eq!(again.created_at, first.created_at);
    assert!(again.updated_at >= first.updated_at);

    // What others see: the summary, and only their own stars.
    let anon = app.gql(RATING_OF, json!({ "s": "shared" })).await;
    assert_eq!(anon["data"]["roadmap"]["rating"]["count"], 2, "{anon}");
    assert!(anon["data"]["roadmap"]["myRating"].is_null());
    let seen = ok(&app, &b.access_token, RATING_OF, json!({ "s": "shared" })).await;
    assert_eq!(seen["roadmap"]["myRating"], 1);
    let seen = ok(
        &app,
        &author.access_token,
        RATING_OF,
        json!({ "s": "shared" }),
    )
    .await;
    assert!(seen["roadmap"]["myRating"].is_null());

    // Official roadmaps show an empty rating.
    let official = app.gql(RATING_OF, json!({ "s": "backend" })).await;
    assert_eq!(
        official["data"]["roadmap"]["rating"],
        json!({ "average": null, "count": 0, "distribution": [0, 0, 0, 0, 0] })
    );

    // Removing a rating.
    let r = ok(&app, &b.access_token, UNRATE, json!({ "r": shared["id"] })).await;
    assert!(r["deleteRoadmapRating"]["myRating"].is_null());
    assert_eq!(
        r["deleteRoadmapRating"]["rating"],
        json!({ "average": 5.0, "count": 1, "distribution": [0, 0, 0, 0, 1] })
    );
    // Again: nothing to remove is fine.
    ok(&app, &b.access_token, UNRATE, json!({ "r": shared["id"] })).await;
    let hidden = own_roadmap(&app, &author.access_token, "hidden", "PRIVATE", None).await;
    let (code, field, _) = fails(&app, &b.access_token, UNRATE, json!({ "r": hidden["id"] })).await;
    assert_eq!((code.as_str(), field.as_str()), ("NOT_FOUND", "roadmapId"));
}
