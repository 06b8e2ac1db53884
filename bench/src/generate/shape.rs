//! Text and tree shapes of the generated catalogue: titles, descriptions, how topics nest and
//! how resources spread over them. Pure functions of the random generator, so one seed gives one
//! catalogue.
use rand::rngs::StdRng;
use rand::Rng;

/// One generated topic (tree shape and text); ids are derived from the indexes.
pub struct GenTopic {
    pub parent: Option<usize>,
    pub position: i32,
    pub depth: u8,
    pub title: String,
    pub description: String,
    pub legend: Option<&'static str>,
    pub resources: u8,
}

pub struct GenRoadmap {
    pub topics: Vec<GenTopic>,
}

const WORDS: &[&str] = &[
    "cache",
    "queue",
    "index",
    "schema",
    "thread",
    "socket",
    "router",
    "token",
    "stream",
    "buffer",
    "cluster",
    "replica",
    "shard",
    "proxy",
    "gateway",
    "container",
    "kernel",
    "compiler",
    "parser",
    "lexer",
    "closure",
    "promise",
    "channel",
    "mutex",
    "lock",
    "transaction",
    "snapshot",
    "journal",
    "bundle",
    "module",
    "package",
    "registry",
    "pipeline",
    "runner",
    "artifact",
    "secret",
    "policy",
    "role",
    "session",
    "cookie",
    "header",
    "payload",
    "endpoint",
    "resolver",
    "mutation",
    "query",
    "fragment",
    "directive",
    "schema",
    "migration",
    "backup",
    "restore",
    "metric",
    "trace",
    "span",
    "alert",
    "dashboard",
    "probe",
    "volume",
    "network",
    "subnet",
    "firewall",
    "certificate",
    "cipher",
    "hash",
    "signature",
    "encoder",
    "decoder",
    "codec",
    "protocol",
    "handshake",
    "timeout",
    "retry",
    "backoff",
    "limit",
    "quota",
    "tenant",
    "workspace",
    "branch",
    "commit",
    "merge",
    "rebase",
    "tag",
];

const PHRASES: &[&str] = &[
    "Learn how it works under load and what fails first.",
    "Start with the basics, then read the official documentation.",
    "Practise on a small project before using it in production.",
    "Compare the common approaches and when each one fits.",
    "Measure before and after every change you make.",
    "Most teams meet this early; knowing it well saves hours later.",
    "Understand the trade-offs between simplicity and flexibility.",
    "Read the source of a popular implementation to see the details.",
];

fn pick<'a>(rng: &mut StdRng, from: &'a [&'a str]) -> &'a str {
    from[rng.gen_range(0..from.len())]
}

fn title_case(w: &str) -> String {
    let mut c = w.chars();
    match c.next() {
        Some(f) => f.to_uppercase().chain(c).collect(),
        None => String::new(),
    }
}

fn gen_title(rng: &mut StdRng, n: usize) -> String {
    let words = rng.gen_range(2..=4);
    let mut t: Vec<String> = (0..words).map(|_| title_case(pick(rng, WORDS))).collect();
    t.push(format!("{n}"));
    t.join(" ")
}

/// About 200 characters of markdown on average.
fn gen_description(rng: &mut StdRng) -> String {
    let mut s = format!(
        "**{}** and {} in practice. ",
        title_case(pick(rng, WORDS)),
        pick(rng, WORDS)
    );
    for _ in 0..rng.gen_range(1..=3) {
        s.push_str(pick(rng, PHRASES));
        s.push(' ');
    }
    s.truncate(s.trim_end().len());
    s
}

/// Splits `total` into `n` parts of at least 1 and at most `cap`, randomly around the mean.
pub fn split(rng: &mut StdRng, total: usize, n: usize, cap: usize) -> Vec<usize> {
    if n == 0 {
        return Vec::new();
    }
    let mean = total as f64 / n as f64;
    let mut parts: Vec<usize> = (0..n)
        .map(|_| ((mean * rng.gen_range(0.4..1.6)).round() as usize).clamp(1, cap))
        .collect();
    // Nudge parts one by one until the sum is exact.
    let mut sum: usize = parts.iter().sum();
    let mut guard = 0usize;
    while sum != total && guard < total.saturating_mul(20) + 1000 {
        let i = rng.gen_range(0..n);
        if sum < total && parts[i] < cap {
            parts[i] += 1;
            sum += 1;
        } else if sum > total && parts[i] > 1 {
            parts[i] -= 1;
            sum -= 1;
        }
        guard += 1;
    }
    parts
}

/// A tree of `n` topics nesting up to 3 levels, with `res` resources spread over them.
pub fn gen_roadmap(rng: &mut StdRng, n: usize, res: usize) -> GenRoadmap {
    let roots = (n / 20).max(1).min(n);
    let depth1 = ((n - roots) / 3).max(usize::from(n > roots));
    let mut topics: Vec<GenTopic> = Vec::with_capacity(n);
    let mut children_count = vec![0i32; n];
    for i in 0..n {
        let (parent, depth) = if i < roots {
            (None, 0)
        } else if i < roots + depth1 {
            (Some(rng.gen_range(0..roots)), 1)
        } else {
            (Some(rng.gen_range(roots..roots + depth1)), 2)
        };
        let position = match parent {
            Some(p) => {
                children_count[p] += 1;
                children_count[p] - 1
            }
            None => i as i32,
        };
        let legend = match rng.gen_range(0..20) {
            0..=3 => Some("RECOMMENDED"),
            4..=5 => Some("ALTERNATIVE"),
            6 => Some("ORDER_NOT_STRICT"),
            _ => None,
        };
        topics.push(GenTopic {
            parent,
            position,
            depth,
            title: gen_title(rng, i),
            description: gen_description(rng),
            legend,
            resources: 0,
        });
    }
    // Resources: an even spread, then random moves so some topics have many and some none.
    let base = res / n;
    let mut extra = res % n;
    for t in topics.iter_mut() {
        t.resources = base.min(8) as u8;
        if extra > 0 && rng.gen_bool(0.5) && t.resources < 8 {
            t.resources += 1;
            extra -= 1;
        }
    }
    let mut i = 0;
    while extra > 0 {
        if topics[i % n].resources < 8 {
            topics[i % n].resources += 1;
            extra -= 1;
        }
        i += 1;
        if i > n * 10 {
            break;
        }
    }
    for _ in 0..n {
        let (a, b) = (rng.gen_range(0..n), rng.gen_range(0..n));
        if topics[a].resources > 0 && topics[b].resources < 8 {
            topics[a].resources -= 1;
            topics[b].resources += 1;
        }
    }
    GenRoadmap { topics }
}
