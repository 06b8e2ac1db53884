//! One-off HTTP requests around the load (setup, checks, metrics); the load itself is oha's.
use anyhow::{bail, Context as _};
use serde_json::{json, Value};

pub struct Client(reqwest::Client);

impl Client {
    /// Signs up `{name}@bench.example` (username `name`, a password made from it) and returns
    /// its access token.
    pub async fn sign_up(&self, url: &str, name: &str) -> anyhow::Result<String> {
        let v = self
            .gql(
                url,
                None,
                "mutation($i: SignUpInput!) { signUp(input: $i) { accessToken } }",
                json!({ "i": { "email": format!("{name}@bench.example"), "username": name,
                    "password": format!("{name}-bench-Password-1") } }),
            )
            .await?;
        v["data"]["signUp"]["accessToken"]
            .as_str()
            .map(str::to_owned)
            .context("no access token")
    }

    pub fn new() -> anyhow::Result<Client> {
        // No gzip feature, so no Accept-Encoding: the bytes are the ones oha gets too.
        Ok(Client(reqwest::Client::builder().build()?))
    }

    /// POSTs a JSON body as oha does (`accept: */*`); returns the status and the raw body.
    pub async fn post_raw(
        &self,
        url: &str,
        body: Vec<u8>,
        token: Option<&str>,
    ) -> anyhow::Result<(u16, Vec<u8>)> {
        let mut req = self
            .0
            .post(url)
            .header("content-type", "application/json")
            .header("accept", "*/*")
            .body(body);
        if let Some(t) = token {
            req = req.bearer_auth(t);
        }
        let resp = req.send().await?;
        let status = resp.status().as_u16();
        Ok((status, resp.bytes().await?.to_vec()))
    }

    /// A GraphQL request that must succeed without errors; returns the whole answer.
    pub async fn gql(
        &self,
        url: &str,
        token: Option<&str>,
        query: &str,
        variables: Value,
    ) -> anyhow::Result<Value> {
        let body = serde_json::to_vec(&json!({ "query": query, "variables": variables }))?;
        let (status, bytes) = self.post_raw(url, body, token).await?;
        check_answer(status, &bytes)
    }

    /// The server's `/metrics` text.
    pub async fn metrics(&self, base: &str) -> anyhow::Result<String> {
        Ok(self
            .0
            .get(format!("{base}/metrics"))
            .send()
            .await?
            .text()
            .await?)
    }

    /// `roadmap_db_statements_total` from the server's `/metrics`.
    pub async fn statements(&self, base: &str) -> anyhow::Result<f64> {
        let text = self
            .0
            .get(format!("{base}/metrics"))
            .send()
            .await?
            .text()
            .await?;
        text.lines()
            .find_map(|l| l.strip_prefix("roadmap_db_statements_total "))
            .and_then(|v| v.trim().parse().ok())
            .context("no roadmap_db_statements_total in /metrics")
    }
}

/// A 200 answer without GraphQL errors, parsed.
pub fn check_answer(status: u16, bytes: &[u8]) -> anyhow::Result<Value> {
    let v: Value = serde_json::from_slice(bytes).with_context(|| {
        format!(
            "HTTP {status}, not JSON: {}",
            String::from_utf8_lossy(&bytes[..bytes.len().min(300)])
        )
    })?;
    if status != 200 || v.get("errors").is_some() {
        let text = v.to_string();
        bail!("HTTP {status}: {}", &text[..text.len().min(500)]);
    }
    Ok(v)
}
