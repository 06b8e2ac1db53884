//! A graphql-transport-ws client for the tests: connect, `connection_init`, read messages, read
//! the close code.
use std::time::Duration;

use futures_util::{SinkExt, StreamExt};
use serde_json::{json, Value};
use tokio_tungstenite::tungstenite::client::IntoClientRequest;
use tokio_tungstenite::tungstenite::Message;

use super::TestApp;

pub type Ws =
    tokio_tungstenite::WebSocketStream<tokio_tungstenite::MaybeTlsStream<tokio::net::TcpStream>>;

pub async fn ws_connect(app: &TestApp) -> Ws {
    let url = app.url("/graphql").replacen("http://", "ws://", 1);
    let mut req = url.into_client_request().unwrap();
    req.headers_mut().insert(
        "Sec-WebSocket-Protocol",
        "graphql-transport-ws".parse().unwrap(),
    );
    let (ws, resp) = tokio_tungstenite::connect_async(req)
        .await
        .expect("websocket connect");
    assert_eq!(
        resp.headers()
            .get("sec-websocket-protocol")
            .and_then(|v| v.to_str().ok()),
        Some("graphql-transport-ws")
    );
    ws
}

/// The next text message as JSON (pings answered), or `None` at the deadline or on close.
pub async fn next_json(ws: &mut Ws, wait: Duration) -> Option<Value> {
    let deadline = tokio::time::Instant::now() + wait;
    loop {
        let msg = tokio::time::timeout_at(deadline, ws.next()).await.ok()??;
        match msg.ok()? {
            Message::Text(t) => {
                let v: Value = serde_json::from_str(&t).unwrap();
                if v["type"] == "ping" {
                    ws.send(Message::text(r#"{"type":"pong"}"#)).await.ok()?;
                    continue;
                }
                return Some(v);
            }
            Message::Close(_) => return None,
            _ => continue,
        }
    }
}

/// The close code the server ends the connection with.
pub async fn close_code(ws: &mut Ws) -> Option<u16> {
    let deadline = tokio::time::Instant::now() + Duration::from_secs(10);
    loop {
        let msg = tokio::time::timeout_at(deadline, ws.next()).await.ok()??;
        if let Ok(Message::Close(frame)) = msg {
            return frame.map(|f| u16::from(f.code));
        }
    }
}

/// Sends `payload` (`query`, `variables`, …) as a `subscribe` with `id`; the payload of the first
/// `next` (or `error`) for it.
pub async fn ws_query(ws: &mut Ws, id: &str, payload: &Value) -> Value {
    let msg = json!({ "id": id, "type": "subscribe", "payload": payload }).to_string();
    ws.send(Message::text(msg)).await.expect("send");
    loop {
        let Some(msg) = next_json(ws, Duration::from_secs(20)).await else {
            panic!("no answer on the socket for {id}");
        };
        if msg["id"] == id && (msg["type"] == "next" || msg["type"] == "error") {
            return msg["payload"].clone();
        }
    }
}

pub async fn ws_init(ws: &mut Ws, token: &str) -> Value {
    ws.send(Message::text(
        json!({ "type": "connection_init", "payload": { "Authorization": format!("Bearer {token}") } })
            .to_string(),
    ))
    .await
    .unwrap();
    next_json(ws, Duration::from_secs(10))
        .await
        .unwrap_or(Value::Null)
}

/// Starts `myProgressChanged` on an initialised socket.
pub async fn subscribe_progress(ws: &mut Ws, id: &str) {
    ws.send(Message::text(
        json!({ "id": id, "type": "subscribe", "payload": { "query": super::ops::MY_PROGRESS_CHANGED } })
            .to_string(),
    ))
    .await
    .unwrap();
}

/// A connected, initialised socket subscribed to `myProgressChanged` for `token`'s user.
pub async fn live_socket(app: &TestApp, token: &str) -> Ws {
    let mut ws = ws_connect(app).await;
    let ack = ws_init(&mut ws, token).await;
    assert_eq!(ack["type"], "connection_ack", "{ack}");
    subscribe_progress(&mut ws, "1").await;
    ws
}

/// Waits until the server counts at least `n` open subscriptions (they start asynchronously).
pub async fn wait_for_subscriptions(app: &TestApp, n: f64) {
    let open = super::eventually(Duration::from_secs(10), || async {
        app.metric("roadmap_active_subscriptions").await >= n
    })
    .await;
    assert!(open, "the subscription never opened");
}

/// Whether the socket still answers: a `ping` gets its `pong`.
pub async fn answers_ping(ws: &mut Ws) -> bool {
    if ws.send(Message::text(r#"{"type":"ping"}"#)).await.is_err() {
        return false;
    }
    let deadline = tokio::time::Instant::now() + Duration::from_secs(10);
    loop {
        match tokio::time::timeout_at(deadline, ws.next()).await {
            Ok(Some(Ok(Message::Text(t)))) => {
                let v: Value = serde_json::from_str(&t).unwrap_or(Value::Null);
                if v["type"] == "pong" {
                    return true;
                }
            }
            Ok(Some(Ok(Message::Close(_)))) | Ok(Some(Err(_))) | Ok(None) | Err(_) => return false,
            Ok(Some(Ok(_))) => {}
        }
    }
}
