//! `roadmap-bench sockets`: what idle `myProgressChanged` sockets cost the server, and how fast a
//! change reaches them. Starts the server binary on a fresh SQLite directory (socket limits raised
//! for itself), signs up `--learners` learners, reads the server's RSS (/proc/PID/status), opens
//! `--sockets` `graphql-transport-ws` sockets spread over the learners (round robin, from several
//! loopback source addresses so 50,000 do not run out of ports), each subscribed; waits until the
//! server counts every subscription, reads the RSS again; then each learner changes one topic's
//! status at once and the time until every socket has its event is the delivery time.
//! Raise `ulimit -n` above the socket count first (the server and this process each hold one
//! descriptor per socket).
use std::net::{IpAddr, Ipv4Addr, SocketAddr};
use std::path::PathBuf;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Arc;
use std::time::{Duration, Instant};

use anyhow::{bail, Context as _};
use futures_util::{SinkExt, StreamExt};
use serde_json::json;
use tokio::net::TcpSocket;
use tokio_tungstenite::tungstenite::client::IntoClientRequest;
use tokio_tungstenite::tungstenite::Message;

use crate::run::client::Client;
use crate::run::procs::{start_server, Proc};

#[derive(Debug, clap::Args)]
pub struct SocketsArgs {
    /// The server binary (a release build for figures).
    #[arg(long, default_value = "target/release/roadmap-api")]
    pub server_bin: PathBuf,
    /// Subscribed sockets to open.
    #[arg(long, default_value_t = 5_000)]
    pub sockets: usize,
    /// Learners the sockets are spread over (each makes one change).
    #[arg(long, default_value_t = 20)]
    pub learners: usize,
    /// Sockets opened at once.
    #[arg(long, default_value_t = 200)]
    pub concurrency: usize,
}

const SUBSCRIBE: &str = "subscription Live { myProgressChanged { kind changes { key to } } }";
const SET_STATUS: &str =
    "mutation Set($id: ID!) { setTopicStatus(topicId: $id, status: DONE) { changed } }";

pub async fn run(args: SocketsArgs) -> anyhow::Result<()> {
    let client = Client::new()?;
    let dir = tempfile::tempdir()?;
    let many = (args.sockets + 10).to_string();
    let env = vec![("DATA_DIR".to_owned(), dir.path().display().to_string())];
    let probe = br#"{"query":"{ __typename }"}"#;
    let server = start_server(
        &args.server_bin,
        &env,
        &[
            ("WS_MAX_SOCKETS_PER_USER", many.as_str()),
            ("WS_MAX_SOCKETS_PER_ADDRESS", many.as_str()),
            ("SIGNIN_MAX_FAILURES", "100000"),
            // Thousands of `connection_init`s check their tokens at once on a busy machine.
            ("DATABASE_ACQUIRE_TIMEOUT_SECS", "30"),
        ],
        probe,
        &client,
    )
    .await?;
    let graphql = server.url("/graphql");
    let tokens = sign_up(&client, &graphql, args.learners).await?;
    let topic = first_topic(&client, &graphql).await?;
    let before = settle_rss(&server).await;
    let received = Arc::new(AtomicUsize::new(0));
    let opened = Instant::now();
    let sockets = open_all(&server, &tokens, &args, received.clone()).await?;
    wait_for(&client, &server, args.sockets).await?;
    let open_time = opened.elapsed();
    let after = settle_rss(&server).await;
    let per_socket_kib = (after - before) * 1024.0 / args.sockets as f64;
    let start = Instant::now();
    let writes = tokens
        .iter()
        .map(|t| client.gql(&graphql, Some(t), SET_STATUS, json!({ "id": topic })));
    for w in futures_util::future::join_all(writes).await {
        w?;
    }
    let deadline = start + Duration::from_secs(60);
    while received.load(Ordering::Relaxed) < args.sockets {
        if Instant::now() > deadline {
            bail!(
                "only {} of {} sockets got their event within 60 s",
                received.load(Ordering::Relaxed),
                args.sockets
            );
        }
        tokio::time::sleep(Duration::from_millis(2)).await;
    }
    let delivery = start.elapsed();
    println!(
        "| {} sockets over {} learners | RSS {:.1} → {:.1} MiB | {:.1} KiB per subscribed socket | \
         opened in {:.1} s | {} changes delivered to every socket in {} ms |",
        args.sockets,
        args.learners,
        before,
        after,
        per_socket_kib,
        open_time.as_secs_f64(),
        args.learners,
        delivery.as_millis()
    );
    drop(sockets);
    server.stop();
    Ok(())
}

async fn sign_up(client: &Client, url: &str, n: usize) -> anyhow::Result<Vec<String>> {
    let mut tokens = Vec::with_capacity(n);
    for i in 0..n {
        let name = format!("live{i}");
        let answer = client
            .gql(
                url,
                None,
                "mutation S($input: SignUpInput!) { signUp(input: $input) { accessToken } }",
                json!({ "input": { "email": format!("{name}@bench.example"), "username": name,
                                   "password": "bench-password-123" } }),
            )
            .await?;
        tokens.push(
            answer["data"]["signUp"]["accessToken"]
                .as_str()
                .context("no access token")?
                .to_owned(),
        );
    }
    Ok(tokens)
}

async fn first_topic(client: &Client, url: &str) -> anyhow::Result<String> {
    let answer = client
        .gql(
            url,
            None,
            "{ roadmap(slug: \"backend\") { topics { id } } }",
            json!({}),
        )
        .await?;
    answer["data"]["roadmap"]["topics"][0]["id"]
        .as_str()
        .map(str::to_owned)
        .context("no topic in the seeded roadmap")
}

/// The server's RSS in MiB once it stops moving (allocators hand memory back lazily).
async fn settle_rss(server: &Proc) -> f64 {
    let mut last = server.rss_mib();
    for _ in 0..20 {
        tokio::time::sleep(Duration::from_millis(100)).await;
        let now = server.rss_mib();
        if (now - last).abs() < 0.1 {
            return now;
        }
        last = now;
    }
    last
}

/// Opens every socket; each task counts its first `next` message.
async fn open_all(
    server: &Proc,
    tokens: &[String],
    args: &SocketsArgs,
    received: Arc<AtomicUsize>,
) -> anyhow::Result<Vec<tokio::task::JoinHandle<()>>> {
    let gate = Arc::new(tokio::sync::Semaphore::new(args.concurrency));
    let mut opening = Vec::with_capacity(args.sockets);
    for i in 0..args.sockets {
        let token = tokens[i % tokens.len()].clone();
        let addr = server.addr;
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
                                received.fetch_add(1, Ordering::Relaxed);
                            }
                        }
                    }
                })
            })
        }));
    }
    let mut held = Vec::with_capacity(args.sockets);
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

/// Until the server counts `n` open subscriptions (`roadmap_active_subscriptions`).
async fn wait_for(client: &Client, server: &Proc, n: usize) -> anyhow::Result<()> {
    let deadline = Instant::now() + Duration::from_secs(120);
    loop {
        let text = client.metrics(&server.url("")).await?;
        let open: f64 = text
            .lines()
            .find_map(|l| l.strip_prefix("roadmap_active_subscriptions "))
            .and_then(|v| v.trim().parse().ok())
            .unwrap_or(0.0);
        if open as usize >= n {
            return Ok(());
        }
        if Instant::now() > deadline {
            bail!("the server counts {open} subscriptions of {n} after 120 s");
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
}
