//! What an edit changed, line by line, for the answer's diff view: each line kept, added or
//! removed, with its numbers in the old and new file, grouped into hunks with context.

use serde::{Deserialize, Serialize};
use similar::algorithms::{myers, Capture, Compact, Replace};
use similar::ChangeTag;

/// Whether a line is in both versions, only the new one, or only the old one.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum LineChange {
    Same,
    Added,
    Removed,
}

/// One line of a diff, without its newline; line numbers count from 1.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct DiffLine {
    pub change: LineChange,
    pub text: String,
    pub old_line: Option<usize>,
    pub new_line: Option<usize>,
}

/// The changed stretches of a file with `context` unchanged lines around each.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
pub struct FileDiff {
    pub hunks: Vec<Vec<DiffLine>>,
    pub added: usize,
    pub removed: usize,
}

impl FileDiff {
    pub fn is_empty(&self) -> bool {
        self.hunks.is_empty()
    }
}

/// The line diff from `old` to `new`: Myers' algorithm with `similar`'s usual clean-up
/// (changes shifted to natural boundaries, a delete beside an insert paired). Called on
/// Myers alone rather than through `TextDiff`, which links all five of the crate's
/// algorithms (a twelfth of the app's code) for a choice made at run time.
pub fn diff_lines(old: &str, new: &str, context: usize) -> FileDiff {
    let old_lines: Vec<&str> = old.split_inclusive('\n').collect();
    let new_lines: Vec<&str> = new.split_inclusive('\n').collect();
    let mut hook = Compact::new(Replace::new(Capture::new()), &old_lines, &new_lines);
    // The hooks' error type is `Infallible`.
    let Ok(()) = myers::diff(
        &mut hook,
        &old_lines,
        0..old_lines.len(),
        &new_lines,
        0..new_lines.len(),
    );
    let groups = hook.into_inner().into_inner().into_grouped_ops(context);
    let mut result = FileDiff::default();
    for group in groups {
        let mut hunk = Vec::new();
        for op in &group {
            for change in op.iter_changes(&old_lines, &new_lines) {
                let kind = match change.tag() {
                    ChangeTag::Equal => LineChange::Same,
                    ChangeTag::Insert => {
                        result.added += 1;
                        LineChange::Added
                    }
                    ChangeTag::Delete => {
                        result.removed += 1;
                        LineChange::Removed
                    }
                };
                let text = change.value();
                hunk.push(DiffLine {
                    change: kind,
                    text: text.strip_suffix('\n').unwrap_or(text).to_string(),
                    old_line: change.old_index().map(|i| i + 1),
                    new_line: change.new_index().map(|i| i + 1),
                });
            }
        }
        result.hunks.push(hunk);
    }
    result
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;
    use similar::TextDiff;

    /// Each hunk's lines: change, text, and 0-based line in the old and in the new file.
    type Hunks = Vec<Vec<(ChangeTag, String, Option<usize>, Option<usize>)>>;

    proptest! {
        /// The same hunks as `similar`'s own line diff (whose default algorithm is Myers).
        #[test]
        fn matches_similars_text_diff(
            old in proptest::collection::vec("[abc]{0,2}\n?", 0..30),
            new in proptest::collection::vec("[abc]{0,2}\n?", 0..30),
            context in 0usize..4,
        ) {
            let (old, new) = (old.concat(), new.concat());
            let reference = TextDiff::from_lines(&old, &new);
            let expected: Hunks = reference
                .grouped_ops(context)
                .iter()
                .map(|group| {
                    group
                        .iter()
                        .flat_map(|op| reference.iter_changes(op))
                        .map(|c| {
                            let text = c.value().strip_suffix('\n').unwrap_or(c.value());
                            (c.tag(), text.to_string(), c.old_index(), c.new_index())
                        })
                        .collect()
                })
                .collect();
            let ours: Hunks =
                diff_lines(&old, &new, context)
                    .hunks
                    .into_iter()
                    .map(|hunk| {
                        hunk.into_iter()
                            .map(|l| {
                                let tag = match l.change {
                                    LineChange::Same => ChangeTag::Equal,
                                    LineChange::Added => ChangeTag::Insert,
                                    LineChange::Removed => ChangeTag::Delete,
                                };
                                (tag, l.text, l.old_line.map(|i| i - 1), l.new_line.map(|i| i - 1))
                            })
                            .collect()
                    })
                    .collect();
            prop_assert_eq!(ours, expected);
        }
    }

    #[test]
    fn a_changed_line_shows_as_removed_then_added_with_context_and_numbers() {
        let old = "a\nb\nc\nd\ne\nf\ng\n";
        let new = "a\nb\nc\nD\ne\nf\ng\n";
        let diff = diff_lines(old, new, 1);
        assert_eq!((diff.added, diff.removed), (1, 1));
        let lines: Vec<(LineChange, &str, Option<usize>, Option<usize>)> = diff.hunks[0]
            .iter()
            .map(|l| (l.change, l.text.as_str(), l.old_line, l.new_line))
            .collect();
        assert_eq!(
            lines,
            [
                (LineChange::Same, "c", Some(3), Some(3)),
                (LineChange::Removed, "d", Some(4), None),
                (LineChange::Added, "D", None, Some(4)),
                (LineChange::Same, "e", Some(5), Some(5)),
            ]
        );
    }

    #[test]
    fn distant_changes_are_separate_hunks_and_no_change_is_empty() {
        let old: String = (1..=20).map(|i| format!("{i}\n")).collect();
        let new: String = (1..=20)
            .map(|i| match i {
                2 => "two\n".to_string(),
                19 => "nineteen\n".to_string(),
                _ => format!("{i}\n"),
            })
            .collect();
        assert_eq!(diff_lines(&old, &new, 2).hunks.len(), 2);
        assert!(diff_lines(&old, &old, 3).is_empty());
    }
}
