//! The table: one row per scenario, each throughput also as a ratio to the static ceiling of the
//! same run at the closest number of connections.
use super::oha::Figures;

pub struct Row {
    pub id: String,
    pub what: String,
    pub conns: usize,
    pub figures: Figures,
    /// SQL statements per request (NaN when not meaningful).
    pub sql_per_req: f64,
}

#[derive(Default)]
pub struct Report {
    pub rows: Vec<Row>,
    pub notes: Vec<String>,
}

impl Report {
    fn ceiling(&self, conns: usize) -> Option<f64> {
        self.rows
            .iter()
            .filter(|r| r.id.starts_with('f'))
            .min_by_key(|r| r.conns.abs_diff(conns))
            .map(|r| r.figures.rps)
    }

    /// A row, also echoed to stderr as it comes, with the first error if any.
    pub fn push(&mut self, row: Row) {
        let f = &row.figures;
        eprintln!(
            "{:>8} {:<52} c={:<3} {:>8.0} req/s  p50 {:>7.2} ms  p95 {:>7.2} ms  p99 {:>7.2} ms  {} errors  {:.1} KB/resp",
            row.id,
            row.what,
            row.conns,
            f.rps,
            f.p50_ms,
            f.p95_ms,
            f.p99_ms,
            f.errors,
            f.bytes_per_request / 1024.0
        );
        if let Some(e) = &f.first_error {
            eprintln!("         first error: {e}");
        }
        self.rows.push(row);
    }

    pub fn print(&self, label: &str) {
        println!();
        if !label.is_empty() {
            println!("{label}");
            println!();
        }
        println!(
            "| id | scenario | conns | req/s | p50 ms | p95 ms | p99 ms | × static (f) | SQL/req | errors |"
        );
        println!("|---|---|---:|---:|---:|---:|---:|---:|---:|---:|");
        for r in &self.rows {
            let ratio = self
                .ceiling(r.conns)
                .map(|c| format!("{:.3}", r.figures.rps / c))
                .unwrap_or_else(|| "–".into());
            let sql = if r.sql_per_req.is_finite() {
                format!("{:.2}", r.sql_per_req)
            } else {
                "–".into()
            };
            println!(
                "| {} | {} | {} | {:.0} | {:.2} | {:.2} | {:.2} | {} | {} | {} |",
                r.id,
                r.what,
                r.conns,
                r.figures.rps,
                r.figures.p50_ms,
                r.figures.p95_ms,
                r.figures.p99_ms,
                ratio,
                sql,
                r.figures.errors,
            );
        }
        println!();
        for n in &self.notes {
            println!("- {n}");
        }
    }
}
