//! The GraphQL documents several tests send, by name. A document that tests one particular shape
//! stays inline in its test.

// Accounts

pub const SIGN_UP: &str = r#"mutation SignUp($input: SignUpInput!) { signUp(input: $input) {
    accessToken refreshToken accessTokenExpiresAt user { id username email role } } }"#;
pub const SIGN_IN: &str = r#"mutation SignIn($input: SignInInput!) { signIn(input: $input) {
    accessToken refreshToken user { id role } } }"#;
pub const SIGN_OUT: &str = "mutation SignOut($t: String!) { signOut(refreshToken: $t) }";
pub const REFRESH_SESSION: &str = "mutation RefreshSession($t: String!) {
    refreshSession(refreshToken: $t) { accessToken refreshToken user { username } } }";
pub const ME: &str = "query Me { me { id username displayName email role timeZone } }";

// Catalogue reads

/// Whether a topic id resolves (`topic` is null for an unknown one).
pub const TOPIC_ID: &str = "query TopicId($id: ID!) { topic(id: $id) { id } }";
/// Whether a global id resolves through `node`.
pub const NODE_ID: &str = "query NodeId($id: ID!) { node(id: $id) { id } }";

// Catalogue editing (admins)

macro_rules! roadmap_fields {
    () => {
        "id slug title briefTitle description status version order tags
    pdfUrl updatedAt seo { title keywords } structuredData { headline dateModified }
    relatedRoadmaps { slug } topicCount"
    };
}
macro_rules! topic_fields {
    () => {
        "id key title description kind legend position version depth
    parent { key } children { key position } resources { id kind title url position }"
    };
}

pub const CREATE_ROADMAP: &str = concat!(
    "mutation CreateRoadmap($i: CreateRoadmapInput!) { createRoadmap(input: $i) { ",
    roadmap_fields!(),
    " } }"
);
pub const UPDATE_ROADMAP: &str = concat!(
    "mutation UpdateRoadmap($id: ID!, $i: UpdateRoadmapInput!, $v: Int) {
    updateRoadmap(id: $id, input: $i, expectedVersion: $v) { ",
    roadmap_fields!(),
    " } }"
);
pub const DELETE_ROADMAP: &str = "mutation DeleteRoadmap($id: ID!, $f: Boolean) {
    deleteRoadmap(id: $id, force: $f) { deletedRoadmapId slug archivedProgress } }";
pub const CREATE_TOPIC: &str = concat!(
    "mutation CreateTopic($r: ID!, $p: ID, $pos: Int, $i: CreateTopicInput!) {
    createTopic(roadmapId: $r, parentId: $p, position: $pos, input: $i) { ",
    topic_fields!(),
    " } }"
);
pub const UPDATE_TOPIC: &str = concat!(
    "mutation UpdateTopic($id: ID!, $i: UpdateTopicInput!, $v: Int) {
    updateTopic(id: $id, input: $i, expectedVersion: $v) { ",
    topic_fields!(),
    " } }"
);
pub const MOVE_TOPIC: &str = concat!(
    "mutation MoveTopic($id: ID!, $p: ID, $pos: Int, $v: Int) {
    moveTopic(id: $id, newParentId: $p, position: $pos, expectedVersion: $v) { ",
    topic_fields!(),
    " } }"
);
pub const DELETE_TOPIC: &str = "mutation DeleteTopic($id: ID!) {
    deleteTopic(id: $id) { deletedTopicIds roadmap { topicCount } } }";
pub const ADD_RESOURCE: &str = "mutation AddResource($t: ID!, $i: ResourceInput!) {
    addResource(topicId: $t, input: $i) { resource { id } } }";
pub const EXPORT_ROADMAP: &str = "query ExportRoadmap($s: String!) { exportRoadmap(slug: $s) {
    slug json document markdownFiles { path content } } }";
pub const IMPORT_ROADMAP: &str =
    "mutation ImportRoadmap($d: JSON, $f: [RoadmapFileInput!], $m: ImportMode) {
    importRoadmap(document: $d, files: $f, mode: $m) { slug created roadmapChanged topicsAdded
      topicsChanged topicsRemoved topicsReordered resourcesAdded resourcesRemoved addedTopicIds
      changedTopicIds removedTopicIds roadmap { slug topicCount } } }";

// Learner progress

pub const SET_TOPIC_STATUS: &str = r#"mutation SetTopicStatus($id: ID!, $s: ProgressStatus!) {
    setTopicStatus(topicId: $id, status: $s) { changed status topic { id key myStatus }
    progress { done learning skipped pending total percentDone percentComplete updatedAt favorite roadmap { slug } } } }"#;
pub const SET_TOPIC_STATUSES: &str = r#"mutation SetTopicStatuses($r: ID!, $c: [TopicStatusInput!]!) {
    setTopicStatuses(roadmapId: $r, changes: $c) { changedCount topics { key myStatus }
    progress { done learning skipped pending total percentDone percentComplete } } }"#;
pub const MY_ROADMAP_PROGRESS: &str = r#"query MyRoadmapProgress($slug: String!) { roadmap(slug: $slug) { id topicCount
    myProgress { done learning skipped pending total percentDone percentComplete updatedAt favorite } } }"#;
/// A roadmap's whole tree with the viewer's status and note on every topic.
pub const MY_TREE: &str = r#"query MyTree($slug: String!) { roadmap(slug: $slug) { id topicCount
    myProgress { done learning skipped pending total percentDone percentComplete }
    topics { ...T children { ...T children { ...T children { ...T } } } } } }
fragment T on Topic { id key title myStatus myNote }"#;
/// The page with everything the kept rendering writes: resources, legend, nesting, and the
/// viewer's own values in between.
pub const MY_TREE_RESOURCES: &str = r#"query MyTreeResources($slug: String!) { roadmap(slug: $slug) {
    id topics { ...T children { ...T children { ...T children { ...T } } } } } }
fragment T on Topic { id key kind title description legend myStatus position myNote
    resources { id kind title url } depth }"#;
pub const MY_DASHBOARD: &str = r#"query MyDashboard($first: Int, $after: String) { me { progress(first: $first, after: $after) {
    totalCount pageInfo { hasNextPage endCursor }
    edges { node { roadmap { slug } done learning skipped pending total percentDone favorite updatedAt } } } } }"#;
pub const MY_ACTIVITY: &str = r#"query MyActivity($first: Int, $after: String) { me { activity(first: $first, after: $after) {
    totalCount pageInfo { hasNextPage endCursor }
    edges { node { id at from to topicKey topicTitle roadmapTitle roadmapSlug topic { key } } } } } }"#;
pub const MY_PROGRESS_CHANGED: &str = "subscription MyProgressChanged { myProgressChanged {
    kind roadmapId roadmap { slug } at changes { key from to topic { key myStatus } } note { note }
    progress { done learning total } } }";
pub const SET_TOPIC_NOTE: &str =
    "mutation SetTopicNote($id: ID!, $n: String) { setTopicNote(topicId: $id, note: $n) { note } }";
// Offline merge: changes with the device time they were made at (`at`).

pub const SET_TOPIC_STATUS_AT: &str = r#"mutation SetTopicStatusAt($id: ID!, $s: ProgressStatus!, $at: DeviceTime) {
    setTopicStatus(topicId: $id, status: $s, at: $at) { changed status topic { key myStatus }
    skipped { topicId at storedAt reason } } }"#;
pub const SET_TOPIC_STATUSES_AT: &str = r#"mutation SetTopicStatusesAt($r: ID!, $c: [TopicStatusInput!]!) {
    setTopicStatuses(roadmapId: $r, changes: $c) { changedCount topics { key myStatus }
    skipped { topicId at storedAt reason } progress { done learning skipped } } }"#;
pub const SET_TOPIC_NOTE_AT: &str = r#"mutation SetTopicNoteAt($id: ID!, $n: String, $at: DeviceTime) {
    setTopicNote(topicId: $id, note: $n, at: $at) { note topic { key myNote }
    skipped { topicId at storedAt reason } } }"#;
pub const FAVORITE_ROADMAP: &str =
    "mutation FavoriteRoadmap($r: ID!) { favoriteRoadmap(roadmapId: $r) { favorite } }";
pub const RESET_ROADMAP_PROGRESS: &str =
    "mutation ResetRoadmapProgress($r: ID!) { resetRoadmapProgress(roadmapId: $r) { clearedCount } }";
pub const EXPORT_MY_PROGRESS: &str = "query ExportMyProgress { exportMyProgress }";
