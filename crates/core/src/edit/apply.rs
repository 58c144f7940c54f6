//! Merges parsed edits into the current files: each edit's search lines must match exactly
//! one place, first exactly, then ignoring trailing spaces, then ignoring indentation.
//!
//! Matching is by whole lines because models quote whole lines; a missing or ambiguous match
//! is a typed error naming the edit, so the caller can ask for the whole file instead.

use serde::{Deserialize, Serialize};
use thiserror::Error;

use super::{CodeFile, Edit};

/// How an edit's search text was found.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum MatchKind {
    /// Character for character.
    Exact,
    /// Equal once trailing spaces are ignored.
    TrailingSpace,
    /// Equal once indentation is ignored; the replacement was re-indented to fit.
    Indentation,
    /// An empty search: the replacement went at the end of the file.
    Appended,
}

/// Why an answer's edits could not be applied. `edit` counts from 1, as a reader would.
#[derive(Debug, Clone, PartialEq, Eq, Error)]
pub enum ApplyError {
    #[error("the answer holds no edits")]
    NoEdits,
    #[error("edit {edit} names {name}, which is not one of the files ({files})")]
    NoSuchFile {
        edit: usize,
        name: String,
        files: String,
    },
    #[error("edit {edit}: its search text was not found in {file}: {excerpt:?}")]
    NotFound {
        edit: usize,
        file: String,
        excerpt: String,
    },
    #[error("edit {edit}: its search text matches {count} places in {file}; it must match one")]
    Ambiguous {
        edit: usize,
        file: String,
        count: usize,
    },
    #[error("edit {edit}: its search text matches in several files ({files}); name the file")]
    SeveralFiles { edit: usize, files: String },
}

/// The files after every edit, and how each edit matched.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Applied {
    pub files: Vec<CodeFile>,
    pub matches: Vec<MatchKind>,
}

/// Applies `edits` in order to a copy of `files`; all or nothing.
pub fn apply_edits(files: &[CodeFile], edits: &[Edit]) -> Result<Applied, ApplyError> {
    if edits.is_empty() {
        return Err(ApplyError::NoEdits);
    }
    let mut files = files.to_vec();
    let mut matches = Vec::with_capacity(edits.len());
    for (index, edit) in edits.iter().enumerate() {
        let number = index + 1;
        let target = target_file(&files, edit, number)?;
        let file = &mut files[target];
        let (text, kind) =
            apply_one(&file.text, &edit.search, &edit.replace).map_err(|e| match e {
                Miss::NotFound => ApplyError::NotFound {
                    edit: number,
                    file: file.name.clone(),
                    excerpt: excerpt(&edit.search),
                },
                Miss::Ambiguous(count) => ApplyError::Ambiguous {
                    edit: number,
                    file: file.name.clone(),
                    count,
                },
            })?;
        file.text = text;
        matches.push(kind);
    }
    Ok(Applied { files, matches })
}

/// The file an edit goes to: the one its name hint answers to, else the one file where its
/// search text is found.
fn target_file(files: &[CodeFile], edit: &Edit, number: usize) -> Result<usize, ApplyError> {
    let names = || {
        files
            .iter()
            .map(|f| f.name.as_str())
            .collect::<Vec<_>>()
            .join(", ")
    };
    if let Some(hint) = &edit.file {
        if let Some(exact) = files.iter().position(|f| f.is_named(hint)) {
            return Ok(exact);
        }
        let named: Vec<usize> = (0..files.len())
            .filter(|&i| files[i].answers_to(hint))
            .collect();
        if let [one] = named[..] {
            return Ok(one);
        }
        // Two files of one kind: the one where the search text is.
        if named.len() > 1 {
            return by_content(files, &named, edit, number, names);
        }
        if files.len() > 1 && edit.search.trim().is_empty() {
            return Err(ApplyError::NoSuchFile {
                edit: number,
                name: hint.clone(),
                files: names(),
            });
        }
    }
    let all: Vec<usize> = (0..files.len()).collect();
    by_content(files, &all, edit, number, names)
}

fn by_content(
    files: &[CodeFile],
    candidates: &[usize],
    edit: &Edit,
    number: usize,
    names: impl Fn() -> String,
) -> Result<usize, ApplyError> {
    match candidates {
        [] => Err(ApplyError::NoSuchFile {
            edit: number,
            name: edit.file.clone().unwrap_or_default(),
            files: names(),
        }),
        [one] => Ok(*one),
        _ => {
            let found: Vec<usize> = candidates
                .iter()
                .copied()
                .filter(|&i| apply_one(&files[i].text, &edit.search, &edit.replace).is_ok())
                .collect();
            match found[..] {
                [one] => Ok(one),
                [] => Err(ApplyError::NotFound {
                    edit: number,
                    file: candidates
                        .iter()
                        .map(|&i| files[i].name.as_str())
                        .collect::<Vec<_>>()
                        .join(", "),
                    excerpt: excerpt(&edit.search),
                }),
                _ => Err(ApplyError::SeveralFiles {
                    edit: number,
                    files: found
                        .iter()
                        .map(|&i| files[i].name.as_str())
                        .collect::<Vec<_>>()
                        .join(", "),
                }),
            }
        }
    }
}

enum Miss {
    NotFound,
    Ambiguous(usize),
}

/// The first two lines of a search text, for an error message.
fn excerpt(search: &str) -> String {
    let mut lines = search.lines().filter(|l| !l.trim().is_empty());
    let shown: Vec<&str> = lines.by_ref().take(2).collect();
    let more = if lines.next().is_some() { " …" } else { "" };
    format!("{}{more}", shown.join(" ⏎ ").trim())
}

/// One edit on one text.
fn apply_one(text: &str, search: &str, replace: &str) -> Result<(String, MatchKind), Miss> {
    let file: Vec<&str> = text.lines().collect();
    let ends_with_newline = text.ends_with('\n') || text.is_empty();
    let mut wanted: Vec<&str> = search.lines().collect();
    let replacement: Vec<&str> = replace.lines().collect();
    if wanted.iter().all(|l| l.trim().is_empty()) {
        let mut lines = file.iter().map(|l| l.to_string()).collect::<Vec<_>>();
        lines.extend(replacement.iter().map(|l| l.to_string()));
        return Ok((join(&lines, true), MatchKind::Appended));
    }
    for kind in [
        MatchKind::Exact,
        MatchKind::TrailingSpace,
        MatchKind::Indentation,
    ] {
        if kind != MatchKind::Exact {
            // Past an exact match, blank lines at the ends of the search are not required.
            while wanted.first().is_some_and(|l| l.trim().is_empty()) {
                wanted.remove(0);
            }
            while wanted.last().is_some_and(|l| l.trim().is_empty()) {
                wanted.pop();
            }
        }
        let same = |a: &str, b: &str| match kind {
            MatchKind::Exact => a == b,
            MatchKind::TrailingSpace => a.trim_end() == b.trim_end(),
            _ => a.trim() == b.trim(),
        };
        let starts: Vec<usize> = (0..=file.len().saturating_sub(wanted.len()))
            .filter(|&at| {
                file.len() >= wanted.len()
                    && wanted
                        .iter()
                        .enumerate()
                        .all(|(k, w)| same(file[at + k], w))
            })
            .collect();
        match starts[..] {
            [] if kind == MatchKind::Exact => {
                // Models also quote part of a line (`getElementById('start')`): found
                // character for character, once, it is as good as whole lines.
                if let Some(result) = within_lines(text, search, replace) {
                    return result;
                }
            }
            [] => continue,
            [at] => {
                let new_lines: Vec<String> = if kind == MatchKind::Indentation {
                    reindent(&file[at..at + wanted.len()], &wanted, &replacement)
                } else {
                    replacement.iter().map(|l| l.to_string()).collect()
                };
                let mut lines: Vec<String> = file[..at].iter().map(|l| l.to_string()).collect();
                lines.extend(new_lines);
                lines.extend(file[at + wanted.len()..].iter().map(|l| l.to_string()));
                return Ok((join(&lines, ends_with_newline), kind));
            }
            _ => return Err(Miss::Ambiguous(starts.len())),
        }
    }
    Err(Miss::NotFound)
}

/// `search` found as a substring of `text` (its final newline optional, since a quoted part
/// of a line ends where the line does not), or None when it is not there.
fn within_lines(
    text: &str,
    search: &str,
    replace: &str,
) -> Option<Result<(String, MatchKind), Miss>> {
    let trimmed = (search.strip_suffix('\n'), replace.strip_suffix('\n'));
    let forms = [
        (search, replace),
        (trimmed.0.unwrap_or(search), trimmed.1.unwrap_or(replace)),
    ];
    forms
        .into_iter()
        .find_map(|(search, replace)| match text.matches(search).count() {
            0 => None,
            1 => Some(Ok((text.replacen(search, replace, 1), MatchKind::Exact))),
            count => Some(Err(Miss::Ambiguous(count))),
        })
}

fn join(lines: &[String], final_newline: bool) -> String {
    let mut text = lines.join("\n");
    if final_newline && !lines.is_empty() {
        text.push('\n');
    }
    text
}

fn indent(line: &str) -> &str {
    &line[..line.len() - line.trim_start().len()]
}

/// The replacement shifted by the indentation the file has and the search lacked (or the
/// other way round), judged on the first non-blank line.
fn reindent(found: &[&str], search: &[&str], replacement: &[&str]) -> Vec<String> {
    let first = |lines: &[&str]| {
        lines
            .iter()
            .find(|l| !l.trim().is_empty())
            .map(|l| indent(l).to_string())
    };
    let (Some(have), Some(quoted)) = (first(found), first(search)) else {
        return replacement.iter().map(|l| l.to_string()).collect();
    };
    replacement
        .iter()
        .map(|line| {
            if line.trim().is_empty() {
                String::new()
            } else if let Some(extra) = have.strip_prefix(quoted.as_str()) {
                format!("{extra}{line}")
            } else if let Some(extra) = quoted.strip_prefix(have.as_str()) {
                line.strip_prefix(extra).unwrap_or(line).to_string()
            } else {
                line.to_string()
            }
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn page(text: &str) -> Vec<CodeFile> {
        vec![CodeFile::new("index.html", "html", text)]
    }

    #[test]
    fn an_exact_match_is_replaced_and_the_rest_kept() {
        let files = page("<p>\n  a\n</p>\n<script>\nlet n = 0;\n</script>\n");
        let applied = apply_edits(
            &files,
            &[Edit::new(None, "let n = 0;\n", "let n = 1;\nlet m = 2;\n")],
        )
        .unwrap();
        assert_eq!(
            applied.files[0].text,
            "<p>\n  a\n</p>\n<script>\nlet n = 1;\nlet m = 2;\n</script>\n"
        );
        assert_eq!(applied.matches, [MatchKind::Exact]);
    }

    #[test]
    fn trailing_spaces_and_blank_edges_do_not_stop_a_match() {
        let files = page("a  \nb\nc\n");
        let applied = apply_edits(&files, &[Edit::new(None, "\na\nb   \n\n", "A\nB\n")]).unwrap();
        assert_eq!(applied.files[0].text, "A\nB\nc\n");
        assert_eq!(applied.matches, [MatchKind::TrailingSpace]);
    }

    #[test]
    fn indentation_is_tolerated_and_the_replacement_reindented() {
        let files = page("function f() {\n    if (x) {\n        go();\n    }\n}\n");
        let applied = apply_edits(
            &files,
            &[Edit::new(
                None,
                "if (x) {\n    go();\n}\n",
                "if (x && y) {\n    go();\n    stop();\n}\n",
            )],
        )
        .unwrap();
        assert_eq!(
            applied.files[0].text,
            "function f() {\n    if (x && y) {\n        go();\n        stop();\n    }\n}\n"
        );
        assert_eq!(applied.matches, [MatchKind::Indentation]);
    }

    #[test]
    fn part_of_a_line_is_found_once_or_reported_ambiguous() {
        let files = page("go('start').onclick = f;\nstop();\n");
        let applied =
            apply_edits(&files, &[Edit::new(None, "go('start')\n", "go('run')\n")]).unwrap();
        assert_eq!(applied.files[0].text, "go('run').onclick = f;\nstop();\n");
        let twice = page("f(1); f(1);\n");
        assert!(matches!(
            apply_edits(&twice, &[Edit::new(None, "f(1)", "g(1)")]),
            Err(ApplyError::Ambiguous { count: 2, .. })
        ));
    }

    #[test]
    fn a_missing_match_names_the_edit_and_the_file() {
        let files = page("let a = 1;\n");
        let error = apply_edits(
            &files,
            &[
                Edit::new(None, "let a = 1;\n", "let a = 2;\n"),
                Edit::new(None, "let b = 1;\n", "let b = 2;\n"),
            ],
        )
        .unwrap_err();
        assert_eq!(
            error,
            ApplyError::NotFound {
                edit: 2,
                file: "index.html".into(),
                excerpt: "let b = 1;".into()
            }
        );
        assert!(error.to_string().contains("edit 2"), "{error}");
    }

    #[test]
    fn an_ambiguous_match_is_an_error_not_a_guess() {
        let files = page("x();\ny();\nx();\n");
        let error = apply_edits(&files, &[Edit::new(None, "x();\n", "z();\n")]).unwrap_err();
        assert_eq!(
            error,
            ApplyError::Ambiguous {
                edit: 1,
                file: "index.html".into(),
                count: 2
            }
        );
        let longer =
            apply_edits(&files, &[Edit::new(None, "x();\ny();\n", "z();\ny();\n")]).unwrap();
        assert_eq!(
            longer.files[0].text, "z();\ny();\nx();\n",
            "more context makes it one"
        );
    }

    #[test]
    fn edits_apply_in_order_and_all_or_nothing() {
        let files = page("a\nb\n");
        let applied = apply_edits(
            &files,
            &[
                Edit::new(None, "a\n", "c\n"),
                Edit::new(None, "c\nb\n", "d\n"),
            ],
        )
        .unwrap();
        assert_eq!(
            applied.files[0].text, "d\n",
            "the second sees the first's result"
        );
        assert!(apply_edits(
            &files,
            &[Edit::new(None, "a\n", "c\n"), Edit::new(None, "zzz\n", "")]
        )
        .is_err());
        assert_eq!(files[0].text, "a\nb\n", "the input is untouched");
    }

    #[test]
    fn an_empty_search_appends_and_no_edits_is_an_error() {
        let applied = apply_edits(&page("a\n"), &[Edit::new(None, "", "b\n")]).unwrap();
        assert_eq!(applied.files[0].text, "a\nb\n");
        assert_eq!(applied.matches, [MatchKind::Appended]);
        assert_eq!(apply_edits(&page("a\n"), &[]), Err(ApplyError::NoEdits));
    }

    #[test]
    fn a_file_without_a_final_newline_keeps_it_that_way() {
        let applied = apply_edits(&page("a\nb"), &[Edit::new(None, "b\n", "c\n")]).unwrap();
        assert_eq!(applied.files[0].text, "a\nc");
    }

    #[test]
    fn edits_find_their_file_by_name_or_else_by_content() {
        let files = vec![
            CodeFile::new("index.html", "html", "<p id=a></p>\n"),
            CodeFile::new("style.css", "css", "p { color: red; }\n"),
            CodeFile::new("python", "python", "print(1)\n"),
        ];
        let applied = apply_edits(
            &files,
            &[
                Edit::new(
                    Some("style.css"),
                    "p { color: red; }\n",
                    "p { color: blue; }\n",
                ),
                Edit::new(None, "<p id=a></p>\n", "<p id=b></p>\n"),
                Edit::new(Some("main.py"), "print(1)\n", "print(2)\n"),
            ],
        )
        .unwrap();
        let texts: Vec<&str> = applied.files.iter().map(|f| f.text.as_str()).collect();
        assert_eq!(
            texts,
            ["<p id=b></p>\n", "p { color: blue; }\n", "print(2)\n"]
        );
    }

    #[test]
    fn the_same_text_in_two_files_needs_a_name() {
        let files = vec![
            CodeFile::new("a.js", "js", "go();\n"),
            CodeFile::new("b.js", "js", "go();\n"),
        ];
        let error = apply_edits(&files, &[Edit::new(None, "go();\n", "stop();\n")]).unwrap_err();
        assert!(matches!(error, ApplyError::SeveralFiles { .. }), "{error}");
        let applied =
            apply_edits(&files, &[Edit::new(Some("b.js"), "go();\n", "stop();\n")]).unwrap();
        assert_eq!(applied.files[1].text, "stop();\n");
    }
}
