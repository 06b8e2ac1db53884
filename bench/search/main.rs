//! The search engine's query path over a generated catalogue of 100,000 topics (1,000 roadmaps of
//! 100 topics, titles of 2 to 4 words and descriptions of 12, from a 20,000-word vocabulary):
//! build time, the time to refresh it after one roadmap changed, then p50/p95/p99 of 2,000 queries (1 to 3 words, some with typos, the last often
//! cut short as typed), each ranking all its hits and keeping a page of 20 with highlights.
//!
//! The engine's matcher and tokenizer are plain `std` Rust, so this compiles them straight from
//! `src/search` with rustc, without the server's dependencies:
//!
//! ```sh
//! rustc -O --edition 2021 bench/search/main.rs -o target/search-bench && target/search-bench
//! ```
use std::time::Instant;

// `matcher` names `super::text`: both sit at this file's root, as in `src/search`.
#[allow(dead_code)]
#[path = "../../src/search/matcher.rs"]
mod matcher;
#[allow(dead_code)]
#[path = "../../src/search/text.rs"]
mod text;

use matcher::Matcher;

/// A small deterministic generator (xorshift), so every run searches the same catalogue.
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 << 13;
        self.0 ^= self.0 >> 7;
        self.0 ^= self.0 << 17;
        self.0
    }
    fn below(&mut self, n: usize) -> usize {
        (self.next() % n as u64) as usize
    }
}

const SYLLABLES: &[&str] = &[
    "ka", "lo", "mi", "ra", "te", "su", "vo", "ne", "pi", "da", "gu", "ze", "ho", "bri", "sta",
    "qua", "ple", "tor", "min", "gal", "ver", "son", "dex", "lum",
];

fn word(rng: &mut Rng) -> String {
    (0..2 + rng.below(3))
        .map(|_| SYLLABLES[rng.below(SYLLABLES.len())])
        .collect()
}

fn text(rng: &mut Rng, vocabulary: &[String], words: usize) -> String {
    (0..words)
        .map(|_| vocabulary[rng.below(vocabulary.len())].as_str())
        .collect::<Vec<_>>()
        .join(" ")
}

/// A query as a user types it: 1 to 3 words, one of them perhaps mistyped, the last perhaps cut.
fn query(rng: &mut Rng, vocabulary: &[String]) -> Vec<String> {
    let n = 1 + rng.below(3);
    let mut words: Vec<String> = (0..n)
        .map(|_| vocabulary[rng.below(vocabulary.len())].clone())
        .collect();
    let i = rng.below(n);
    if rng.below(3) == 0 && words[i].len() >= 5 {
        let mut chars: Vec<char> = words[i].chars().collect();
        let at = rng.below(chars.len());
        chars[at] = 'x';
        words[i] = chars.into_iter().collect();
    }
    let last = words.len() - 1;
    if rng.below(2) == 0 && words[last].len() > 3 {
        let keep = 3 + rng.below(words[last].len() - 3);
        words[last].truncate(keep);
    }
    words
}

#[repr(C)]
struct Timespec {
    sec: i64,
    nsec: i64,
}

extern "C" {
    fn clock_gettime(clock: i32, out: *mut Timespec) -> i32;
}

/// This thread's CPU time in ms: on a shared machine, wall time also counts other processes.
fn cpu_ms() -> f64 {
    const CLOCK_THREAD_CPUTIME_ID: i32 = 3;
    let mut t = Timespec { sec: 0, nsec: 0 };
    // SAFETY: `t` is a valid, writable timespec; Linux fills it.
    unsafe { clock_gettime(CLOCK_THREAD_CPUTIME_ID, &mut t) };
    t.sec as f64 * 1000.0 + t.nsec as f64 / 1e6
}

fn percentile(sorted: &[f64], p: f64) -> f64 {
    sorted[((sorted.len() as f64 * p).ceil() as usize).saturating_sub(1)]
}

fn main() {
    let mut rng = Rng(0x9e37_79b9_7f4a_7c15);
    let vocabulary: Vec<String> = (0..20_000).map(|_| word(&mut rng)).collect();
    let mut docs: Vec<(String, String)> = Vec::new();
    for _roadmap in 0..1_000 {
        docs.push((text(&mut rng, &vocabulary, 3), text(&mut rng, &vocabulary, 12)));
        for _topic in 0..100 {
            let words = 2 + rng.below(3);
            let title = text(&mut rng, &vocabulary, words);
            docs.push((title, text(&mut rng, &vocabulary, 12)));
        }
    }
    let started = Instant::now();
    let mut m = Matcher::default();
    for (title, description) in &docs {
        m.add(title, description);
    }
    m.finish();
    let build = started.elapsed();

    // What the server's refresh does to the words after one roadmap changed: copy the matcher
    // (the old index keeps answering), remove the roadmap's 101 documents, append its new ones and
    // sort the words again. Five times, the median. Reading the rows is not timed (one roadmap:
    // three small reads, against three reads of the whole catalogue for a full build).
    let mut refreshes: Vec<f64> = (0..5)
        .map(|round| {
            let changed = 1 + 97 * round;
            let t = Instant::now();
            let mut next = m.clone();
            for doc in changed * 101..(changed + 1) * 101 {
                next.remove(doc as u32);
            }
            for (title, description) in &docs[changed * 101..(changed + 1) * 101] {
                next.add(&format!("{title} edited"), description);
            }
            next.finish();
            let took = t.elapsed().as_secs_f64() * 1000.0;
            std::hint::black_box(next);
            took
        })
        .collect();
    refreshes.sort_by(f64::total_cmp);

    let queries: Vec<Vec<String>> = (0..2_000).map(|_| query(&mut rng, &vocabulary)).collect();
    let mut times = Vec::with_capacity(queries.len());
    let mut cpu = Vec::with_capacity(queries.len());
    let mut hits_total = 0usize;
    for q in &queries {
        let t = Instant::now();
        let c = cpu_ms();
        // Every 101st document is a roadmap; a third of the roadmaps hidden from this viewer.
        let found = m.search(q, |d| (d / 101) % 3 != 0, |d| d / 101 < 100, 20);
        let matched = &found.terms;
        let page: Vec<usize> = found
            .hits
            .iter()
            .map(|h| {
                let (title, description) = &docs[h.doc as usize];
                m.highlight(title, matched).len() + m.highlight(description, matched).len()
            })
            .collect();
        times.push(t.elapsed().as_secs_f64() * 1000.0);
        cpu.push(cpu_ms() - c);
        std::hint::black_box(page);
        hits_total += found.total;
    }
    times.sort_by(f64::total_cmp);
    cpu.sort_by(f64::total_cmp);
    let (p50, p95, p99) = (
        percentile(&times, 0.50),
        percentile(&times, 0.95),
        percentile(&times, 0.99),
    );
    println!(
        "documents {}  build {:.0} ms  queries {}  mean hits {:.0}",
        docs.len(),
        build.as_secs_f64() * 1000.0,
        queries.len(),
        hits_total as f64 / queries.len() as f64
    );
    println!(
        "refresh after one roadmap changed: {:.0} ms (median of 5; full build {:.0} ms)",
        refreshes[2],
        build.as_secs_f64() * 1000.0
    );
    println!(
        "wall: p50 {p50:.2} ms  p95 {p95:.2} ms  p99 {p99:.2} ms  (p95 / 20 ms budget: {:.2})",
        p95 / 20.0
    );
    let p95_cpu = percentile(&cpu, 0.95);
    println!(
        "cpu:  p50 {:.2} ms  p95 {p95_cpu:.2} ms  p99 {:.2} ms  (p95 / 20 ms budget: {:.2})",
        percentile(&cpu, 0.50),
        percentile(&cpu, 0.99),
        p95_cpu / 20.0
    );
}
