//! Picks the prepared answer that best fits a prompt: Okapi BM25 over each answer's
//! example prompts, title and tags. Small enough to keep in memory and rank per request.

use std::collections::HashMap;

/// BM25's usual constants: term-frequency saturation and length normalisation.
const K1: f64 = 1.2;
const B: f64 = 0.75;

/// A score below this means the prompt shares no telling word with any answer; words
/// found in nearly every document score close to zero, so they cannot pass alone.
const MIN_SCORE: f64 = 0.5;

/// Words too common in prompts to say anything about the topic.
const STOPWORDS: &[&str] = &[
    "a", "an", "and", "are", "as", "at", "be", "by", "can", "do", "for", "from", "how", "i", "in",
    "is", "it", "make", "me", "my", "of", "on", "or", "please", "program", "show", "that", "the",
    "this", "to", "use", "using", "what", "with", "write", "you", "code", "create",
];

/// An index over a fixed set of documents.
#[derive(Debug)]
pub struct Bm25 {
    docs: Vec<HashMap<String, u32>>,
    lengths: Vec<f64>,
    average_length: f64,
    document_frequency: HashMap<String, u32>,
}

impl Bm25 {
    pub fn new<I: IntoIterator<Item = String>>(documents: I) -> Self {
        let docs: Vec<HashMap<String, u32>> = documents
            .into_iter()
            .map(|doc| {
                let mut counts = HashMap::new();
                for term in terms(&doc) {
                    *counts.entry(term).or_insert(0) += 1;
                }
                counts
            })
            .collect();
        let lengths: Vec<f64> = docs
            .iter()
            .map(|counts| f64::from(counts.values().sum::<u32>()))
            .collect();
        let average_length = lengths.iter().sum::<f64>() / lengths.len().max(1) as f64;
        let mut document_frequency = HashMap::new();
        for counts in &docs {
            for term in counts.keys() {
                *document_frequency.entry(term.clone()).or_insert(0) += 1;
            }
        }
        Self {
            docs,
            lengths,
            average_length,
            document_frequency,
        }
    }

    /// The best-scoring document for `query`, if any scores at least `MIN_SCORE`.
    /// Ties go to the earlier document, so the choice is stable.
    pub fn best(&self, query: &str) -> Option<usize> {
        self.best_among(query, |_| true)
    }

    /// [`Self::best`] among the documents `allowed` accepts (ranked against all of them, so
    /// a word common to the whole index weighs little).
    pub fn best_among(&self, query: &str, allowed: impl Fn(usize) -> bool) -> Option<usize> {
        let query: Vec<String> = terms(query).collect();
        let n = self.docs.len() as f64;
        let mut best: Option<(usize, f64)> = None;
        for (index, counts) in self.docs.iter().enumerate() {
            if !allowed(index) {
                continue;
            }
            let norm = K1 * (1.0 - B + B * self.lengths[index] / self.average_length.max(1.0));
            let score: f64 = query
                .iter()
                .filter_map(|term| {
                    let tf = f64::from(*counts.get(term)?);
                    let df = f64::from(self.document_frequency.get(term).copied().unwrap_or(0));
                    let idf = (1.0 + (n - df + 0.5) / (df + 0.5)).ln();
                    Some(idf * tf * (K1 + 1.0) / (tf + norm))
                })
                .sum();
            if score >= MIN_SCORE && best.is_none_or(|(_, top)| score > top) {
                best = Some((index, score));
            }
        }
        best.map(|(index, _)| index)
    }
}

/// Lower-cased words without stopwords, with a plural `s` dropped so that "games"
/// finds "game".
fn terms(text: &str) -> impl Iterator<Item = String> + '_ {
    text.split(|c: char| !c.is_alphanumeric())
        .filter(|word| word.chars().count() > 1)
        .map(str::to_lowercase)
        .filter(|word| !STOPWORDS.contains(&word.as_str()))
        .map(|word| match word.strip_suffix('s') {
            Some(stem) if stem.len() > 2 && !stem.ends_with('s') => stem.to_owned(),
            _ => word,
        })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn index() -> Bm25 {
        Bm25::new([
            "Snake game in HTML html javascript game canvas".to_owned(),
            "Fibonacci numbers in Python python fibonacci generator".to_owned(),
            "Word frequency count in Rust rust hashmap text cli".to_owned(),
        ])
    }

    #[test]
    fn ranks_the_document_sharing_the_rarest_words() {
        let index = index();
        assert_eq!(index.best("write me a snake game"), Some(0));
        assert_eq!(index.best("Fibonacci in python please"), Some(1));
        assert_eq!(index.best("count words with a HashMap in Rust"), Some(2));
        assert_eq!(index.best("two little games"), Some(0));
    }

    #[test]
    fn an_unrelated_prompt_matches_nothing() {
        let index = index();
        assert_eq!(index.best("what is the weather in Paris"), None);
        assert_eq!(index.best("please write the code for me"), None);
        assert_eq!(index.best(""), None);
    }
}
