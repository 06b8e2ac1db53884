//! `roadmap-bench sockets-client` (hidden): one client process of `roadmap-bench sockets`, started
//! by it. Opens its share of the sockets, numbered `--first` onwards among all of them (the number
//! picks the server, the learner and the loopback source address, see `placement`), each
//! initialised with its learner's token (`SOCKETS_CLIENT_TOKENS`, space-separated, kept off the
//! command line) and subscribed. Then it prints, on stdout:
//!
//! - `subscribed N` once all N are;
//! - `got K` when K of them have received their first event: at once when all have, otherwise
//!   every 200 ms while the count moves.
//!
//! It holds its sockets until its stdin closes (the parent has gone) or it is killed.
use std::net::{IpAddr, Ipv4Addr, SocketAddr};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Arc;
use std::time::Duration;

use anyhow::{bail, Context as _};
use futures_util::{SinkExt, StreamExt};
use serde_json::json;
use tokio::io::AsyncReadExt;
use tokio::net::TcpSocket;
use tokio::sync::Notify;
use tokio_tungstenite::tungstenite::client::IntoClientRequest;
use tokio_tungstenite::tungstenite::Message;

use super::placement;

/// The environment variable holding the learners' tokens.
pub const TOKENS_ENV: &str = "SOCKETS_CLIENT_TOKENS";

#[derive(Debug, clap::Args)]
pub struct ClientArgs {
    /// Every server's address, in order; `placement` picks one per socket.
    #[arg(long, value_delimiter = ',', required = true)]
    pub servers: Vec<SocketAddr>,
    /// The number of this process's first socket among all.
    #[arg(long)]
    pub first: usize,
    /// Sockets this process opens.
    #[arg(long)]
    pub count: usize,
    /// Sockets it opens at once.
    #[arg(long, default_value_t = 200)]
    pub concurrency: usize,
}

const SUBSCRIBE: &str = "subscription Live { myProgressChanged { kind changes { key to } } }";

/// Sockets that have received their first event; `all` is signalled when every one has.
struct Received {
    count: AtomicUsize,
    all: Notify,
    of: usize,
}

pub async fn run(args: ClientArgs) -> anyhow::Result<()> {
    let tokens: Vec<String> = std::env::var(TOKENS_ENV)
        .with_context(|| format!("{TOKENS_ENV} is not set"))?
        .split_whitespace()
        .map(str::to_owned)
        .collect();
    if tokens.is_empty() {
        bail!("{TOKENS_ENV} holds no token");
    }
    exit_when_stdin_closes();
    let received = Arc::new(Received {
        count: AtomicUsize::new(0),
        all: Notify::new(),
        of: args.count,
    });
    let _sockets = open_all(&args, &tokens, received.clone()).await?;
    println!("subscribed {}", args.count);
    report(&received).await;
    std::future::pending::<()>().await;
    Ok(())
}

/// Ends the process when the parent closes our stdin (or dies), so no client outlives a run.
fn exit_when_stdin_closes() {
    tokio::spawn(async {
        let mut stdin = tokio::io::stdin();
        let mut buf = [0u8; 64];
        while let Ok(n) = stdin.read(&mut buf).await {
            if n == 0 {
                break;
            }
        }
        std::process::exit(0);
    });
}

/// Prints `got K` as the events arrive, the last line the moment every socket has one.
async fn report(received: &Received) {
    let mut last = 0;
    loop {
        let now = received.count.load(Ordering::Relaxed);
        if now >= received.of {
            println!("got {now}");
            return;
        }
        if now != last {
            println!("got {now}");
            last = now;
        }
        tokio::select! {
            _ = received.all.notified() => {}
            _ = tokio::time::sleep(Duration::from_millis(200)) => {}
        }
    }
}

/// Opens every socket of this process; each task counts its first `next` message.
async fn open_all(
    args: &ClientArgs,
    tokens: &[String],
    received: Arc<Received>,
) -> anyhow::Result<Vec<tokio::task::JoinHandle<()>>> {
    let gate = Arc::new(tokio::sync::Semaphore::new(args.concurrency.max(1)));
    let mut opening = Vec::with_capacity(args.count);
    for i in args.first..args.first + args.count {
        let (learner, server) = placement(i, tokens.len(), args.servers.len());
        let token = tokens[learner].clone();
        let addr = args.servers[server];
        let gate = gate.clone();
        let received = received.clone();
        opening.push(tokio::spawn(async move {
            let permit = gate.acquire_owned().await.ok();
            let socket = subscribe(addr, i, &token).await;
            drop(permit);
            socket.map(|ws| {
                tokio::spawn(async move {
                    let (_tx, mut rx) = ws.split();
                    let mut counted = false;
                    while let Some(Ok(msg)) = rx.next().await {
                        if let Message::Text(t) = msg {
                            if !counted && t.contains("\"next\"") {
                                counted = true;
                                let now = received.count.fetch_add(1, Ordering::Relaxed) + 1;
                                if now == received.of {
                                    received.all.notify_one();
                                }
                            }
                        }
                    }
                })
            })
        }));
    }
    let mut held = Vec::with_capacity(args.count);
    for o in opening {
        held.push(o.await??);
    }
    Ok(held)
}

type Ws = tokio_tungstenite::WebSocketStream<tokio::net::TcpStream>;

/// One socket from loopback source address 127.0.0.(1 + i % 100), initialised and subscribed.
async fn subscribe(server: SocketAddr, i: usize, token: &str) -> anyhow::Result<Ws> {
    let source = Ipv4Addr::new(127, 0, 0, 1 + (i % 100) as u8);
    let tcp = TcpSocket::new_v4()?;
    tcp.bind(SocketAddr::new(IpAddr::V4(source), 0))?;
    let stream = tcp.connect(server).await.context("connect")?;
    let mut request = format!("ws://{server}/graphql").into_client_request()?;
    request
        .headers_mut()
        .insert("sec-websocket-protocol", "graphql-transport-ws".parse()?);
    let (mut ws, _) = tokio_tungstenite::client_async(request, stream).await?;
    let init = json!({ "type": "connection_init",
                       "payload": { "Authorization": format!("Bearer {token}") } });
    ws.send(Message::text(init.to_string())).await?;
    loop {
        match ws.next().await {
            Some(Ok(Message::Text(t))) if t.contains("connection_ack") => break,
            Some(Ok(_)) => continue,
            other => bail!("no connection_ack: {other:?}"),
        }
    }
    let sub = json!({ "id": "1", "type": "subscribe", "payload": { "query": SUBSCRIBE } });
    ws.send(Message::text(sub.to_string())).await?;
    Ok(ws)
}
