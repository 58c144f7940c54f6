//! Escaped HTML for streamed code lines: our own `<span>` tags around the model's text, which
//! is always escaped, so the page builds many lines with one parser call, not many DOM calls.

use super::highlight::Span;

/// Appends `text` escaped for an HTML element's content: no `<`, `>` or bare `&` survive,
/// and CR and NUL (which the HTML parser would rewrite) become character references.
pub fn escape_into(out: &mut String, text: &str) {
    let mut rest = text;
    while let Some(at) = rest.find(['&', '<', '>', '\r', '\0']) {
        out.push_str(&rest[..at]);
        out.push_str(match rest.as_bytes()[at] {
            b'&' => "&amp;",
            b'<' => "&lt;",
            b'>' => "&gt;",
            b'\r' => "&#13;",
            _ => "&#65533;",
        });
        rest = &rest[at + 1..];
    }
    out.push_str(rest);
}

/// Appends one code line, `<span class="ln">…</span>`, its `spans` (in order, on character
/// boundaries, as the highlighter gives them) wrapped in their token class's `<span>`.
pub fn code_line_html(out: &mut String, line: &str, spans: &[Span]) {
    out.push_str("<span class=\"ln\">");
    let mut at = 0;
    for span in spans {
        escape_into(out, &line[at..span.start]);
        out.push_str("<span class=\"");
        out.push_str(span.class.css_class());
        out.push_str("\">");
        escape_into(out, &line[span.start..span.end]);
        out.push_str("</span>");
        at = span.end;
    }
    escape_into(out, &line[at..]);
    out.push_str("</span>");
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::markdown::highlight::TokenClass;
    use proptest::prelude::*;

    /// Undoes `escape_into` (the browser's parser does the same for these references).
    fn unescape(html: &str) -> String {
        html.replace("&lt;", "<")
            .replace("&gt;", ">")
            .replace("&#13;", "\r")
            .replace("&#65533;", "\u{FFFD}")
            .replace("&amp;", "&")
    }

    #[test]
    fn builds_a_line_of_tokens_and_escaped_text() {
        let mut html = String::new();
        let line = "<script a=\"&amp;\">alert(1)\n";
        let span = Span {
            class: TokenClass::Tag,
            start: 0,
            end: 7,
        };
        code_line_html(&mut html, line, &[span]);
        assert_eq!(
            html,
            "<span class=\"ln\"><span class=\"tok-tag\">&lt;script</span> a=\"&amp;amp;\"&gt;alert(1)\n</span>"
        );
    }

    proptest! {
        /// Escaped text holds no markup characters and reads back as the text itself.
        #[test]
        fn escaped_text_holds_no_markup_and_round_trips(text in "[<>&;\"'a-z\r\n\0#]{0,40}") {
            let mut out = String::new();
            escape_into(&mut out, &text);
            prop_assert!(!out.contains('<') && !out.contains('>') && !out.contains('\r') && !out.contains('\0'));
            // Every `&` starts one of our references.
            for (at, _) in out.match_indices('&') {
                let rest = &out[at..];
                prop_assert!(["&amp;", "&lt;", "&gt;", "&#13;", "&#65533;"].iter().any(|r| rest.starts_with(r)));
            }
            prop_assert_eq!(unescape(&out), text.replace('\0', "\u{FFFD}"));
        }
    }
}
