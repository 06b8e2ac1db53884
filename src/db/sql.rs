//! A small builder for the hand-written statements the domains use where SQL reads better than
//! query-builder calls (aggregates with joins, `INSERT … ON CONFLICT … RETURNING`, CTEs): text
//! and bound values kept together, so a value never becomes SQL text. Placeholders are numbered
//! for both backends: `$n` on PostgreSQL, `?n` on SQLite.
use std::fmt::Write;

use sea_orm::{DbBackend, Statement, Value};

pub struct Sql {
    backend: DbBackend,
    text: String,
    values: Vec<Value>,
}

impl Sql {
    pub fn new(backend: DbBackend) -> Self {
        Self {
            backend,
            text: String::new(),
            values: Vec::new(),
        }
    }

    pub fn push(&mut self, s: &str) -> &mut Self {
        self.text.push_str(s);
        self
    }

    /// Appends a placeholder bound to `v`.
    pub fn bind(&mut self, v: impl Into<Value>) -> &mut Self {
        self.values.push(v.into());
        let n = self.values.len();
        let _ = match self.backend {
            DbBackend::Postgres => write!(self.text, "${n}"),
            _ => write!(self.text, "?{n}"),
        };
        self
    }

    /// Appends `(p1, p2, …)`; callers never pass an empty list.
    pub fn bind_list<V: Into<Value>>(&mut self, vs: impl IntoIterator<Item = V>) -> &mut Self {
        self.text.push('(');
        for (i, v) in vs.into_iter().enumerate() {
            if i > 0 {
                self.text.push_str(", ");
            }
            self.bind(v);
        }
        self.text.push(')');
        self
    }

    pub fn build(self) -> Statement {
        Statement::from_sql_and_values(self.backend, self.text, self.values)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn numbers_placeholders_per_backend() {
        let mut q = Sql::new(DbBackend::Postgres);
        q.push("a = ").bind(1).push(" AND b IN ").bind_list([2, 3]);
        assert_eq!(q.build().sql, "a = $1 AND b IN ($2, $3)");
        let mut q = Sql::new(DbBackend::Sqlite);
        q.push("a = ").bind(1).push(" AND b IN ").bind_list([2, 3]);
        assert_eq!(q.build().sql, "a = ?1 AND b IN (?2, ?3)");
    }
}
