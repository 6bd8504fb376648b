//! Rules for social content: captions, comments, alt text, hashtags and mentions (including CJK hashtags and
//! the full-width `＃`), and the documented Discover ranking score.

use crate::validation::FieldError;

pub const CAPTION_MAX_CHARS: usize = 2200;
pub const COMMENT_MAX_CHARS: usize = 2200;
pub const ALT_TEXT_MAX_CHARS: usize = 500;
pub const LOCATION_MAX_CHARS: usize = 100;
pub const MAX_IMAGES: usize = 10;
pub const MAX_HASHTAGS: usize = 30;
pub const HASHTAG_MAX_CHARS: usize = 100;

fn check_text(
    raw: &str,
    field: &'static str,
    max: usize,
    too_long: &'static str,
) -> Result<String, FieldError> {
    let s = raw.trim().replace("\r\n", "\n");
    if s.chars().count() > max {
        return Err(FieldError::new(
            field,
            too_long,
            format!("Must be at most {max} characters."),
        ));
    }
    if s.chars().any(|c| c.is_control() && c != '\n' && c != '\t') {
        return Err(FieldError::new(
            field,
            "invalid_chars",
            "Contains characters that are not allowed.",
        ));
    }
    Ok(s)
}

/// A caption with at most 2,200 characters and 30 hashtags (Instagram's limits, which users know).
pub fn parse_caption(raw: &str) -> Result<String, FieldError> {
    let s = check_text(raw, "caption", CAPTION_MAX_CHARS, "caption_too_long")?;
    if hashtags(&s).len() > MAX_HASHTAGS {
        return Err(FieldError::new(
            "caption",
            "too_many_hashtags",
            format!("Use at most {MAX_HASHTAGS} hashtags."),
        ));
    }
    Ok(s)
}

pub fn parse_comment(raw: &str) -> Result<String, FieldError> {
    let s = check_text(raw, "body", COMMENT_MAX_CHARS, "comment_too_long")?;
    if s.is_empty() {
        return Err(FieldError::new(
            "body",
            "comment_empty",
            "Write something first.",
        ));
    }
    Ok(s)
}

pub fn parse_alt_text(raw: &str) -> Result<String, FieldError> {
    check_text(raw, "alt_text", ALT_TEXT_MAX_CHARS, "alt_text_too_long")
}

pub fn parse_location(raw: &str) -> Result<String, FieldError> {
    let s = check_text(raw, "location", LOCATION_MAX_CHARS, "location_too_long")?;
    Ok(s.replace('\n', " "))
}

/// A piece of rendered text: plain, a hashtag, or a mention.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Segment<'a> {
    Text(&'a str),
    /// As written (without the `#`), and its lookup key.
    Hashtag {
        display: &'a str,
        key: String,
    },
    /// The username as written (without the `@`).
    Mention(&'a str),
}

fn is_tag_char(c: char) -> bool {
    c.is_alphanumeric() || c == '_' || c == '\u{200d}'
}

/// The identity of a hashtag: lower-cased with full-width Latin letters and digits folded to ASCII, so
/// `#Ｓｐｒｉｎｇ` and `#spring` are one tag. CJK characters are kept as they are.
pub fn hashtag_key(display: &str) -> String {
    display
        .chars()
        .map(|c| match c {
            '\u{ff10}'..='\u{ff19}' | '\u{ff21}'..='\u{ff3a}' | '\u{ff41}'..='\u{ff5a}' => {
                char::from_u32(c as u32 - 0xfee0).unwrap_or(c)
            }
            '\u{ff3f}' => '_',
            other => other,
        })
        .flat_map(char::to_lowercase)
        .collect()
}

/// Splits text into plain runs, hashtags (`#` or `＃` followed by letters of any script, digits or `_`,
/// not all digits) and mentions (`@` followed by 3–30 ASCII letters, digits or `_`). Neither may start in
/// the middle of a word, so `a@b.com` and `x#1` stay text.
pub fn segments(text: &str) -> Vec<Segment<'_>> {
    let mut out = Vec::new();
    let mut plain_start = 0;
    let mut prev: Option<char> = None;
    let mut iter = text.char_indices().peekable();
    while let Some((i, c)) = iter.next() {
        let boundary = prev.is_none_or(|p| !(p.is_alphanumeric() || p == '_'));
        if boundary && (c == '#' || c == '＃' || c == '@') {
            let start = i + c.len_utf8();
            let end = text[start..]
                .char_indices()
                .find(|(_, ch)| {
                    if c == '@' {
                        !(ch.is_ascii_alphanumeric() || *ch == '_')
                    } else {
                        !is_tag_char(*ch)
                    }
                })
                .map(|(j, _)| start + j)
                .unwrap_or(text.len());
            let word = &text[start..end];
            let n = word.chars().count();
            let valid = if c == '@' {
                (3..=30).contains(&n)
            } else {
                (1..=HASHTAG_MAX_CHARS).contains(&n) && !word.chars().all(|ch| ch.is_numeric())
            };
            if valid {
                if plain_start < i {
                    out.push(Segment::Text(&text[plain_start..i]));
                }
                out.push(if c == '@' {
                    Segment::Mention(word)
                } else {
                    Segment::Hashtag {
                        display: word,
                        key: hashtag_key(word),
                    }
                });
                plain_start = end;
                // Skip the consumed word.
                while iter.peek().is_some_and(|(j, _)| *j < end) {
                    iter.next();
                }
                prev = word.chars().last();
                continue;
            }
        }
        prev = Some(c);
    }
    if plain_start < text.len() {
        out.push(Segment::Text(&text[plain_start..]));
    }
    out
}

/// Distinct hashtags in order of first appearance: (display, key).
pub fn hashtags(text: &str) -> Vec<(String, String)> {
    let mut seen: Vec<(String, String)> = Vec::new();
    for s in segments(text) {
        if let Segment::Hashtag { display, key } = s
            && !seen.iter().any(|(_, k)| *k == key)
        {
            seen.push((display.to_owned(), key));
        }
    }
    seen
}

/// Distinct mentioned usernames, lower-cased.
pub fn mentions(text: &str) -> Vec<String> {
    let mut seen: Vec<String> = Vec::new();
    for s in segments(text) {
        if let Segment::Mention(u) = s {
            let key = u.to_ascii_lowercase();
            if !seen.contains(&key) {
                seen.push(key);
            }
        }
    }
    seen
}

/// Weights and decay of the Discover ranking; operators tune them in configuration.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct DiscoverWeights {
    pub like: f64,
    pub comment: f64,
    pub share: f64,
    pub save: f64,
    /// Hours added to a post's age so brand-new posts do not divide by almost zero.
    pub age_offset_hours: f64,
    /// How fast old posts sink: the score is divided by (age + offset) ^ gravity.
    pub gravity: f64,
}

impl Default for DiscoverWeights {
    fn default() -> Self {
        Self {
            like: 1.0,
            comment: 2.0,
            share: 3.0,
            save: 2.0,
            age_offset_hours: 2.0,
            gravity: 1.5,
        }
    }
}

/// Discover score: `(1 + like·w + comment·w + share·w + save·w) / (age_hours + offset) ^ gravity`.
/// Engagement lifts a post, time decays it (the Hacker News form, with saves and shares counting more than
/// likes because they signal intent to come back or to recommend).
pub fn discover_score(
    w: &DiscoverWeights,
    likes: i64,
    comments: i64,
    shares: i64,
    saves: i64,
    age_secs: i64,
) -> f64 {
    let engagement = 1.0
        + w.like * likes.max(0) as f64
        + w.comment * comments.max(0) as f64
        + w.share * shares.max(0) as f64
        + w.save * saves.max(0) as f64;
    let age_hours = age_secs.max(0) as f64 / 3600.0;
    engagement / (age_hours + w.age_offset_hours).powf(w.gravity)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn finds_hashtags_in_any_script() {
        let tags =
            hashtags("新品 #春季穿搭 and #데일리룩 #OOTD ＃Ｓｐｒｉｎｇ #spring #2024 x#no #ootd");
        let keys: Vec<&str> = tags.iter().map(|(_, k)| k.as_str()).collect();
        assert_eq!(keys, vec!["春季穿搭", "데일리룩", "ootd", "spring"]);
        assert_eq!(tags[2].0, "OOTD");
    }

    #[test]
    fn hashtag_ends_at_punctuation() {
        let keys: Vec<String> = hashtags("Love it!#tea, #茶。#matcha_latte…")
            .into_iter()
            .map(|(_, k)| k)
            .collect();
        assert_eq!(keys, vec!["tea", "茶", "matcha_latte"]);
    }

    #[test]
    fn finds_mentions_not_emails() {
        assert_eq!(
            mentions("thanks @Mina_Kim and @lin_wei! mail me at a@b.com @ab"),
            vec!["mina_kim", "lin_wei"]
        );
    }

    #[test]
    fn segments_round_trip() {
        let text = "Hi @mina_kim, try #tea!";
        let segs = segments(text);
        assert_eq!(
            segs,
            vec![
                Segment::Text("Hi "),
                Segment::Mention("mina_kim"),
                Segment::Text(", try "),
                Segment::Hashtag {
                    display: "tea",
                    key: "tea".into()
                },
                Segment::Text("!"),
            ]
        );
    }

    #[test]
    fn caption_limits() {
        assert!(parse_caption(&"가".repeat(2200)).is_ok());
        assert_eq!(
            parse_caption(&"가".repeat(2201)).unwrap_err().code,
            "caption_too_long"
        );
        let many: String = (0..31).map(|i| format!("#t{i} ")).collect();
        assert_eq!(parse_caption(&many).unwrap_err().code, "too_many_hashtags");
        assert_eq!(parse_comment("  ").unwrap_err().code, "comment_empty");
    }

    #[test]
    fn discover_prefers_engagement_and_freshness() {
        let w = DiscoverWeights::default();
        let fresh = discover_score(&w, 0, 0, 0, 0, 0);
        let old = discover_score(&w, 0, 0, 0, 0, 48 * 3600);
        let popular_old = discover_score(&w, 200, 20, 5, 10, 48 * 3600);
        assert!(fresh > old);
        assert!(popular_old > fresh);
        assert!(discover_score(&w, 0, 0, 1, 0, 0) > discover_score(&w, 1, 0, 0, 0, 0));
    }
}
