//! Finds the line of a value inside JSON text from a path such as `topics[0].children[2].id`, so
//! that validation errors can name `file:line` (serde_json keeps no positions after parsing).

enum Seg {
    Key(String),
    Index(usize),
}

fn parse_path(path: &str) -> Vec<Seg> {
    let mut out = Vec::new();
    for part in path.split('.') {
        let (key, mut rest) = match part.find('[') {
            Some(i) => (&part[..i], &part[i..]),
            None => (part, ""),
        };
        if !key.is_empty() {
            out.push(Seg::Key(key.to_owned()));
        }
        while let Some(end) = rest.find(']') {
            if let Ok(n) = rest[1..end].parse() {
                out.push(Seg::Index(n));
            }
            rest = &rest[end + 1..];
        }
    }
    out
}

struct Scan<'a> {
    b: &'a [u8],
    i: usize,
    line: usize,
}

impl Scan<'_> {
    fn ws(&mut self) {
        while let Some(&c) = self.b.get(self.i) {
            match c {
                b'\n' => self.line += 1,
                b' ' | b'\t' | b'\r' => {}
                _ => break,
            }
            self.i += 1;
        }
    }

    fn eat(&mut self, c: u8) -> bool {
        self.ws();
        if self.b.get(self.i) == Some(&c) {
            self.i += 1;
            true
        } else {
            false
        }
    }

    /// Reads a string (the cursor is on its opening quote); escapes other than `\"` and `\\` are
    /// kept as written, which is enough to compare keys.
    fn string(&mut self) -> Option<String> {
        self.ws();
        if self.b.get(self.i) != Some(&b'"') {
            return None;
        }
        self.i += 1;
        let mut out = Vec::new();
        loop {
            let c = *self.b.get(self.i)?;
            self.i += 1;
            match c {
                b'"' => return String::from_utf8(out).ok(),
                b'\\' => {
                    let e = *self.b.get(self.i)?;
                    self.i += 1;
                    if e != b'"' && e != b'\\' {
                        out.push(b'\\');
                    }
                    out.push(e);
                }
                _ => out.push(c),
            }
        }
    }

    fn skip_value(&mut self) -> Option<()> {
        self.ws();
        match *self.b.get(self.i)? {
            b'"' => self.string().map(|_| ()),
            b'{' => {
                self.i += 1;
                if self.eat(b'}') {
                    return Some(());
                }
                loop {
                    self.string()?;
                    if !self.eat(b':') {
                        return None;
                    }
                    self.skip_value()?;
                    if self.eat(b'}') {
                        return Some(());
                    }
                    if !self.eat(b',') {
                        return None;
                    }
                }
            }
            b'[' => {
                self.i += 1;
                if self.eat(b']') {
                    return Some(());
                }
                loop {
                    self.skip_value()?;
                    if self.eat(b']') {
                        return Some(());
                    }
                    if !self.eat(b',') {
                        return None;
                    }
                }
            }
            _ => {
                while let Some(&c) = self.b.get(self.i) {
                    if matches!(c, b',' | b'}' | b']') || c.is_ascii_whitespace() {
                        break;
                    }
                    self.i += 1;
                }
                Some(())
            }
        }
    }

    /// The line of the value at `path` below the value under the cursor; when part of the path is
    /// missing, the line of the deepest value found.
    fn find(&mut self, path: &[Seg]) -> usize {
        self.ws();
        let here = self.line;
        let Some((seg, rest)) = path.split_first() else {
            return here;
        };
        match seg {
            Seg::Key(k) => {
                if !self.eat(b'{') || self.eat(b'}') {
                    return here;
                }
                loop {
                    let Some(key) = self.string() else {
                        return here;
                    };
                    if !self.eat(b':') {
                        return here;
                    }
                    if &key == k {
                        return self.find(rest);
                    }
                    if self.skip_value().is_none() || !self.eat(b',') {
                        return here;
                    }
                }
            }
            Seg::Index(n) => {
                if !self.eat(b'[') || self.eat(b']') {
                    return here;
                }
                let mut idx = 0;
                loop {
                    if idx == *n {
                        return self.find(rest);
                    }
                    if self.skip_value().is_none() || !self.eat(b',') {
                        return here;
                    }
                    idx += 1;
                }
            }
        }
    }
}

/// 1-based line of the value at `path` in `text`.
pub fn line_of(text: &str, path: &str) -> Option<usize> {
    let segs = parse_path(path);
    let mut scan = Scan {
        b: text.as_bytes(),
        i: 0,
        line: 1,
    };
    Some(scan.find(&segs))
}

#[cfg(test)]
mod tests {
    use super::line_of;

    #[test]
    fn finds_lines_of_nested_values() {
        let text = "{\n  \"roadmap\": {\n    \"slug\": \"x\",\n    \"tags\": [\"a\",\n \"b\"]\n  },\n  \"topics\": [\n    {\"id\": \"a\", \"s\": \"q\\\"{\"},\n    {\"id\": \"b\",\n     \"children\": [{\"id\": \"c\"}]}\n  ]\n}\n";
        assert_eq!(line_of(text, "roadmap.slug"), Some(3));
        assert_eq!(line_of(text, "roadmap.tags[1]"), Some(5));
        assert_eq!(line_of(text, "topics[1].id"), Some(9));
        assert_eq!(line_of(text, "topics[1].children[0].id"), Some(10));
        // Missing parts: the deepest value found.
        assert_eq!(line_of(text, "topics[1].nope"), Some(9));
        assert_eq!(line_of(text, "roadmap.missing"), Some(2));
    }
}
