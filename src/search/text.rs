//! Words and how near they are: the tokenizer both the index and the queries use, the typo budget
//! (as Meilisearch: none below 5 characters, one from 5, two from 9) and bounded edit distances
//! (to a whole word, and to the best prefix of one for the word being typed).
//!
//! The distance is written here (a bounded edit distance that stops as soon as the bound is passed)
//! rather than taken from `fst` + `levenshtein_automata`: the index scans only the words of the
//! right lengths, which already fits the time budget, and needs no automaton or new dependency.

/// One word of a text: its lower-cased form and where it stands, in characters (Unicode scalar
/// values) of the original text, end excluded.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Token {
    pub word: String,
    pub start: usize,
    pub end: usize,
}

/// Longest word kept, in characters: longer runs are cut (no real word is longer; it bounds the
/// distance computations).
pub const MAX_WORD_CHARS: usize = 40;

/// The words of `text`: runs of letters and digits, lower-cased.
pub fn tokens(text: &str) -> Vec<Token> {
    let mut out = Vec::new();
    let mut word = String::new();
    let mut start = 0;
    let mut len = 0;
    for (i, c) in text.chars().enumerate() {
        if c.is_alphanumeric() {
            if word.is_empty() {
                start = i;
                len = 0;
            }
            if len < MAX_WORD_CHARS {
                word.extend(c.to_lowercase());
                len += 1;
            }
        } else if !word.is_empty() {
            out.push(Token {
                word: std::mem::take(&mut word),
                start,
                end: i,
            });
        }
    }
    if !word.is_empty() {
        let end = text.chars().count();
        out.push(Token { word, start, end });
    }
    out
}

/// How many typos a query word of `chars` characters may carry.
pub fn typo_budget(chars: usize) -> usize {
    match chars {
        0..=4 => 0,
        5..=8 => 1,
        _ => 2,
    }
}

/// The distance between `a` and `b` if it is at most `max`, else `None`: insertions, deletions,
/// substitutions and swaps of two neighbours each count one (Meilisearch builds its automata with
/// transpositions costing one too).
pub fn distance_within(a: &[char], b: &[char], max: usize) -> Option<usize> {
    if a.len().abs_diff(b.len()) > max {
        return None;
    }
    last_row(a, b, max).and_then(|row| row.last().copied().filter(|d| *d <= max))
}

/// The least [`distance_within`] between `a` and a prefix of `b` (what `a`, typed so far, could
/// still become) if it is at most `max`, else `None`.
pub fn prefix_distance_within(a: &[char], b: &[char], max: usize) -> Option<usize> {
    if b.len() + max < a.len() {
        return None;
    }
    last_row(a, b, max).and_then(|row| row.into_iter().min().filter(|d| *d <= max))
}

/// The last row of the distance table of `a` against `b` (optimal string alignment), or `None`
/// as soon as a row is all over `max` (no later row can come back under it).
fn last_row(a: &[char], b: &[char], max: usize) -> Option<Vec<usize>> {
    let mut before: Vec<usize> = vec![0; b.len() + 1];
    let mut prev: Vec<usize> = (0..=b.len()).collect();
    let mut cur = vec![0; b.len() + 1];
    for (i, ca) in a.iter().enumerate() {
        cur[0] = i + 1;
        let mut row_min = cur[0];
        for (j, cb) in b.iter().enumerate() {
            let mut d = (prev[j] + usize::from(ca != cb))
                .min(prev[j + 1] + 1)
                .min(cur[j] + 1);
            if i > 0 && j > 0 && *ca == b[j - 1] && a[i - 1] == *cb {
                d = d.min(before[j - 1] + 1);
            }
            cur[j + 1] = d;
            row_min = row_min.min(d);
        }
        if row_min > max {
            return None;
        }
        std::mem::swap(&mut before, &mut prev);
        std::mem::swap(&mut prev, &mut cur);
    }
    Some(prev)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn chars(s: &str) -> Vec<char> {
        s.chars().collect()
    }

    #[test]
    fn words_are_lower_cased_with_character_offsets() {
        let t = tokens("Rust: Ownership & borrowing, été!");
        let words: Vec<_> = t.iter().map(|t| t.word.as_str()).collect();
        assert_eq!(words, ["rust", "ownership", "borrowing", "été"]);
        assert_eq!((t[0].start, t[0].end), (0, 4));
        assert_eq!((t[3].start, t[3].end), (29, 32));
        assert!(tokens(" -- ").is_empty());
    }

    #[test]
    fn budgets_follow_word_length() {
        assert_eq!(typo_budget(4), 0);
        assert_eq!(typo_budget(5), 1);
        assert_eq!(typo_budget(8), 1);
        assert_eq!(typo_budget(9), 2);
    }

    #[test]
    fn distances_are_bounded() {
        assert_eq!(
            distance_within(&chars("kitten"), &chars("sitting"), 3),
            Some(3)
        );
        assert_eq!(
            distance_within(&chars("kitten"), &chars("sitting"), 2),
            None
        );
        assert_eq!(distance_within(&chars("rust"), &chars("rust"), 0), Some(0));
        assert_eq!(
            distance_within(&chars("graph"), &chars("grahp"), 2),
            Some(1),
            "a swap"
        );
        assert_eq!(distance_within(&chars("graph"), &chars("grxhx"), 1), None);
        assert_eq!(distance_within(&chars("a"), &chars("abcd"), 2), None);
        assert_eq!(
            prefix_distance_within(&chars("kangr"), &chars("kangaroo"), 1),
            Some(1)
        );
        assert_eq!(
            prefix_distance_within(&chars("kanga"), &chars("kangaroo"), 1),
            Some(0)
        );
        assert_eq!(
            prefix_distance_within(&chars("kxnxr"), &chars("kangaroo"), 1),
            None
        );
    }
}
