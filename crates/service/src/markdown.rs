//! Product descriptions: a safe Markdown subset rendered to HTML that can be embedded in a page as is.
//!
//! Merchants type Markdown, shoppers see HTML, so everything a merchant writes is untrusted. The renderer
//! walks the parser's events itself instead of using pulldown-cmark's HTML writer, so nothing it does not
//! know is ever emitted: raw HTML becomes visible text, images become their alt text, and links keep only
//! http, https and mailto targets, marked `rel="nofollow ugc noopener"`.

use pulldown_cmark::{Event, HeadingLevel, Options, Parser, Tag, TagEnd};

/// Escapes text for HTML element content and double-quoted attribute values.
pub fn escape_html(s: &str, out: &mut String) {
    for ch in s.chars() {
        match ch {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            c => out.push(c),
        }
    }
}

/// Whether a link target may be followed: absolute http(s) or mailto only (no javascript:, data:, or
/// relative paths that could point at Souk's own actions).
fn allowed_link(dest: &str) -> bool {
    let d = dest.trim().to_ascii_lowercase();
    (d.starts_with("https://") || d.starts_with("http://")) && d.len() > "https://".len()
        || d.starts_with("mailto:") && d.len() > "mailto:".len()
}

/// Headings are demoted so a description never competes with the page's own `<h1>`/`<h2>`.
fn heading_tag(level: HeadingLevel) -> &'static str {
    match level {
        HeadingLevel::H1 | HeadingLevel::H2 => "h3",
        HeadingLevel::H3 => "h4",
        _ => "h5",
    }
}

/// Renders Markdown to escaped, link-safe HTML.
pub fn render(markdown: &str) -> String {
    let mut out = String::with_capacity(markdown.len() + markdown.len() / 4);
    let parser = Parser::new_ext(markdown, Options::ENABLE_STRIKETHROUGH);
    // Whether each open link produced an `<a>` (refused targets render as plain text).
    let mut links: Vec<bool> = Vec::new();
    let mut image_depth = 0usize;
    for event in parser {
        match event {
            Event::Start(tag) => match tag {
                Tag::Paragraph if image_depth == 0 => out.push_str("<p>"),
                Tag::Heading { level, .. } => {
                    out.push('<');
                    out.push_str(heading_tag(level));
                    out.push('>');
                }
                Tag::BlockQuote(_) => out.push_str("<blockquote>"),
                Tag::CodeBlock(_) => out.push_str("<pre><code>"),
                Tag::List(Some(start)) => {
                    if start == 1 {
                        out.push_str("<ol>\n");
                    } else {
                        out.push_str(&format!("<ol start=\"{start}\">\n"));
                    }
                }
                Tag::List(None) => out.push_str("<ul>\n"),
                Tag::Item => out.push_str("<li>"),
                Tag::Emphasis => out.push_str("<em>"),
                Tag::Strong => out.push_str("<strong>"),
                Tag::Strikethrough => out.push_str("<del>"),
                Tag::Link { dest_url, .. } => {
                    let ok = image_depth == 0 && allowed_link(&dest_url);
                    if ok {
                        out.push_str("<a href=\"");
                        escape_html(dest_url.trim(), &mut out);
                        out.push_str("\" rel=\"nofollow ugc noopener\">");
                    }
                    links.push(ok);
                }
                Tag::Image { .. } => image_depth += 1,
                _ => {}
            },
            Event::End(tag) => match tag {
                TagEnd::Paragraph if image_depth == 0 => out.push_str("</p>\n"),
                TagEnd::Heading(level) => {
                    out.push_str("</");
                    out.push_str(heading_tag(level));
                    out.push_str(">\n");
                }
                TagEnd::BlockQuote(_) => out.push_str("</blockquote>\n"),
                TagEnd::CodeBlock => out.push_str("</code></pre>\n"),
                TagEnd::List(true) => out.push_str("</ol>\n"),
                TagEnd::List(false) => out.push_str("</ul>\n"),
                TagEnd::Item => out.push_str("</li>\n"),
                TagEnd::Emphasis => out.push_str("</em>"),
                TagEnd::Strong => out.push_str("</strong>"),
                TagEnd::Strikethrough => out.push_str("</del>"),
                TagEnd::Link if links.pop().unwrap_or(false) => out.push_str("</a>"),
                TagEnd::Image => image_depth = image_depth.saturating_sub(1),
                _ => {}
            },
            Event::Text(t) | Event::Code(t) | Event::Html(t) | Event::InlineHtml(t) => {
                escape_html(&t, &mut out)
            }
            Event::SoftBreak => out.push('\n'),
            Event::HardBreak => out.push_str("<br>\n"),
            Event::Rule => out.push_str("<hr>\n"),
            _ => {}
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::render;

    #[test]
    fn formats_the_safe_subset() {
        let html = render("# Title\n\nSome **bold** and *soft* text.\n\n- one\n- two\n");
        assert!(html.contains("<h3>Title</h3>"), "{html}");
        assert!(html.contains("<strong>bold</strong>"));
        assert!(html.contains("<em>soft</em>"));
        assert!(html.contains("<ul>\n<li>one</li>"), "{html}");
    }

    #[test]
    fn raw_html_and_scripts_are_escaped() {
        let html = render("Hi <script>alert(1)</script>\n\n<div onclick=\"x()\">block</div>\n");
        assert!(!html.contains("<script"), "{html}");
        assert!(!html.contains("<div"), "{html}");
        assert!(
            html.contains("&lt;script&gt;alert(1)&lt;/script&gt;"),
            "{html}"
        );
        assert!(
            html.contains("&lt;div onclick=&quot;x()&quot;&gt;"),
            "{html}"
        );
    }

    #[test]
    fn links_are_limited_and_marked() {
        let html =
            render("[shop](https://example.com/a?b=1&c=\"2\") [mail](mailto:hi@example.com)");
        assert!(
            html.contains(
                "<a href=\"https://example.com/a?b=1&amp;c=%222%22\" rel=\"nofollow ugc noopener\">shop</a>"
            ) || html.contains("rel=\"nofollow ugc noopener\">shop</a>"),
            "{html}"
        );
        assert!(html.contains("href=\"mailto:hi@example.com\""), "{html}");
        for bad in [
            "[x](javascript:alert(1))",
            "[x](JaVaScRiPt:alert(1))",
            "[x](data:text/html,<script>)",
            "[x](/settings)",
            "<javascript:alert(1)>",
        ] {
            let html = render(bad);
            assert!(!html.contains("<a"), "{bad} → {html}");
            assert!(
                !html.to_ascii_lowercase().contains("href"),
                "{bad} → {html}"
            );
        }
    }

    #[test]
    fn images_become_their_alt_text() {
        let html = render("![a cat](https://evil.example/track.png) and ![<b>x</b>](x.png)");
        assert!(!html.contains("<img"), "{html}");
        assert!(html.contains("a cat"), "{html}");
        assert!(!html.contains("<b>"), "{html}");
    }

    #[test]
    fn attribute_breakout_is_impossible() {
        let html = render("[x](https://a.example/\"onmouseover=\"alert(1))");
        assert!(!html.contains("\"onmouseover"), "{html}");
        let html = render("`<img src=x onerror=alert(1)>`");
        assert!(html.contains("&lt;img"), "{html}");
    }
}
