//! Identical subscriptions of one user share one execution: sockets of the same user whose
//! subscription has the same document, operation, variables and viewer (role, teams) receive the
//! items of one running schema stream (the *source*), rendered once and cloned to each socket,
//! instead of each running the selection for every change (issue 22, item 7).
//!
//! Every socket still runs its own execution first (`LivePart::Follower`): validation, guards,
//! the budget charge, its place among its operations and its count in
//! `roadmap_active_subscriptions` are its own, and it receives nothing from the source until
//! that execution admitted it. A socket that ends (completes, closes, token expiry or
//! revocation, a broken limit) drops only its own receiver; the source stops when the last
//! socket following it is gone.
//!
//! A socket that falls more than [`CAPACITY`] items behind the source is not left with a silent
//! gap: it receives one item of its own rendered for a missed change (`LivePart::Missed`:
//! `RESYNC` for `myProgressChanged`), then the source's items again, as the progress bus does
//! for a slow subscriber.
use std::collections::HashMap;
use std::sync::{Arc, Mutex, Weak};

use async_graphql::parser::types::OperationType;
use async_graphql::{Data, Request, Response};
use entity::ids::UserId;
use futures_util::stream::{self, BoxStream};
use futures_util::StreamExt;
use sea_orm::DatabaseConnection;
use tokio::sync::{broadcast, oneshot, watch};
use tokio::task::AbortHandle;

use crate::auth::Viewer;
use crate::graphql::context::RequestId;
use crate::graphql::live_part::{Follower, LivePart};
use crate::graphql::loaders::Loaders;
use crate::graphql::AppSchema;

/// Items a socket may fall behind the source by before it is told it missed some.
const CAPACITY: usize = 64;

/// What makes two subscriptions the same: the same answer to every change.
#[derive(Clone, PartialEq, Eq, Hash)]
pub struct ShareKey {
    user: UserId,
    /// Role and teams: what the viewer may see.
    viewer: String,
    query: String,
    operation: Option<String>,
    variables: String,
}

impl ShareKey {
    /// The key of a signed-in viewer's subscription; `None` for anything else (queries and
    /// mutations, anonymous sockets, documents that do not parse), which runs alone.
    pub fn of(request: &mut Request, viewer: Option<&Viewer>) -> Option<Self> {
        let user = viewer?.user.as_ref()?;
        let doc = request.parsed_query().ok()?;
        let only_subscriptions = doc
            .operations
            .iter()
            .all(|(_, op)| op.node.ty == OperationType::Subscription);
        if !only_subscriptions {
            return None;
        }
        Some(Self {
            user: user.id,
            viewer: format!("{:?} {:?}", user.role, user.teams),
            query: request.query.clone(),
            operation: request.operation_name.clone(),
            variables: serde_json::to_string(&request.variables).ok()?,
        })
    }
}

type Groups = Mutex<HashMap<ShareKey, Weak<Group>>>;

/// The running sources of this process, by key.
#[derive(Default)]
pub struct SharedSubscriptions {
    groups: Arc<Groups>,
}

/// One running source and the sockets' way to its items.
struct Group {
    key: ShareKey,
    /// How the source was started (to render a missed item for one of its sockets).
    op: Operation,
    /// `None` once the source ended (its receivers then see the end).
    items: Arc<Mutex<Option<broadcast::Sender<Arc<Response>>>>>,
    listening: watch::Receiver<bool>,
    source: AbortHandle,
    groups: Weak<Groups>,
}

impl Group {
    fn receiver(&self) -> Option<broadcast::Receiver<Arc<Response>>> {
        lock(&self.items).as_ref().map(broadcast::Sender::subscribe)
    }
}

impl Drop for Group {
    fn drop(&mut self) {
        self.source.abort();
        if let Some(groups) = self.groups.upgrade() {
            let mut groups = lock(&groups);
            let mine = groups
                .get(&self.key)
                .is_some_and(|w| std::ptr::eq(w.as_ptr(), self));
            if mine {
                groups.remove(&self.key);
            }
        }
    }
}

/// A socket's own copy of a shared item (`Response` is not `Clone`).
fn copy_of(shared: &Response) -> Response {
    let mut response = Response::new(shared.data.clone());
    response.extensions = shared.extensions.clone();
    response.cache_control = shared.cache_control;
    response.errors = shared.errors.clone();
    response.http_headers = shared.http_headers.clone();
    response
}

fn lock<T>(m: &Mutex<T>) -> std::sync::MutexGuard<'_, T> {
    m.lock().unwrap_or_else(|p| p.into_inner())
}

/// What a socket's subscription runs with: the schema, where it reads, the socket's session.
#[derive(Clone)]
pub struct Operation {
    pub schema: AppSchema,
    pub db: DatabaseConnection,
    pub session: Arc<Data>,
}

impl Operation {
    fn request(&self, key: &ShareKey, part: LivePart) -> Request {
        let mut request = Request::new(key.query.clone());
        request.operation_name = key.operation.clone();
        request.variables = serde_json::from_str(&key.variables).unwrap_or_default();
        let id = format!("ws-{}", uuid::Uuid::new_v4().simple());
        request
            .data(self.db.clone())
            .data(Loaders::new(&self.db))
            .data(RequestId(id))
            .data(part)
    }

    fn run(&self, request: Request) -> BoxStream<'static, Response> {
        self.schema
            .execute_stream_with_session_data(request, self.session.clone())
            .boxed()
    }
}

impl SharedSubscriptions {
    /// The items of `request` (the socket's admitted subscription) for one socket: its own
    /// execution's answer if that fails, else the shared source's items.
    pub fn follow(
        &self,
        key: ShareKey,
        request: Request,
        op: Operation,
    ) -> BoxStream<'static, Response> {
        let group = self.group(&key, &op);
        let items = group.receiver();
        let (follower, admitted) = Follower::new(group.listening.clone());
        let own = op.run(request.data(LivePart::Follower(follower)));
        let seat = Seat {
            own,
            admitted: Some(admitted),
            alone: false,
            items,
            group,
        };
        stream::unfold(seat, |mut seat| async move {
            seat.next().await.map(|r| (r, seat))
        })
        .boxed()
    }

    /// The running group of `key`, or a new one with its source started.
    fn group(&self, key: &ShareKey, op: &Operation) -> Arc<Group> {
        let mut groups = lock(&self.groups);
        // An ended source is replaced; the Arc is dropped after the lock (its drop takes it).
        let running = groups.get(key).and_then(Weak::upgrade);
        let stale = match running {
            Some(g) if g.receiver().is_some() => return g,
            other => other,
        };
        let (listening_tx, listening) = watch::channel(false);
        let (tx, _) = broadcast::channel(CAPACITY);
        let items = Arc::new(Mutex::new(Some(tx)));
        let source = op.run(op.request(
            key,
            LivePart::Source {
                listening: listening_tx,
            },
        ));
        let task = tokio::spawn(run_source(source, items.clone()));
        let group = Arc::new(Group {
            key: key.clone(),
            op: op.clone(),
            items,
            listening,
            source: task.abort_handle(),
            groups: Arc::downgrade(&self.groups),
        });
        groups.insert(key.clone(), Arc::downgrade(&group));
        drop(groups);
        drop(stale);
        group
    }

    /// Sources running now (for tests).
    pub fn running(&self) -> usize {
        lock(&self.groups).len()
    }
}

/// Hands the source's items to its receivers until it ends; then its receivers see the end.
async fn run_source(
    mut source: BoxStream<'static, Response>,
    items: Arc<Mutex<Option<broadcast::Sender<Arc<Response>>>>>,
) {
    while let Some(response) = source.next().await {
        let tx = lock(&items).clone();
        if let Some(tx) = tx {
            let _ = tx.send(Arc::new(response));
        }
    }
    lock(&items).take();
}

/// One socket's place at a group.
struct Seat {
    /// The socket's own execution: silent once admitted (it holds the socket's count).
    own: BoxStream<'static, Response>,
    /// Until the own execution admitted the socket.
    admitted: Option<oneshot::Receiver<()>>,
    /// The own execution answered (an error): the socket has only that.
    alone: bool,
    /// `None`: the source ended before the socket came.
    items: Option<broadcast::Receiver<Arc<Response>>>,
    /// Keeps the source running while this socket follows it.
    group: Arc<Group>,
}

impl Seat {
    async fn next(&mut self) -> Option<Response> {
        if let Some(mut admitted) = self.admitted.take() {
            tokio::select! {
                // The checks failed (or the source ended first): the socket gets its own answer.
                own = self.own.next() => {
                    self.alone = true;
                    return own;
                }
                Ok(()) = &mut admitted => {}
            }
        }
        if self.alone {
            return self.own.next().await;
        }
        let items = self.items.as_mut()?;
        match items.recv().await {
            Ok(response) => Some(copy_of(&response)),
            Err(broadcast::error::RecvError::Lagged(_)) => {
                let group = &self.group;
                let missed = group.op.request(&group.key, LivePart::Missed);
                group.op.run(missed).next().await
            }
            Err(broadcast::error::RecvError::Closed) => None,
        }
    }
}
