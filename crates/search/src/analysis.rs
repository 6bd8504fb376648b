//! Text analysis shared by indexing and querying: folding (full-width forms, traditional → simplified
//! Chinese, lower case), splitting text into script runs, and the tokens each run contributes.
//!
//! - Latin and other alphabetic words: lower-cased; both the English stem and the word itself are
//!   indexed, so "serums" finds "serum" and a typo can still be matched against the unstemmed word.
//! - Chinese (Han) runs: jieba's search-mode words plus overlapping character bigrams. The words give good
//!   ranking; the bigrams make any two-character substring findable even where jieba segments a longer
//!   text differently from the query.
//! - Korean (Hangul) and Japanese kana runs: the whole run plus overlapping bigrams, so 세럼 finds
//!   비타민세럼 without a dictionary (none builds offline here).
//!
//! Folding to simplified Chinese happens before segmentation at both ends, which is what makes 護膚 and
//! 护肤 the same term.

use tantivy::tokenizer::{
    Language, RawTokenizer, Stemmer, TextAnalyzer, Token, TokenStream, Tokenizer,
};

/// Name under which [`SoukTokenizer`] is registered with the index.
pub const TEXT_TOKENIZER: &str = "souk_text";
/// Name under which [`SuggestTokenizer`] is registered with the index.
pub const SUGGEST_TOKENIZER: &str = "souk_suggest";

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Script {
    /// Letters and digits of alphabetic scripts (Latin, Cyrillic, Greek…), split into words.
    Word,
    Han,
    /// Hangul and kana: segmented by bigrams.
    Syllabic,
}

/// A maximal run of one script in folded text.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Run {
    pub script: Script,
    pub text: String,
}

fn is_han(c: char) -> bool {
    matches!(c as u32,
        0x3400..=0x4DBF | 0x4E00..=0x9FFF | 0xF900..=0xFAFF | 0x20000..=0x2A6DF | 0x2A700..=0x2EBEF
        | 0x30000..=0x3134F | 0x3007)
}

fn is_syllabic(c: char) -> bool {
    matches!(c as u32,
        0xAC00..=0xD7AF | 0x1100..=0x11FF | 0x3130..=0x318F | 0xA960..=0xA97F | 0xD7B0..=0xD7FF
        | 0x3041..=0x309F | 0x30A0..=0x30FF | 0x31F0..=0x31FF | 0xFF66..=0xFF9F)
}

fn script_of(c: char) -> Option<Script> {
    if is_han(c) {
        Some(Script::Han)
    } else if is_syllabic(c) {
        Some(Script::Syllabic)
    } else if c.is_alphanumeric() {
        Some(Script::Word)
    } else {
        None
    }
}

/// Full-width ASCII to ASCII, traditional Chinese to simplified, then lower case.
pub fn fold(text: &str) -> String {
    let narrowed: String = text
        .chars()
        .map(|c| match c as u32 {
            0xFF01..=0xFF5E => char::from_u32(c as u32 - 0xFEE0).unwrap_or(c),
            0x3000 => ' ',
            _ => c,
        })
        .collect();
    let simplified = if narrowed.chars().any(is_han) {
        zhconv::zhconv(&narrowed, zhconv::Variant::ZhHans)
    } else {
        narrowed
    };
    simplified.to_lowercase()
}

/// Splits already folded text into script runs; everything else (spaces, punctuation, symbols) separates.
/// Word runs are single words: "don't" gives "don" and "t".
pub fn runs(folded: &str) -> Vec<Run> {
    let mut out: Vec<Run> = Vec::new();
    let mut current: Option<Run> = None;
    for c in folded.chars() {
        match script_of(c) {
            Some(s) => match &mut current {
                Some(run) if run.script == s => run.text.push(c),
                _ => {
                    if let Some(run) = current.take() {
                        out.push(run);
                    }
                    current = Some(Run {
                        script: s,
                        text: c.to_string(),
                    });
                }
            },
            None => {
                if let Some(run) = current.take() {
                    out.push(run);
                }
            }
        }
    }
    if let Some(run) = current {
        out.push(run);
    }
    out
}

/// English stem of a lower-case word.
pub fn stem(word: &str) -> String {
    thread_local! {
        static STEMMER: std::cell::RefCell<TextAnalyzer> = std::cell::RefCell::new(
            TextAnalyzer::builder(RawTokenizer::default())
                .filter(Stemmer::new(Language::English))
                .build(),
        );
    }
    STEMMER.with(|s| {
        let mut analyzer = s.borrow_mut();
        let mut stream = analyzer.token_stream(word);
        match stream.next() {
            Some(t) => t.text.clone(),
            None => word.to_owned(),
        }
    })
}

/// Overlapping character bigrams; a single character is its own gram.
pub fn bigrams(text: &str) -> Vec<String> {
    let chars: Vec<char> = text.chars().collect();
    if chars.len() < 2 {
        return vec![text.to_owned()];
    }
    chars.windows(2).map(|w| w.iter().collect()).collect()
}

/// jieba's words for a Han run. Search mode also offers the shorter words inside longer ones.
pub fn han_words(run: &str, search_mode: bool) -> Vec<String> {
    let jieba = crate::dictionary::jieba();
    let words = if search_mode {
        jieba.cut_for_search(run, true)
    } else {
        jieba.cut(run, true)
    };
    words
        .into_iter()
        .map(|t| t.word.trim())
        .filter(|w| !w.is_empty())
        .map(str::to_owned)
        .collect()
}

/// Every token indexed for `text`, in order.
pub fn index_tokens(text: &str) -> Vec<String> {
    let mut out = Vec::new();
    for run in runs(&fold(text)) {
        match run.script {
            Script::Word => {
                let stemmed = stem(&run.text);
                if stemmed != run.text {
                    out.push(run.text);
                }
                out.push(stemmed);
            }
            Script::Han => {
                out.extend(han_words(&run.text, true));
                if run.text.chars().count() > 1 {
                    out.extend(bigrams(&run.text));
                }
            }
            Script::Syllabic => {
                let n = run.text.chars().count();
                if n > 2 {
                    out.extend(bigrams(&run.text));
                }
                out.push(run.text);
            }
        }
    }
    out
}

/// One part of a query that every matching document must contain (in one form or another).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum QueryUnit {
    /// An alphabetic word: `word` as typed (folded), its `stem`, and whether typos are tolerated and how
    /// many edits: 1 for words of 5–7 letters, 2 from 8 letters; none below 5.
    Word {
        word: String,
        stem: String,
        fuzzy: u8,
    },
    /// A Chinese, Korean or Japanese run: matches when the document has all of `words` (jieba's words,
    /// or the whole run for Korean) or all of `grams`.
    Cjk {
        words: Vec<String>,
        grams: Vec<String>,
    },
}

/// The units of a query, in order; empty for text with nothing searchable (only punctuation).
pub fn query_units(text: &str) -> Vec<QueryUnit> {
    runs(&fold(text))
        .into_iter()
        .map(|run| match run.script {
            Script::Word => {
                let letters = run.text.chars().filter(|c| c.is_alphabetic()).count();
                let fuzzy = match letters {
                    0..=4 => 0,
                    5..=7 => 1,
                    _ => 2,
                };
                QueryUnit::Word {
                    stem: stem(&run.text),
                    word: run.text,
                    fuzzy,
                }
            }
            Script::Han => QueryUnit::Cjk {
                words: han_words(&run.text, false),
                grams: bigrams(&run.text),
            },
            Script::Syllabic => QueryUnit::Cjk {
                grams: bigrams(&run.text),
                words: vec![run.text],
            },
        })
        .collect()
}

/// Tokens for prefix suggestions of a name: the whole folded name without spaces and each of its words,
/// so "Mina Kim" is suggested for "min", "kim" and "minak".
pub fn suggest_tokens(name: &str) -> Vec<String> {
    let folded = fold(name.trim_start_matches('#'));
    let mut out: Vec<String> = folded
        .split(|c: char| !c.is_alphanumeric() && c != '_' && c != '.')
        .filter(|w| !w.is_empty())
        .map(str::to_owned)
        .collect();
    let whole: String = folded.chars().filter(|c| !c.is_whitespace()).collect();
    if !whole.is_empty() && !out.contains(&whole) {
        out.push(whole);
    }
    out
}

/// The folded prefix a suggestion query looks up.
pub fn suggest_prefix(text: &str) -> String {
    fold(text.trim().trim_start_matches(['#', '@']))
        .chars()
        .filter(|c| !c.is_whitespace())
        .collect()
}

/// A token stream over a precomputed list of terms.
pub struct VecTokenStream {
    tokens: std::vec::IntoIter<Token>,
    current: Token,
}

impl VecTokenStream {
    fn new(terms: Vec<String>) -> Self {
        let tokens: Vec<Token> = terms
            .into_iter()
            .enumerate()
            .map(|(position, text)| Token {
                offset_from: 0,
                offset_to: 0,
                position,
                text,
                position_length: 1,
            })
            .collect();
        Self {
            tokens: tokens.into_iter(),
            current: Token::default(),
        }
    }
}

impl TokenStream for VecTokenStream {
    fn advance(&mut self) -> bool {
        match self.tokens.next() {
            Some(t) => {
                self.current = t;
                true
            }
            None => false,
        }
    }

    fn token(&self) -> &Token {
        &self.current
    }

    fn token_mut(&mut self) -> &mut Token {
        &mut self.current
    }
}

/// The index-time analyzer for full-text fields ([`index_tokens`]).
#[derive(Clone, Default)]
pub struct SoukTokenizer;

impl Tokenizer for SoukTokenizer {
    type TokenStream<'a> = VecTokenStream;

    fn token_stream<'a>(&'a mut self, text: &'a str) -> VecTokenStream {
        VecTokenStream::new(index_tokens(text))
    }
}

/// The index-time analyzer for the suggestion field ([`suggest_tokens`]).
#[derive(Clone, Default)]
pub struct SuggestTokenizer;

impl Tokenizer for SuggestTokenizer {
    type TokenStream<'a> = VecTokenStream;

    fn token_stream<'a>(&'a mut self, text: &'a str) -> VecTokenStream {
        VecTokenStream::new(suggest_tokens(text))
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used, clippy::expect_used)]
    use super::*;

    #[test]
    fn folds_traditional_to_simplified_and_full_width() {
        assert_eq!(fold("護膚"), "护肤");
        assert_eq!(fold("連衣裙"), "连衣裙");
        assert_eq!(fold("护肤"), "护肤");
        assert_eq!(fold("ＳＥＲＵＭ　Ｘ"), "serum x");
    }

    #[test]
    fn splits_mixed_scripts() {
        let r = runs(&fold("iPhone15手機殼 비타민세럼!"));
        let texts: Vec<_> = r.iter().map(|r| (r.script, r.text.as_str())).collect();
        assert_eq!(
            texts,
            vec![
                (Script::Word, "iphone15"),
                (Script::Han, "手机壳"),
                (Script::Syllabic, "비타민세럼"),
            ]
        );
    }

    #[test]
    fn korean_gets_bigrams_and_the_whole_word() {
        let t = index_tokens("비타민세럼");
        assert!(t.contains(&"세럼".to_owned()), "{t:?}");
        assert!(t.contains(&"비타민세럼".to_owned()), "{t:?}");
    }

    #[test]
    fn english_is_stemmed_and_kept() {
        let t = index_tokens("Serums");
        assert_eq!(t, vec!["serums".to_owned(), "serum".to_owned()]);
    }

    #[test]
    fn typo_tolerance_starts_at_five_letters() {
        let fuzz = |q: &str| match &query_units(q)[0] {
            QueryUnit::Word { fuzzy, .. } => *fuzzy,
            QueryUnit::Cjk { .. } => 99,
        };
        assert_eq!(fuzz("silk"), 0);
        assert_eq!(fuzz("serum"), 1);
        assert_eq!(fuzz("moisturizer"), 2);
    }

    #[test]
    fn chinese_words_and_bigrams() {
        let t = index_tokens("夏季連衣裙");
        assert!(t.contains(&"连衣裙".to_owned()), "{t:?}");
        assert!(t.contains(&"衣裙".to_owned()), "{t:?}");
    }

    #[test]
    fn suggestion_tokens() {
        let t = suggest_tokens("Mina Kim");
        assert_eq!(t, vec!["mina", "kim", "minakim"]);
        assert_eq!(suggest_prefix("#護"), "护");
    }
}
