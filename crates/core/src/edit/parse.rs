//! Reads edits out of a model's ordinary markdown answer: search/replace blocks (inside or
//! outside fences, with a file name before them or none), unified diffs, and plain fences.
//!
//! Hand-written because the shapes are loose (models drop fences, wrap names in `**`, leave
//! the space off blank context lines) and no crate reads search/replace blocks; a unified
//! diff's hunk becomes the same search/replace pair, so line numbers (often wrong in model
//! output) are never trusted.

/// One edit: replace the lines `search` with `replace` in the file `file` names (or, with no
/// name, in the one file where `search` matches). An empty `search` appends `replace`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Edit {
    pub file: Option<String>,
    pub search: String,
    pub replace: String,
}

impl Edit {
    pub fn new(file: Option<&str>, search: &str, replace: &str) -> Self {
        Self {
            file: file.map(str::to_string),
            search: search.to_string(),
            replace: replace.to_string(),
        }
    }
}

/// A fenced code block that holds no edit: a whole file (or a snippet) in the answer.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FencedCode {
    /// The first word of the info string (`html`), empty when the fence has none.
    pub label: String,
    /// A file name the answer gave it (in the info string or on the line before the fence).
    pub name: Option<String>,
    pub text: String,
}

/// Everything an answer holds, in order of appearance within each kind.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Reply {
    pub edits: Vec<Edit>,
    pub blocks: Vec<FencedCode>,
    /// An edit block that never closed (the stream was cut, or the model lost the format):
    /// the answer cannot be applied as edits.
    pub malformed: bool,
}

const SEARCH: &str = "SEARCH";
const REPLACE: &str = "REPLACE";

/// Reads `answer` into edits and plain code blocks.
pub fn parse_reply(answer: &str) -> Reply {
    let lines: Vec<&str> = answer.lines().collect();
    let mut reply = Reply::default();
    let mut fence: Option<Fence> = None;
    let mut body: Vec<&str> = Vec::new();
    let mut i = 0;
    while i < lines.len() {
        let line = lines[i];
        if is_marker(line, '<', SEARCH) {
            let hint = fence
                .as_ref()
                .and_then(|f| f.name.clone())
                .or_else(|| name_before(&lines[..i], fence.is_some()));
            match read_search_replace(&lines, i + 1) {
                Some((search, replace, next)) => {
                    reply.edits.push(Edit {
                        file: hint,
                        search,
                        replace,
                    });
                    if let Some(f) = fence.as_mut() {
                        f.held_edits = true;
                    }
                    i = next;
                    continue;
                }
                None => {
                    reply.malformed = true;
                    break;
                }
            }
        }
        match fence.take() {
            None => {
                if let Some(open) = Fence::open(line, &lines[..i]) {
                    fence = Some(open);
                    body.clear();
                }
            }
            Some(open) if open.closes(line) => {
                open.finish(std::mem::take(&mut body), &mut reply);
            }
            Some(open) => {
                body.push(line);
                fence = Some(open);
            }
        }
        i += 1;
    }
    // A fence the answer never closed still holds its code (a cut stream keeps what came).
    if let Some(open) = fence {
        open.finish(body, &mut reply);
    }
    reply
}

/// An open fence: its marker, label and file name.
struct Fence {
    marker: char,
    len: usize,
    label: String,
    name: Option<String>,
    /// Search/replace blocks were read inside it, so its remaining text is not a file.
    held_edits: bool,
}

impl Fence {
    fn open(line: &str, before: &[&str]) -> Option<Self> {
        let trimmed = line.trim_start();
        if line.len() - trimmed.len() > 3 {
            return None;
        }
        let marker = trimmed.chars().next().filter(|c| *c == '`' || *c == '~')?;
        let len = trimmed.chars().take_while(|c| *c == marker).count();
        if len < 3 {
            return None;
        }
        let info = trimmed[len..].trim();
        if marker == '`' && info.contains('`') {
            return None;
        }
        let mut words = info.split_whitespace();
        let first = words.next().unwrap_or_default();
        // ```index.html names the file and implies its language; ```html index.html names both.
        let (label, name) = match words.next().map(clean_name).filter(|n| looks_like_file(n)) {
            Some(name) => (first.to_string(), Some(name)),
            None if looks_like_file(first) => {
                (extension(first).to_string(), Some(first.to_string()))
            }
            None => (first.to_string(), None),
        };
        let name = name.or_else(|| name_before(before, false));
        Some(Self {
            marker,
            len,
            label,
            name,
            held_edits: false,
        })
    }

    fn closes(&self, line: &str) -> bool {
        let trimmed = line.trim();
        trimmed.len() >= self.len && trimmed.chars().all(|c| c == self.marker)
    }

    fn finish(self, body: Vec<&str>, reply: &mut Reply) {
        if self.held_edits {
            return;
        }
        if is_diff(&self.label, &body) {
            reply
                .edits
                .extend(read_unified_diff(&body, self.name.as_deref()));
            return;
        }
        let mut text = body.join("\n");
        text.push('\n');
        reply.blocks.push(FencedCode {
            label: self.label,
            name: self.name,
            text,
        });
    }
}

/// `<<<<<<< SEARCH`, `=======`, `>>>>>>> REPLACE`: 5–9 marker characters, then the word.
fn is_marker(line: &str, marker: char, word: &str) -> bool {
    let trimmed = line.trim();
    let run = trimmed.chars().take_while(|c| *c == marker).count();
    (5..=9).contains(&run) && trimmed[run..].trim().eq_ignore_ascii_case(word)
}

fn is_divider(line: &str) -> bool {
    let trimmed = line.trim();
    (5..=9).contains(&trimmed.len()) && trimmed.chars().all(|c| c == '=')
}

/// The search and replace text of a block whose SEARCH marker is just before `start`, and
/// the line after its REPLACE marker; None if the block never closes.
fn read_search_replace(lines: &[&str], start: usize) -> Option<(String, String, usize)> {
    let divider = start + lines[start..].iter().position(|l| is_divider(l))?;
    let end = divider
        + 1
        + lines[divider + 1..]
            .iter()
            .position(|l| is_marker(l, '>', REPLACE))?;
    Some((
        joined(&lines[start..divider]),
        joined(&lines[divider + 1..end]),
        end + 1,
    ))
}

fn joined(lines: &[&str]) -> String {
    lines.iter().map(|l| format!("{l}\n")).collect()
}

/// A file name on the last non-blank line before `lines`' end (`index.html`, `**app.js**`,
/// `### style.css`, `` `main.py`: ``), if that line is only a name.
fn name_before(lines: &[&str], inside_fence: bool) -> Option<String> {
    let line = lines.iter().rev().find(|l| !l.trim().is_empty())?;
    if !inside_fence && Fence::open(line, &[]).is_some() {
        return None;
    }
    let candidate = clean_name(line.trim().trim_start_matches('#').trim());
    looks_like_file(&candidate).then_some(candidate)
}

/// Strips the decoration models put around a file name: `**`, backticks, a trailing colon,
/// `File:`.
fn clean_name(text: &str) -> String {
    let text = text.trim();
    let text = text
        .strip_prefix("File:")
        .or_else(|| text.strip_prefix("file:"))
        .unwrap_or(text);
    text.trim()
        .trim_end_matches(':')
        .trim_matches(|c| c == '*' || c == '`' || c == '_')
        .trim_end_matches(':')
        .to_string()
}

/// A single word with a dot and a short alphanumeric extension: `index.html`, `src/app.js`.
fn looks_like_file(text: &str) -> bool {
    let Some((stem, ext)) = text.rsplit_once('.') else {
        return false;
    };
    !stem.is_empty()
        && !text.contains(char::is_whitespace)
        && (1..=5).contains(&ext.len())
        && ext.chars().all(|c| c.is_ascii_alphanumeric())
        && stem
            .chars()
            .all(|c| c.is_alphanumeric() || "-_./".contains(c))
}

fn extension(name: &str) -> &str {
    name.rsplit_once('.').map(|(_, e)| e).unwrap_or_default()
}

fn is_diff(label: &str, body: &[&str]) -> bool {
    matches!(
        label.to_ascii_lowercase().as_str(),
        "diff" | "patch" | "udiff"
    ) || body
        .iter()
        .find(|l| !l.trim().is_empty())
        .is_some_and(|l| l.starts_with("--- ") || l.starts_with("@@"))
}

/// Each hunk of a unified diff as an edit: context and removed lines are what to find,
/// context and added lines what to put there. `+++` lines name the file.
fn read_unified_diff(body: &[&str], fence_name: Option<&str>) -> Vec<Edit> {
    let mut edits = Vec::new();
    let mut file = fence_name.map(str::to_string);
    let mut hunk: Option<(String, String)> = None;
    let flush =
        |hunk: &mut Option<(String, String)>, file: &Option<String>, edits: &mut Vec<Edit>| {
            if let Some((search, replace)) = hunk.take() {
                if search != replace {
                    edits.push(Edit {
                        file: file.clone(),
                        search,
                        replace,
                    });
                }
            }
        };
    for (i, line) in body.iter().enumerate() {
        // `--- `/`+++ ` are headers only as a pair; alone they are a removed `-- ` line or
        // an added `++ ` line.
        let after_old_header = i > 0 && body[i - 1].starts_with("--- ");
        let before_new_header = body.get(i + 1).is_some_and(|l| l.starts_with("+++ "));
        if let Some(path) = line.strip_prefix("+++ ").filter(|_| after_old_header) {
            flush(&mut hunk, &file, &mut edits);
            let path = path.split('\t').next().unwrap_or_default().trim();
            let path = path.strip_prefix("b/").unwrap_or(path).to_string();
            if path != "/dev/null" {
                file = Some(path);
            }
        } else if line.starts_with("--- ") && before_new_header {
            flush(&mut hunk, &file, &mut edits);
        } else if line.starts_with("@@") {
            flush(&mut hunk, &file, &mut edits);
            hunk = Some((String::new(), String::new()));
        } else if let Some((search, replace)) = hunk.as_mut() {
            // Models often drop the leading space of a blank context line.
            let (kind, text) = match line.chars().next() {
                Some(c @ ('+' | '-' | ' ')) => (c, &line[1..]),
                Some('\\') => continue,
                None => (' ', ""),
                Some(_) => (' ', *line),
            };
            if kind != '+' {
                search.push_str(text);
                search.push('\n');
            }
            if kind != '-' {
                replace.push_str(text);
                replace.push('\n');
            }
        }
    }
    flush(&mut hunk, &file, &mut edits);
    edits
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_search_replace_block_in_a_fence_with_prose_around_it() {
        let answer = "The button id was wrong. Here is the fix:\n\n\
            ```html\n\
            <<<<<<< SEARCH\n\
            document.getElementById('strat')\n\
            =======\n\
            document.getElementById('start')\n\
            >>>>>>> REPLACE\n\
            ```\n\nThat should work now.";
        let reply = parse_reply(answer);
        assert_eq!(
            reply.edits,
            [Edit::new(
                None,
                "document.getElementById('strat')\n",
                "document.getElementById('start')\n"
            )]
        );
        assert!(reply.blocks.is_empty(), "the edit's fence is not a file");
        assert!(!reply.malformed);
    }

    #[test]
    fn several_blocks_for_several_files_named_in_every_way_models_name_them() {
        let answer = "**index.html**\n```html\n<<<<<<< SEARCH\n<p>a</p>\n=======\n<p>b</p>\n>>>>>>> REPLACE\n```\n\n\
            ### style.css\n```css\n<<<<<<< SEARCH\np { color: red; }\n=======\np { color: blue; }\n>>>>>>> REPLACE\n```\n\n\
            ```js app.js\n<<<<<<< SEARCH\nlet n = 0;\n=======\nlet n = 1;\n>>>>>>> REPLACE\n<<<<<<< SEARCH\nn++\n=======\nn += 2\n>>>>>>> REPLACE\n```\n\n\
            `main.py`:\n<<<<<<< SEARCH\nprint(1)\n=======\nprint(2)\n>>>>>>> REPLACE\n";
        let reply = parse_reply(answer);
        let files: Vec<Option<&str>> = reply.edits.iter().map(|e| e.file.as_deref()).collect();
        assert_eq!(
            files,
            [
                Some("index.html"),
                Some("style.css"),
                Some("app.js"),
                Some("app.js"),
                Some("main.py")
            ]
        );
        assert_eq!(
            reply.edits[3],
            Edit::new(Some("app.js"), "n++\n", "n += 2\n")
        );
    }

    #[test]
    fn an_empty_search_appends_and_an_empty_replace_deletes() {
        let reply = parse_reply("<<<<<<< SEARCH\n=======\nfoot()\n>>>>>>> REPLACE\n<<<<<<< SEARCH\nx()\n=======\n>>>>>>> REPLACE\n");
        assert_eq!(
            reply.edits,
            [
                Edit::new(None, "", "foot()\n"),
                Edit::new(None, "x()\n", "")
            ]
        );
    }

    #[test]
    fn a_block_that_never_closes_is_malformed() {
        let reply = parse_reply("```js\n<<<<<<< SEARCH\nlet a = 1;\n=======\nlet a = 2;\n");
        assert!(reply.malformed);
        let reply = parse_reply("<<<<<<< SEARCH\nlet a = 1;\n");
        assert!(reply.malformed);
    }

    #[test]
    fn marker_lengths_and_case_vary() {
        let reply = parse_reply("<<<<<<<< search\na\n========\nb\n>>>>>>>> Replace\n");
        assert_eq!(reply.edits, [Edit::new(None, "a\n", "b\n")]);
    }

    #[test]
    fn a_unified_diff_becomes_one_edit_per_hunk_without_trusting_line_numbers() {
        let answer = "```diff\n--- a/index.html\n+++ b/index.html\n@@ -10,3 +10,3 @@\n <div id=\"board\">\n-  <span>0</span>\n+  <span id=\"score\">0</span>\n\n </div>\n@@ -40,2 +40,3 @@\n function reset() {\n+  score = 0;\n }\n```\n";
        let reply = parse_reply(answer);
        assert_eq!(
            reply.edits,
            [
                Edit::new(
                    Some("index.html"),
                    "<div id=\"board\">\n  <span>0</span>\n\n</div>\n",
                    "<div id=\"board\">\n  <span id=\"score\">0</span>\n\n</div>\n"
                ),
                Edit::new(
                    Some("index.html"),
                    "function reset() {\n}\n",
                    "function reset() {\n  score = 0;\n}\n"
                ),
            ]
        );
        assert!(reply.blocks.is_empty());
    }

    #[test]
    fn a_removed_sql_comment_is_not_a_file_header() {
        let reply = parse_reply("```diff\n--- a/q.sql\n+++ b/q.sql\n@@ -1,2 +1,1 @@\n--- old comment\n SELECT 1;\n```\n");
        assert_eq!(
            reply.edits,
            [Edit::new(
                Some("q.sql"),
                "-- old comment\nSELECT 1;\n",
                "SELECT 1;\n"
            )]
        );
    }

    #[test]
    fn an_unlabelled_fence_that_starts_like_a_diff_is_one() {
        let reply = parse_reply("```\n--- app.py\n+++ app.py\n@@\n-x = 1\n+x = 2\n```\n");
        assert_eq!(
            reply.edits,
            [Edit::new(Some("app.py"), "x = 1\n", "x = 2\n")]
        );
    }

    #[test]
    fn plain_fences_are_whole_files_with_their_names() {
        let answer = "Here you go.\n\nindex.html:\n```html\n<p>hi</p>\n```\n\n```python main.py\nprint(1)\n```\n\n```game.js\nlet x;\n```\n\n````md\n```js\nnested\n```\n````\n";
        let reply = parse_reply(answer);
        assert!(reply.edits.is_empty());
        let got: Vec<(&str, Option<&str>, &str)> = reply
            .blocks
            .iter()
            .map(|b| (b.label.as_str(), b.name.as_deref(), b.text.as_str()))
            .collect();
        assert_eq!(
            got,
            [
                ("html", Some("index.html"), "<p>hi</p>\n"),
                ("python", Some("main.py"), "print(1)\n"),
                ("js", Some("game.js"), "let x;\n"),
                ("md", None, "```js\nnested\n```\n"),
            ]
        );
    }

    #[test]
    fn a_cut_answer_keeps_its_open_fence() {
        let reply = parse_reply("```html\n<p>half");
        assert_eq!(reply.blocks[0].text, "<p>half\n");
    }

    #[test]
    fn prose_that_mentions_a_file_is_not_a_name() {
        let reply =
            parse_reply("I changed the code in index.html for you.\n```html\n<p></p>\n```\n");
        assert_eq!(reply.blocks[0].name, None);
    }
}
