//! The client side of `roadmap-bench sockets`: the sockets split evenly over
//! ceil(sockets / `--per-client`) processes of `roadmap-bench sockets-client` (this very binary),
//! because each socket is a descriptor in the process that holds it and one process may hold no
//! more than its open-file limit. Their stdout lines (`subscribed N`, `got K`) are gathered here.
use std::net::SocketAddr;
use std::process::Stdio;
use std::time::{Duration, Instant};

use anyhow::{bail, Context as _};
use tokio::io::{AsyncBufReadExt, BufReader};
use tokio::process::{Child, Command};
use tokio::sync::mpsc;

use super::client::TOKENS_ENV;

pub struct Fleet {
    /// Killed when dropped; their stdin is ours, so they also exit when this process dies.
    children: Vec<Child>,
    /// Sockets each process opens.
    shares: Vec<usize>,
    /// (process, a line of its stdout, or None at its end).
    lines: mpsc::UnboundedReceiver<(usize, Option<String>)>,
}

/// `sockets` split into `processes` shares whose sizes differ by one at most.
pub fn shares(sockets: usize, processes: usize) -> Vec<usize> {
    (0..processes)
        .map(|p| sockets / processes + usize::from(p < sockets % processes))
        .collect()
}

impl Fleet {
    /// Starts the client processes; `concurrency` (sockets opened at once) is split over them.
    pub fn spawn(
        servers: &[SocketAddr],
        tokens: &[String],
        sockets: usize,
        per_client: usize,
        concurrency: usize,
    ) -> anyhow::Result<Fleet> {
        let exe = std::env::current_exe().context("cannot find roadmap-bench itself")?;
        let shares = shares(sockets, sockets.div_ceil(per_client));
        let each = concurrency.div_ceil(shares.len()).max(1);
        let addrs: Vec<String> = servers.iter().map(SocketAddr::to_string).collect();
        let (tx, lines) = mpsc::unbounded_channel();
        let mut children = Vec::with_capacity(shares.len());
        let mut first = 0;
        for (p, &count) in shares.iter().enumerate() {
            let mut child = Command::new(&exe)
                .arg("sockets-client")
                .arg("--servers")
                .arg(addrs.join(","))
                .arg("--first")
                .arg(first.to_string())
                .arg("--count")
                .arg(count.to_string())
                .arg("--concurrency")
                .arg(each.to_string())
                .env(TOKENS_ENV, tokens.join(" "))
                .stdin(Stdio::piped())
                .stdout(Stdio::piped())
                .stderr(Stdio::inherit())
                .kill_on_drop(true)
                .spawn()
                .context("cannot start a sockets-client process")?;
            let stdout = child.stdout.take().context("no stdout")?;
            let tx = tx.clone();
            tokio::spawn(async move {
                let mut out = BufReader::new(stdout).lines();
                while let Ok(Some(line)) = out.next_line().await {
                    if tx.send((p, Some(line))).is_err() {
                        return;
                    }
                }
                let _ = tx.send((p, None));
            });
            children.push(child);
            first += count;
        }
        Ok(Fleet {
            children,
            shares,
            lines,
        })
    }

    /// Until every process has said `subscribed`.
    pub async fn wait_subscribed(&mut self, deadline: Instant) -> anyhow::Result<()> {
        let mut done = vec![false; self.shares.len()];
        while done.contains(&false) {
            let Ok(next) = tokio::time::timeout_at(deadline.into(), self.lines.recv()).await else {
                let late = done.iter().filter(|d| !**d).count();
                bail!("{late} client processes were still opening their sockets at the deadline");
            };
            match next {
                Some((p, Some(line))) if line.starts_with("subscribed ") => done[p] = true,
                Some((_, Some(_))) => {}
                Some((p, None)) => bail!("client process {p} ended before its sockets were open"),
                None => bail!("every client process has ended"),
            }
        }
        Ok(())
    }

    /// Until every socket of every process has its event, for at most `within` after `start`.
    pub async fn wait_delivered(&mut self, start: Instant, within: Duration) -> anyhow::Result<()> {
        let deadline = start + within;
        let total: usize = self.shares.iter().sum();
        let mut got = vec![0; self.shares.len()];
        while got.iter().sum::<usize>() < total {
            let Ok(next) = tokio::time::timeout_at(deadline.into(), self.lines.recv()).await else {
                let sum: usize = got.iter().sum();
                bail!(
                    "only {sum} of {total} sockets got their event within {} s",
                    within.as_secs()
                );
            };
            match next {
                Some((p, Some(line))) => {
                    if let Some(k) = line.strip_prefix("got ") {
                        got[p] = k.trim().parse().context("a `got` line without a count")?;
                    }
                }
                Some((p, None)) => bail!("client process {p} ended while waiting for events"),
                None => bail!("every client process has ended"),
            }
        }
        Ok(())
    }

    /// CPU time the client processes have used so far.
    pub fn cpu_time(&self) -> Duration {
        self.children
            .iter()
            .filter_map(Child::id)
            .map(crate::run::procs::cpu_time)
            .sum()
    }

    /// Ends the client processes (their sockets close with them).
    pub async fn stop(self) {
        for mut child in self.children {
            let _ = child.kill().await;
        }
    }
}

#[cfg(test)]
mod tests {
    use super::shares;

    #[test]
    fn shares_cover_every_socket_evenly() {
        assert_eq!(
            shares(50_000, 50_000usize.div_ceil(15_000)),
            vec![12_500; 4]
        );
        assert_eq!(shares(3_000, 3), vec![1_000; 3]);
        assert_eq!(shares(7, 3), vec![3, 2, 2]);
        assert_eq!(shares(5_000, 1), vec![5_000]);
    }
}
