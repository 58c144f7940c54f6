//! Which link targets from model output may become a real link: web and mail links and
//! relative ones, never `javascript:`, `data:` or any other scheme that can run or embed.

/// The target to put in `href`, or `None` when the link must stay plain text.
///
/// Browsers drop tabs and newlines anywhere in a URL and trim control characters and spaces
/// at its ends before reading the scheme, so `java\tscript:` is `javascript:`: clean the same
/// way first, then allow only a known-safe scheme or none.
pub fn safe_href(url: &str) -> Option<String> {
    let cleaned: String = url
        .chars()
        .filter(|c| !matches!(c, '\t' | '\n' | '\r'))
        .collect();
    let cleaned = cleaned.trim_matches(|c: char| c <= ' ');
    if cleaned.is_empty() {
        return None;
    }
    let scheme_end = cleaned.find([':', '/', '?', '#']);
    if let Some(end) = scheme_end.filter(|&end| cleaned[end..].starts_with(':')) {
        let scheme = &cleaned[..end];
        let allowed = ["http", "https", "mailto"]
            .iter()
            .any(|s| s.eq_ignore_ascii_case(scheme));
        if !allowed {
            return None;
        }
    }
    Some(cleaned.to_owned())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn web_mail_and_relative_links_pass() {
        for url in [
            "https://example.com/a?b#c",
            "HTTP://EXAMPLE.COM",
            "mailto:a@b.c",
            "/docs",
            "#section",
            "page.html",
            "?q=1",
            "a/b:c",
        ] {
            assert_eq!(safe_href(url).as_deref(), Some(url), "{url}");
        }
    }

    #[test]
    fn scripting_and_embedding_schemes_are_refused_however_disguised() {
        for url in [
            "javascript:alert(1)",
            "JaVaScRiPt:alert(1)",
            " javascript:alert(1)",
            "\u{1}javascript:alert(1)",
            "java\tscript:alert(1)",
            "java\nscript:alert(1)",
            "data:text/html,<script>alert(1)</script>",
            "vbscript:msgbox",
            "file:///etc/passwd",
            "",
            "   ",
        ] {
            assert_eq!(safe_href(url), None, "{url:?}");
        }
    }
}
