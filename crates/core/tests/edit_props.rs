//! Properties of fast-apply edits on generated code: an edit written in the documented
//! format parses back to itself, and applying it changes exactly the lines it names.

use proptest::prelude::*;
use sparkplug_core::edit::{apply_edits, parse_reply, CodeFile, Edit, MatchKind};

/// Lines of code-like text; numbered so every line is unique and a slice matches once.
fn unique_lines() -> impl Strategy<Value = Vec<String>> {
    prop::collection::vec("[ a-z(){};=<>/\"']{0,30}", 1..40).prop_map(|lines| {
        lines
            .into_iter()
            .enumerate()
            .map(|(i, l)| format!("{l} // {i}"))
            .collect()
    })
}

fn block(name: &str, search: &str, replace: &str) -> String {
    format!("{name}\n<<<<<<< SEARCH\n{search}=======\n{replace}>>>>>>> REPLACE\n")
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(256))]

    #[test]
    fn an_edit_replaces_exactly_its_lines(
        lines in unique_lines(),
        start in 0usize..40,
        len in 1usize..6,
        replacement in prop::collection::vec("[ a-z();]{0,20}", 0..5),
    ) {
        let start = start % lines.len();
        let end = (start + len).min(lines.len());
        let text: String = lines.iter().map(|l| format!("{l}\n")).collect();
        let search: String = lines[start..end].iter().map(|l| format!("{l}\n")).collect();
        let replace: String = replacement.iter().map(|l| format!("{l}\n")).collect();

        let answer = format!("Here is the change.\n\n{}\nDone.", block("index.html", &search, &replace));
        let reply = parse_reply(&answer);
        prop_assert!(!reply.malformed);
        prop_assert_eq!(&reply.edits, &vec![Edit {
            file: Some("index.html".into()),
            search: search.clone(),
            replace: replace.clone(),
        }]);

        let files = [CodeFile::new("index.html", "html", text)];
        let applied = apply_edits(&files, &reply.edits).expect("a unique slice applies");
        let mut expected: Vec<String> = lines[..start].to_vec();
        expected.extend(replacement.iter().cloned());
        expected.extend(lines[end..].iter().cloned());
        let expected: String = expected.iter().map(|l| format!("{l}\n")).collect();
        prop_assert_eq!(&applied.files[0].text, &expected);
        prop_assert_eq!(applied.matches[0], MatchKind::Exact);
    }

    #[test]
    fn parsing_any_text_never_panics(answer in "(?s).{0,400}") {
        let reply = parse_reply(&answer);
        let files = [CodeFile::new("a.js", "js", answer.clone())];
        let _ = apply_edits(&files, &reply.edits);
    }
}
