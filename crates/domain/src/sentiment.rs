//! Sentiment of short user text (comments, captions): the [`Sentiment`] trait the reputation check uses, and
//! [`LexiconSentiment`], a small documented word-list scorer for English, Chinese (simplified and
//! traditional) and Korean.
//!
//! # How the lexicon scorer works
//!
//! The score is the sum of the weights of the sentiment terms found in the text (negative terms weigh
//! -1 to -3, positive ones 1 to 3); below zero is [`Polarity::Negative`], above zero
//! [`Polarity::Positive`], zero neutral.
//!
//! - **English** is split into words (letters, digits and apostrophes); punctuation ends a clause. A few
//!   two-word phrases ("never again", "fell apart") are matched before single words.
//! - **Chinese and Korean** are scanned as text: Chinese has no spaces and Korean attaches particles and
//!   endings to its stems (좋아요, 좋은, 좋지), so terms are matched as substrings, longest first at each
//!   position. Some neutral terms (weight 0) exist only to stop a shorter term matching inside them:
//!   快递 "express delivery" is not 快 "fast", 差不多 "about the same" is not 差 "poor".
//! - A **negator** ("not", "never", "-n't", 不, 没/沒, 無/无, 別/别, Korean 안 and 못 as separate
//!   words) flips the next sentiment term within three words (English) or three characters (CJK), up to
//!   the end of the clause. Korean also negates after the stem (좋지 않아요, 좋지 못해요). A negated
//!   positive term counts fully negative ("not good"); a negated negative term counts as half its weight,
//!   at least 1, positive ("not bad" is mildly positive, not negative).
//! - An **intensifier** ("very", "so", "too", 很, 太, 非常, 好 before another term, 너무, 정말…) right before
//!   a term doubles its weight.
//!
//! It is deliberately small and explainable; merchants see which comments counted as negative and can
//! judge. It misses sarcasm, and it does not know context. A model can replace it by implementing
//! [`Sentiment`].

/// Negative, neutral or positive.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Polarity {
    Negative,
    Neutral,
    Positive,
}

impl Polarity {
    pub fn as_str(self) -> &'static str {
        match self {
            Polarity::Negative => "negative",
            Polarity::Neutral => "neutral",
            Polarity::Positive => "positive",
        }
    }
}

/// The result of scoring a text: a signed score (below zero negative) and its polarity.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct SentimentScore {
    pub score: i32,
    pub polarity: Polarity,
}

impl SentimentScore {
    pub fn from_score(score: i32) -> Self {
        let polarity = match score {
            s if s < 0 => Polarity::Negative,
            0 => Polarity::Neutral,
            _ => Polarity::Positive,
        };
        Self { score, polarity }
    }

    pub fn is_negative(self) -> bool {
        self.polarity == Polarity::Negative
    }
}

/// Scores a text's sentiment. Implementations must be cheap enough to run over a shop's month of comments
/// on every reputation check, and deterministic (a rerun of a check must see the same scores).
pub trait Sentiment: Send + Sync {
    fn score(&self, text: &str) -> SentimentScore;
}

/// The built-in word-list scorer (see the module documentation for the rules).
#[derive(Debug, Clone, Copy, Default)]
pub struct LexiconSentiment;

impl Sentiment for LexiconSentiment {
    fn score(&self, text: &str) -> SentimentScore {
        let lower = text.to_lowercase();
        SentimentScore::from_score(score_english(&lower).saturating_add(score_cjk(&lower)))
    }
}

// ---- English --------------------------------------------------------------------------------------------

const EN_TERMS: &[(&str, i32)] = &[
    // negative
    ("bad", -1),
    ("terrible", -2),
    ("awful", -2),
    ("horrible", -2),
    ("worst", -3),
    ("worse", -2),
    ("poor", -1),
    ("poorly", -1),
    ("broken", -2),
    ("broke", -1),
    ("damaged", -2),
    ("defective", -2),
    ("faulty", -2),
    ("cracked", -2),
    ("ripped", -2),
    ("disappointed", -2),
    ("disappointing", -2),
    ("disappointment", -2),
    ("scam", -3),
    ("fraud", -3),
    ("fake", -2),
    ("rude", -2),
    ("slow", -1),
    ("late", -1),
    ("delayed", -1),
    ("waste", -2),
    ("useless", -2),
    ("hate", -2),
    ("hated", -2),
    ("angry", -2),
    ("complaint", -1),
    ("wrong", -1),
    ("missing", -1),
    ("dirty", -1),
    ("ugly", -2),
    ("garbage", -3),
    ("trash", -2),
    ("junk", -2),
    ("avoid", -2),
    ("unacceptable", -2),
    ("misleading", -2),
    ("overpriced", -1),
    ("sucks", -2),
    ("refund", -1),
    ("ripoff", -3),
    ("meh", -1),
    // positive
    ("good", 1),
    ("great", 2),
    ("excellent", 3),
    ("amazing", 2),
    ("awesome", 2),
    ("love", 2),
    ("loved", 2),
    ("lovely", 2),
    ("perfect", 2),
    ("beautiful", 2),
    ("gorgeous", 2),
    ("nice", 1),
    ("happy", 1),
    ("recommend", 2),
    ("recommended", 2),
    ("fast", 1),
    ("quick", 1),
    ("friendly", 1),
    ("comfortable", 1),
    ("comfy", 1),
    ("soft", 1),
    ("fantastic", 2),
    ("wonderful", 2),
    ("best", 2),
    ("satisfied", 1),
    ("worth", 1),
    ("glad", 1),
    ("thanks", 1),
    ("cute", 1),
];

/// Two-word phrases, matched before their words.
const EN_PHRASES: &[(&str, &str, i32)] = &[
    ("never", "again", -2),
    ("fell", "apart", -2),
    ("rip", "off", -3),
    ("falling", "apart", -2),
    ("no", "problem", 0),
    ("no", "problems", 0),
];

/// Contractions are listed without their apostrophe (see [`english_clauses`]).
const EN_NEGATORS: &[&str] = &[
    "not", "no", "never", "none", "nothing", "neither", "nor", "without", "hardly", "barely",
    "cannot", "cant", "dont", "didnt", "doesnt", "isnt", "wasnt", "wont", "arent", "werent",
    "couldnt", "wouldnt", "shouldnt", "aint", "havent", "hasnt", "hadnt",
];

const EN_INTENSIFIERS: &[&str] = &[
    "very",
    "really",
    "so",
    "too",
    "extremely",
    "super",
    "totally",
    "absolutely",
    "incredibly",
    "completely",
    "utterly",
    "quite",
];

/// Words per clause; punctuation starts a new clause so negation does not leak past it.
fn english_clauses(text: &str) -> Vec<Vec<String>> {
    let mut clauses = Vec::new();
    let mut words: Vec<String> = Vec::new();
    let mut word = String::new();
    for ch in text.chars() {
        if ch.is_ascii_alphanumeric() {
            word.push(ch);
            continue;
        }
        // Apostrophes are dropped inside a word so "don't" and "dont" read alike.
        if ch == '\'' || ch == '’' {
            continue;
        }
        if !word.is_empty() {
            words.push(std::mem::take(&mut word));
        }
        let breaks = matches!(ch, '.' | ',' | '!' | '?' | ';' | ':' | '\n') || !ch.is_ascii();
        if breaks && !words.is_empty() {
            clauses.push(std::mem::take(&mut words));
        }
    }
    if !word.is_empty() {
        words.push(word);
    }
    if !words.is_empty() {
        clauses.push(words);
    }
    clauses
}

/// A negated term: positive terms count fully negative; negative ones count half (at least 1) positive.
fn flip(w: i32) -> i32 {
    match w {
        w if w > 0 => -w,
        0 => 0,
        w => (-w / 2).max(1),
    }
}

fn score_english(text: &str) -> i32 {
    let mut total = 0i32;
    for words in english_clauses(text) {
        let mut negate = 0u8;
        let mut boost = 0u8;
        let mut i = 0;
        while i < words.len() {
            let w = words[i].as_str();
            let next = words.get(i + 1).map(String::as_str);
            let phrase = EN_PHRASES
                .iter()
                .find(|(a, b, _)| *a == w && Some(*b) == next)
                .map(|(_, _, s)| *s);
            let (weight, width) = match phrase {
                Some(s) => (Some(s), 2),
                None => (EN_TERMS.iter().find(|(t, _)| *t == w).map(|(_, s)| *s), 1),
            };
            if let Some(mut s) = weight {
                if boost > 0 {
                    s = s.saturating_mul(2);
                }
                if negate > 0 {
                    s = flip(s);
                }
                total = total.saturating_add(s);
                negate = 0;
                boost = 0;
            } else if EN_NEGATORS.contains(&w) {
                negate = 3;
            } else if EN_INTENSIFIERS.contains(&w) {
                boost = 2;
            } else {
                negate = negate.saturating_sub(1);
                boost = boost.saturating_sub(1);
            }
            i += width;
        }
    }
    total
}

// ---- Chinese and Korean ---------------------------------------------------------------------------------

/// Chinese terms in both scripts, and Korean stems. Weight 0 marks a neutral word that only shields a
/// shorter term inside it.
const CJK_TERMS: &[(&str, i32)] = &[
    // Chinese, negative
    ("差", -1),
    ("烂", -2),
    ("爛", -2),
    ("糟糕", -2),
    ("失望", -2),
    ("垃圾", -3),
    ("骗子", -3),
    ("騙子", -3),
    ("骗人", -3),
    ("騙人", -3),
    ("假货", -3),
    ("假貨", -3),
    ("退货", -1),
    ("退貨", -1),
    ("退款", -1),
    ("慢", -1),
    ("坏", -2),
    ("壞", -2),
    ("破损", -2),
    ("破損", -2),
    ("难看", -2),
    ("難看", -2),
    ("难用", -2),
    ("難用", -2),
    ("不好", -2),
    ("不满", -2),
    ("不滿", -2),
    ("不行", -1),
    ("投诉", -2),
    ("投訴", -2),
    ("恶心", -2),
    ("噁心", -2),
    ("惡心", -2),
    ("贵", -1),
    ("貴", -1),
    ("后悔", -2),
    ("後悔", -2),
    ("生气", -2),
    ("生氣", -2),
    ("敷衍", -2),
    ("问题", -1),
    ("問題", -1),
    ("瑕疵", -1),
    ("掉色", -1),
    ("起球", -1),
    ("臭", -1),
    ("脏", -1),
    ("髒", -1),
    ("再也不", -2),
    ("别买", -3),
    ("別買", -3),
    ("最差", -3),
    // Chinese, positive
    ("好", 1),
    ("不错", 1),
    ("不錯", 1),
    ("满意", 2),
    ("滿意", 2),
    ("喜欢", 2),
    ("喜歡", 2),
    ("推荐", 2),
    ("推薦", 2),
    ("漂亮", 2),
    ("舒服", 1),
    ("完美", 2),
    ("快", 1),
    ("好评", 2),
    ("好評", 2),
    ("划算", 1),
    ("劃算", 1),
    ("值得", 1),
    ("棒", 2),
    ("赞", 2),
    ("讚", 2),
    ("超值", 2),
    ("精致", 1),
    ("精緻", 1),
    ("可爱", 1),
    ("可愛", 1),
    ("感谢", 1),
    ("感謝", 1),
    ("正品", 1),
    ("柔软", 1),
    ("柔軟", 1),
    ("合身", 1),
    // Chinese, neutral shields
    ("快递", 0),
    ("快遞", 0),
    ("差不多", 0),
    ("好像", 0),
    ("好几", 0),
    ("好幾", 0),
    ("不过", 0),
    ("不過", 0),
    ("不用", 0),
    ("只好", 0),
    ("正好", 0),
    ("不管", 0),
    // Korean, negative
    ("별로", -2),
    ("최악", -3),
    ("실망", -2),
    ("느려", -1),
    ("느리", -1),
    ("느림", -1),
    ("늦게", -1),
    ("늦어", -1),
    ("불량", -2),
    ("환불", -1),
    ("반품", -1),
    ("짜증", -2),
    ("불친절", -2),
    ("나빠", -2),
    ("나쁘", -2),
    ("나쁜", -2),
    ("싫어", -2),
    ("비싸", -1),
    ("후회", -2),
    ("파손", -2),
    ("엉망", -2),
    ("고장", -2),
    ("냄새", -1),
    ("구려", -2),
    ("불만", -2),
    ("불만족", -2),
    ("쓰레기", -3),
    ("아쉬", -1),
    ("아쉽", -1),
    ("문제", -1),
    // Korean, positive
    ("좋", 1),
    ("최고", 3),
    ("만족", 2),
    ("추천", 2),
    ("예뻐", 2),
    ("예쁘", 2),
    ("예쁜", 2),
    ("빨라", 1),
    ("빠르", 1),
    ("빠른", 1),
    ("친절", 1),
    ("감사", 1),
    ("훌륭", 2),
    ("완벽", 2),
    ("사랑", 2),
    ("편해", 1),
    ("편하", 1),
    ("편안", 1),
    ("맘에 들", 2),
    ("마음에 들", 2),
    ("괜찮", 1),
    ("대박", 2),
    ("강추", 3),
];

const CJK_NEGATORS: &[&str] = &[
    "不", "没", "沒", "没有", "沒有", "无", "無", "别", "別", "未", "并不", "並不", "从不", "從不",
    "안 ", "못 ",
];

/// After a Korean stem: 좋지 않아요 "not good", 좋지 못해요.
const KO_POST_NEGATORS: &[&str] = &["지 않", "지않", "지 못", "지못"];

const CJK_INTENSIFIERS: &[&str] = &[
    "很", "非常", "太", "超", "超级", "超級", "特别", "特別", "真", "好", "十分", "极其", "極其",
    "挺", "蛮", "蠻", "巨", "너무", "정말", "진짜", "아주", "매우", "완전", "엄청", "되게",
];

/// The longest entry of `list` that `rest` starts with.
fn longest<'a>(rest: &str, list: &'a [&'a str]) -> Option<&'a str> {
    list.iter()
        .copied()
        .filter(|t| rest.starts_with(t))
        .max_by_key(|t| t.len())
}

fn longest_term(rest: &str) -> Option<(&'static str, i32)> {
    CJK_TERMS
        .iter()
        .copied()
        .filter(|(t, _)| rest.starts_with(t))
        .max_by_key(|(t, _)| t.len())
}

fn is_clause_break(ch: char) -> bool {
    matches!(
        ch,
        '.' | ','
            | '!'
            | '?'
            | ';'
            | ':'
            | '\n'
            | '。'
            | '，'
            | '！'
            | '？'
            | '；'
            | '：'
            | '、'
            | '~'
            | '～'
    )
}

fn score_cjk(text: &str) -> i32 {
    let mut total = 0i32;
    let mut negate = 0u8;
    let mut boost = 0u8;
    let mut i = 0;
    while i < text.len() {
        let rest = &text[i..];
        let Some(ch) = rest.chars().next() else {
            break;
        };
        // Latin text belongs to the English pass; skip whole ASCII runs quickly.
        if ch.is_ascii() && ch != ' ' && !is_clause_break(ch) {
            i += 1;
            continue;
        }
        // An intensifier counts only when a term or another intensifier follows it (Korean: after a space),
        // so 好 in 好差 "so bad" boosts while 好 on its own is "good".
        if let Some(int) = longest(rest, CJK_INTENSIFIERS) {
            let after = rest[int.len()..].trim_start_matches(' ');
            if longest_term(after).is_some() || longest(after, CJK_INTENSIFIERS).is_some() {
                boost = 3;
                i += int.len();
                continue;
            }
        }
        let term = longest_term(rest);
        let neg = longest(rest, CJK_NEGATORS);
        match (term, neg) {
            // A term wins over a negator it contains or that is shorter (不好 is a term; 不 is not).
            (Some((t, w)), n) if n.is_none_or(|n| t.len() >= n.len()) => {
                let mut s = w;
                if boost > 0 {
                    s = s.saturating_mul(2);
                }
                let near = first_chars(&rest[t.len()..], 6);
                let post_negated = KO_POST_NEGATORS.iter().any(|p| near.contains(p));
                if (negate > 0) != post_negated {
                    s = flip(s);
                }
                total = total.saturating_add(s);
                negate = 0;
                boost = 0;
                i += t.len();
            }
            (_, Some(n)) => {
                negate = 3;
                i += n.len();
            }
            _ => {
                if is_clause_break(ch) {
                    negate = 0;
                    boost = 0;
                } else if ch != ' ' {
                    negate = negate.saturating_sub(1);
                    boost = boost.saturating_sub(1);
                }
                i += ch.len_utf8();
            }
        }
    }
    total
}

/// The first `n` characters of `s`, where a Korean post-negation (좋지 않아요) would be.
fn first_chars(s: &str, n: usize) -> &str {
    let end = s.char_indices().nth(n).map(|(i, _)| i).unwrap_or(s.len());
    &s[..end]
}

#[cfg(test)]
mod tests {
    use super::*;

    fn polarity(text: &str) -> Polarity {
        LexiconSentiment.score(text).polarity
    }

    #[test]
    fn english() {
        assert_eq!(
            polarity("terrible quality, never again"),
            Polarity::Negative
        );
        assert_eq!(polarity("Love it, great fit!"), Polarity::Positive);
        assert_eq!(polarity("It arrived on Tuesday"), Polarity::Neutral);
        assert_ne!(polarity("not bad"), Polarity::Negative);
        assert_eq!(polarity("not good at all"), Polarity::Negative);
        assert_eq!(polarity("Don't buy, it's broken"), Polarity::Negative);
        assert_eq!(polarity("I wasn't disappointed"), Polarity::Positive);
        assert_eq!(polarity("not very good"), Polarity::Negative);
        // Negation ends with the clause.
        assert_eq!(polarity("not sure. great shoes"), Polarity::Positive);
    }

    #[test]
    fn intensifiers_double() {
        let plain = LexiconSentiment.score("slow shipping").score;
        let strong = LexiconSentiment.score("very slow shipping").score;
        assert_eq!(strong, plain * 2);
    }

    #[test]
    fn chinese_simplified_and_traditional() {
        assert_eq!(polarity("质量很差"), Polarity::Negative);
        assert_eq!(polarity("質量很差"), Polarity::Negative);
        assert_eq!(polarity("品質很好"), Polarity::Positive);
        assert_eq!(polarity("品质很好，推荐"), Polarity::Positive);
        assert_eq!(polarity("不太好"), Polarity::Negative);
        assert_eq!(polarity("好差啊"), Polarity::Negative);
        assert_eq!(polarity("不错"), Polarity::Positive);
        assert_eq!(polarity("快递很慢，失望"), Polarity::Negative);
        assert_eq!(polarity("沒有問題"), Polarity::Positive);
        assert_eq!(polarity("差不多吧"), Polarity::Neutral);
        assert_eq!(polarity("再也不买了"), Polarity::Negative);
        assert_eq!(polarity("衣服收到了"), Polarity::Neutral);
    }

    #[test]
    fn korean() {
        assert_eq!(polarity("배송이 너무 느려요"), Polarity::Negative);
        assert_eq!(polarity("정말 좋아요"), Polarity::Positive);
        assert_eq!(polarity("안 좋아요"), Polarity::Negative);
        assert_eq!(polarity("좋지 않아요"), Polarity::Negative);
        assert_eq!(polarity("최악이에요 환불해 주세요"), Polarity::Negative);
        assert_eq!(polarity("불만족"), Polarity::Negative);
        assert_eq!(polarity("색상이 예뻐요, 추천합니다"), Polarity::Positive);
        assert_eq!(polarity("내일 도착해요"), Polarity::Neutral);
    }

    #[test]
    fn mixed_languages_add_up() {
        assert_eq!(polarity("Terrible! 质量很差"), Polarity::Negative);
        assert_eq!(polarity("great 좋아요"), Polarity::Positive);
        assert_eq!(polarity(""), Polarity::Neutral);
    }

    #[test]
    fn behind_a_trait() {
        let s: &dyn Sentiment = &LexiconSentiment;
        assert!(s.score("worst purchase ever").is_negative());
        assert_eq!(Polarity::Negative.as_str(), "negative");
    }
}
