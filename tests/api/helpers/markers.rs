//! Markers for the privacy canary: unique strings put into every hidden thing of its world, so
//! that finding one in an answer names what leaked.

/// The markers handed out so far; a marker is `canary` and three digits, so none contains another.
#[derive(Default)]
pub struct Markers {
    labels: Vec<String>,
}

impl Markers {
    /// A new marker for the hidden thing `label` describes (`"private.title"`).
    pub fn mark(&mut self, label: &str) -> String {
        self.labels.push(label.to_owned());
        format!("canary{:03}", self.labels.len())
    }

    /// `text` with a new marker for `label` in it.
    pub fn text(&mut self, label: &str, text: &str) -> String {
        format!("{text} {}", self.mark(label))
    }

    /// A slug, username or e-mail local part with a new marker: `prefix-canary007`.
    pub fn slug(&mut self, label: &str, prefix: &str) -> String {
        format!("{prefix}-{}", self.mark(label))
    }

    /// The (marker, label) pairs found in `text`, case-insensitively.
    pub fn found_in(&self, text: &str) -> Vec<(String, String)> {
        let lower = text.to_lowercase();
        let mut out = Vec::new();
        let mut rest = lower.as_str();
        while let Some(at) = rest.find("canary") {
            let digits = rest.get(at + 6..at + 9).unwrap_or("");
            if let Ok(n) = digits.parse::<usize>() {
                if let Some(label) = n.checked_sub(1).and_then(|i| self.labels.get(i)) {
                    out.push((format!("canary{digits}"), label.clone()));
                }
            }
            rest = &rest[at + 6..];
        }
        out
    }
}
