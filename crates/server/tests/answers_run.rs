//! Every demo answer in `demo/answers/` must be well formed and its code must run as written.
//!
//! For each `NN-slug.md` the test checks the TOML front matter (title, at least two prompts,
//! tags), pulls out the fenced code blocks with a small line scanner, and then:
//!
//! * `python` blocks run with `python3 -` (code on stdin);
//! * `js`/`javascript` blocks run with `node`, unless the answer also has an `html` block,
//!   in which case they are page code: only `node --check` (the DOM isn't there);
//! * `rust` blocks with `fn main` are compiled with `rustc` into a temp dir and run;
//! * `bash`/`sh` blocks run with `bash` in an empty temp dir;
//! * `sql` blocks run in an in-memory SQLite database through python3's `sqlite3` module,
//!   one statement at a time, printing the rows of every query;
//! * `html` blocks: each inline `<script>` must pass `node --check`, and every id the page's
//!   code looks up (`getElementById('x')`, `querySelector('#x')`) must exist in the markup.
//!   For CodePen-style answers (body markup in ```html, code in ```js) the ids used by the js
//!   blocks must exist in the html block.
//!
//! Every run must exit 0 within `common::run_code::TIMEOUT` and print something on stdout (the
//! runner is shared with `scenarios_play.rs`). Runs go in parallel so the whole suite stays
//! well under a minute.

mod common;

use std::collections::BTreeSet;
use std::fs;
use std::path::{Path, PathBuf};
use std::process::Command;
use std::sync::Mutex;
use std::thread;
use std::time::{Duration, Instant};

use common::run_code::{run_block, run_with_timeout, Job};

/// Languages a fence may be tagged with. Anything else is a typo in an answer.
const KNOWN_LANGS: &[&str] = &[
    "html",
    "css",
    "js",
    "javascript",
    "python",
    "rust",
    "sql",
    "bash",
    "sh",
    "text",
    "json",
    "toml",
    "console",
];

// ---------------------------------------------------------------------------------------------
// Parsing
// ---------------------------------------------------------------------------------------------

#[derive(Debug, Clone)]
struct Block {
    lang: String,
    code: String,
    /// 1-based line of the opening fence, for error messages.
    line: usize,
}

#[derive(Debug, Default)]
struct FrontMatter {
    title: Option<String>,
    prompts: Option<Vec<String>>,
    tags: Option<Vec<String>>,
}

#[derive(Debug)]
struct Answer {
    file: String,
    front: FrontMatter,
    body: String,
    blocks: Vec<Block>,
}

/// Splits `+++`-delimited TOML front matter from the body and parses the keys we need.
fn parse_answer(file: &str, text: &str) -> Result<Answer, String> {
    let text = text.strip_prefix('\u{feff}').unwrap_or(text);
    let mut lines = text.lines();
    if lines.next().map(str::trim_end) != Some("+++") {
        return Err("must start with a `+++` front matter line".into());
    }
    let mut front_lines = Vec::new();
    let mut closed = false;
    for line in lines.by_ref() {
        if line.trim_end() == "+++" {
            closed = true;
            break;
        }
        front_lines.push(line);
    }
    if !closed {
        return Err("front matter is not closed by a second `+++` line".into());
    }
    let front_len = front_lines.len() + 2;
    let front = parse_front_matter(&front_lines.join("\n"))?;
    let body: String = lines.collect::<Vec<_>>().join("\n");
    let blocks =
        extract_blocks(&body).map_err(|(line, e)| format!("line {}: {e}", line + front_len))?;
    let blocks = blocks
        .into_iter()
        .map(|b| Block {
            line: b.line + front_len,
            ..b
        })
        .collect();
    Ok(Answer {
        file: file.to_string(),
        front,
        body,
        blocks,
    })
}

/// A deliberately small TOML subset: `key = "string"` and `key = ["a", "b"]` (arrays may span
/// lines), `#` comments, blank lines. Only `title`, `prompts` and `tags` are allowed, as the
/// server's catalog rejects unknown fields.
fn parse_front_matter(src: &str) -> Result<FrontMatter, String> {
    let mut fm = FrontMatter::default();
    let mut chars = src.chars().peekable();
    loop {
        // skip whitespace and comments
        while let Some(&c) = chars.peek() {
            if c.is_whitespace() {
                chars.next();
            } else if c == '#' {
                for c in chars.by_ref() {
                    if c == '\n' {
                        break;
                    }
                }
            } else {
                break;
            }
        }
        if chars.peek().is_none() {
            break;
        }
        let mut key = String::new();
        while let Some(&c) = chars.peek() {
            if c.is_ascii_alphanumeric() || c == '_' || c == '-' {
                key.push(c);
                chars.next();
            } else {
                break;
            }
        }
        skip_inline_ws(&mut chars);
        if key.is_empty() || chars.next() != Some('=') {
            return Err(format!("front matter: expected `key = value` near {key:?}"));
        }
        skip_inline_ws(&mut chars);
        let value = parse_value(&mut chars).map_err(|e| format!("front matter `{key}`: {e}"))?;
        match (key.as_str(), value) {
            ("title", Value::Str(s)) => fm.title = Some(s),
            ("prompts", Value::Arr(a)) => fm.prompts = Some(a),
            ("tags", Value::Arr(a)) => fm.tags = Some(a),
            ("title" | "prompts" | "tags", _) => {
                return Err(format!("front matter `{key}` has the wrong type"))
            }
            _ => {
                return Err(format!(
                    "front matter: unknown key `{key}` (allowed: title, prompts, tags)"
                ))
            }
        }
        skip_inline_ws(&mut chars);
        match chars.peek() {
            None | Some('\n') | Some('\r') | Some('#') => {}
            Some(c) => {
                return Err(format!(
                    "front matter `{key}`: unexpected {c:?} after value"
                ))
            }
        }
    }
    Ok(fm)
}

enum Value {
    Str(String),
    Arr(Vec<String>),
}

type Chars<'a> = std::iter::Peekable<std::str::Chars<'a>>;

fn skip_inline_ws(chars: &mut Chars) {
    while matches!(chars.peek(), Some(' ' | '\t')) {
        chars.next();
    }
}

fn parse_value(chars: &mut Chars) -> Result<Value, String> {
    match chars.peek() {
        Some('"') => parse_string(chars).map(Value::Str),
        Some('[') => {
            chars.next();
            let mut items = Vec::new();
            loop {
                while matches!(chars.peek(), Some(c) if c.is_whitespace() || *c == ',') {
                    chars.next();
                }
                match chars.peek() {
                    Some(']') => {
                        chars.next();
                        return Ok(Value::Arr(items));
                    }
                    Some('"') => items.push(parse_string(chars)?),
                    Some(c) => return Err(format!("unexpected {c:?} in array (strings only)")),
                    None => return Err("unclosed array".into()),
                }
            }
        }
        _ => Err("expected a \"string\" or an [array]".into()),
    }
}

fn parse_string(chars: &mut Chars) -> Result<String, String> {
    chars.next(); // opening quote
    let mut s = String::new();
    loop {
        match chars.next() {
            Some('"') => return Ok(s),
            Some('\\') => match chars.next() {
                Some('n') => s.push('\n'),
                Some('t') => s.push('\t'),
                Some('"') => s.push('"'),
                Some('\\') => s.push('\\'),
                Some(c) => return Err(format!("unsupported escape \\{c}")),
                None => return Err("unterminated string".into()),
            },
            Some('\n') | None => return Err("unterminated string".into()),
            Some(c) => s.push(c),
        }
    }
}

/// CommonMark-style fences: an opening line of 3+ backticks (or tildes) plus an info string,
/// closed by a line of at least as many of the same character and nothing else.
/// Returns blocks with 1-based lines relative to `body`; errors carry the line too.
fn extract_blocks(body: &str) -> Result<Vec<Block>, (usize, String)> {
    let mut blocks = Vec::new();
    let mut open: Option<(char, usize, String, usize, Vec<&str>)> = None;
    for (idx, line) in body.lines().enumerate() {
        let lineno = idx + 1;
        let indent = line.len() - line.trim_start_matches(' ').len();
        let trimmed = line.trim_start_matches(' ');
        let fence_char = trimmed.chars().next().filter(|c| *c == '`' || *c == '~');
        let run = fence_char.map_or(0, |c| trimmed.chars().take_while(|x| *x == c).count());
        match &mut open {
            None => {
                if indent <= 3 && run >= 3 {
                    let c = fence_char.unwrap();
                    let info = trimmed[run..].trim();
                    if c == '`' && info.contains('`') {
                        continue; // not a fence (inline code span)
                    }
                    let lang = info.split_whitespace().next().unwrap_or("").to_lowercase();
                    open = Some((c, run, lang, lineno, Vec::new()));
                }
            }
            Some((c, len, lang, start, lines)) => {
                let closes = indent <= 3
                    && fence_char == Some(*c)
                    && run >= *len
                    && trimmed[run..].trim().is_empty();
                if closes {
                    let mut code = lines.join("\n");
                    code.push('\n');
                    blocks.push(Block {
                        lang: std::mem::take(lang),
                        code,
                        line: *start,
                    });
                    open = None;
                } else {
                    lines.push(line);
                }
            }
        }
    }
    match open {
        Some((_, _, _, start, _)) => Err((start, "code fence is never closed".into())),
        None => Ok(blocks),
    }
}

/// Inline `<script>` bodies of an HTML document (scripts with a `src` are skipped).
fn inline_scripts(html: &str) -> Vec<String> {
    let lower = html.to_ascii_lowercase();
    let mut out = Vec::new();
    let mut pos = 0;
    while let Some(start) = lower[pos..].find("<script").map(|i| i + pos) {
        let Some(tag_end) = lower[start..].find('>').map(|i| i + start) else {
            break;
        };
        let tag = &lower[start..tag_end];
        let Some(close) = lower[tag_end..].find("</script").map(|i| i + tag_end) else {
            break;
        };
        let is_module_or_js =
            !tag.contains("type=") || tag.contains("javascript") || tag.contains("module");
        if !tag.contains("src=") && is_module_or_js {
            out.push(html[tag_end + 1..close].to_string());
        }
        pos = close + 1;
    }
    out
}

/// Ids that code looks up: `getElementById('x')` and `#x` inside `querySelector[All]('…')`.
fn ids_used_by(js: &str) -> BTreeSet<String> {
    let mut ids = BTreeSet::new();
    for (call, selector) in [
        ("getElementById(", false),
        ("querySelector(", true),
        ("querySelectorAll(", true),
    ] {
        let mut rest = js;
        while let Some(i) = rest.find(call) {
            rest = &rest[i + call.len()..];
            let Some(q) = rest
                .chars()
                .next()
                .filter(|c| matches!(c, '\'' | '"' | '`'))
            else {
                continue;
            };
            let Some(end) = rest[1..].find(q) else {
                continue;
            };
            let arg = &rest[1..1 + end];
            if arg.contains("${") {
                continue; // built at run time: can't check statically
            }
            if selector {
                let mut s = arg;
                while let Some(h) = s.find('#') {
                    s = &s[h + 1..];
                    let id: String = s
                        .chars()
                        .take_while(|c| c.is_alphanumeric() || *c == '-' || *c == '_')
                        .collect();
                    if !id.is_empty() {
                        ids.insert(id);
                    }
                }
            } else {
                ids.insert(arg.to_string());
            }
        }
    }
    ids
}

/// Ids declared in markup: `id="x"` / `id='x'` (with `id` as a whole attribute name).
fn ids_declared_in(html: &str) -> BTreeSet<String> {
    let mut ids = BTreeSet::new();
    let bytes = html.as_bytes();
    let mut rest_start = 0;
    while let Some(i) = html[rest_start..].find("id=").map(|i| i + rest_start) {
        rest_start = i + 3;
        let attr_start = i == 0 || bytes[i - 1].is_ascii_whitespace();
        let Some(q) = html[i + 3..]
            .chars()
            .next()
            .filter(|c| *c == '"' || *c == '\'')
        else {
            continue;
        };
        if !attr_start {
            continue;
        }
        if let Some(end) = html[i + 4..].find(q) {
            ids.insert(html[i + 4..i + 4 + end].to_string());
        }
    }
    ids
}

// ---------------------------------------------------------------------------------------------
// Running
// ---------------------------------------------------------------------------------------------

// ---------------------------------------------------------------------------------------------
// Checking answers
// ---------------------------------------------------------------------------------------------

struct Task {
    what: String,
    job: Job,
    code: String,
}

/// Static checks of one answer; returns the problems found and the blocks to run.
fn check_answer(a: &Answer) -> (Vec<String>, Vec<Task>) {
    let mut problems = Vec::new();
    let mut tasks = Vec::new();
    let f = &a.file;

    match &a.front.title {
        Some(t) if !t.trim().is_empty() => {}
        _ => problems.push(format!("{f}: front matter needs a non-empty `title`")),
    }
    match &a.front.prompts {
        Some(p) if p.len() >= 2 && p.iter().all(|s| !s.trim().is_empty()) => {}
        _ => problems.push(format!(
            "{f}: front matter needs `prompts` with at least 2 non-empty strings"
        )),
    }
    match &a.front.tags {
        Some(t) if !t.is_empty() && t.iter().all(|s| !s.trim().is_empty()) => {}
        _ => problems.push(format!("{f}: front matter needs a non-empty `tags` array")),
    }
    if a.body.trim().is_empty() {
        problems.push(format!("{f}: the answer body is empty"));
    }
    if a.blocks.is_empty() {
        problems.push(format!("{f}: the answer has no code block"));
    }

    let has_html = a.blocks.iter().any(|b| b.lang == "html");
    let html_markup: String = a
        .blocks
        .iter()
        .filter(|b| b.lang == "html")
        .map(|b| b.code.as_str())
        .collect::<Vec<_>>()
        .join("\n");
    let declared = ids_declared_in(&html_markup);

    for b in &a.blocks {
        let at = format!("{f}:{} ```{}", b.line, b.lang);
        if b.lang.is_empty() {
            problems.push(format!("{at}: code fence without a language tag"));
            continue;
        }
        if !KNOWN_LANGS.contains(&b.lang.as_str()) {
            problems.push(format!("{at}: unknown language tag"));
            continue;
        }
        if b.code.trim().is_empty() {
            problems.push(format!("{at}: empty code block"));
            continue;
        }
        let mut push = |job: Job, code: String, what: String| tasks.push(Task { what, job, code });
        match b.lang.as_str() {
            "python" => push(Job::Python, b.code.clone(), at),
            "js" | "javascript" if has_html => {
                for id in ids_used_by(&b.code) {
                    if !declared.contains(&id) {
                        problems.push(format!(
                            "{at}: the js uses id `{id}` but no html block declares it"
                        ));
                    }
                }
                push(Job::NodeCheck, b.code.clone(), at);
            }
            "js" | "javascript" => push(Job::Node, b.code.clone(), at),
            "rust" if b.code.contains("fn main") => push(Job::Rust, b.code.clone(), at),
            "bash" | "sh" => push(Job::Bash, b.code.clone(), at),
            "sql" => push(Job::Sql, b.code.clone(), at),
            "html" => {
                for (n, script) in inline_scripts(&b.code).into_iter().enumerate() {
                    for id in ids_used_by(&script) {
                        if !declared.contains(&id) {
                            problems.push(format!(
                                "{at}: script {n} uses id `{id}` that the page does not declare"
                            ));
                        }
                    }
                    push(Job::NodeCheck, script, format!("{at} <script> #{n}"));
                }
            }
            _ => {}
        }
    }
    (problems, tasks)
}

fn answers_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("demo")
        .join("answers")
}

fn load_answers() -> (Vec<Answer>, Vec<String>) {
    let dir = answers_dir();
    let mut paths: Vec<PathBuf> = fs::read_dir(&dir)
        .unwrap_or_else(|e| panic!("read {}: {e}", dir.display()))
        .map(|e| e.unwrap().path())
        .filter(|p| p.extension().is_some_and(|e| e == "md"))
        .collect();
    paths.sort();
    let mut answers = Vec::new();
    let mut problems = Vec::new();
    for p in paths {
        let file = p.file_name().unwrap().to_string_lossy().into_owned();
        let text = fs::read_to_string(&p).unwrap_or_else(|e| panic!("read {}: {e}", p.display()));
        match parse_answer(&file, &text) {
            Ok(a) => answers.push(a),
            Err(e) => problems.push(format!("{file}: {e}")),
        }
    }
    (answers, problems)
}

/// Runs tasks on a few threads; returns the failures.
fn run_tasks(tasks: Vec<Task>) -> Vec<String> {
    let workers = thread::available_parallelism()
        .map_or(2, |n| n.get())
        .clamp(2, 8);
    let queue = Mutex::new(tasks.into_iter());
    let failures = Mutex::new(Vec::new());
    thread::scope(|s| {
        for _ in 0..workers {
            s.spawn(|| loop {
                let next = queue.lock().unwrap().next();
                let Some(task) = next else { break };
                if let Err(e) = run_block(task.job, &task.code) {
                    failures
                        .lock()
                        .unwrap()
                        .push(format!("{} ({:?}): {e}", task.what, task.job));
                }
            });
        }
    });
    failures.into_inner().unwrap()
}

#[test]
fn every_answer_is_well_formed_and_its_code_runs() {
    let started = Instant::now();
    let (answers, mut problems) = load_answers();
    assert!(
        !answers.is_empty() || !problems.is_empty(),
        "no answers found in {}",
        answers_dir().display()
    );

    // File names: NN-slug.md with unique numbers, and a fallback answer must exist.
    let mut numbers = BTreeSet::new();
    for a in &answers {
        let ok_name = a.file.len() > 6
            && a.file.as_bytes()[..2].iter().all(u8::is_ascii_digit)
            && a.file.as_bytes()[2] == b'-'
            && a.file[3..a.file.len() - 3]
                .chars()
                .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '-');
        if !ok_name {
            problems.push(format!("{}: file name must look like NN-slug.md", a.file));
        } else if !numbers.insert(a.file[..2].to_string()) {
            problems.push(format!("{}: number {} is used twice", a.file, &a.file[..2]));
        }
    }
    if !answers.iter().any(|a| {
        a.front
            .tags
            .as_ref()
            .is_some_and(|t| t.iter().any(|t| t == "fallback"))
    }) {
        problems.push("no answer is tagged \"fallback\"".into());
    }

    let mut tasks = Vec::new();
    for a in &answers {
        let (p, t) = check_answer(a);
        problems.extend(p);
        tasks.extend(t);
    }
    let ran = tasks.len();
    problems.extend(run_tasks(tasks));

    eprintln!(
        "checked {} answers, ran {ran} code blocks in {:.1?}",
        answers.len(),
        started.elapsed()
    );
    assert!(
        problems.is_empty(),
        "{} problem(s):\n\n{}",
        problems.len(),
        problems.join("\n\n")
    );
}

// The checker itself must be able to fail: these feed it broken answers.

fn answer_from(text: &str) -> Answer {
    parse_answer("99-test.md", text).expect("parses")
}

const GOOD_FRONT: &str = "+++\ntitle = \"T\"\nprompts = [\"a\", \"b\"]\ntags = [\"x\"]\n+++\n";

#[test]
fn a_failing_block_is_reported() {
    let a = answer_from(&format!(
        "{GOOD_FRONT}Intro.\n\n```python\nprint('hi')\nraise SystemExit(3)\n```\n"
    ));
    let (problems, tasks) = check_answer(&a);
    assert!(problems.is_empty(), "{problems:?}");
    let failures = run_tasks(tasks);
    assert_eq!(failures.len(), 1, "{failures:?}");
    assert!(failures[0].contains("exited"), "{failures:?}");
}

#[test]
fn silent_code_and_bad_syntax_are_reported() {
    let a = answer_from(&format!(
        "{GOOD_FRONT}```js\nconst x = 1;\n```\n\n```html\n<p id=\"a\"></p>\n<script>\nlet y = ;\n</script>\n```\n\n```sql\nCREATE TABLE t(a);\nSELECT * FROM nope;\n```\n"
    ));
    let (problems, tasks) = check_answer(&a);
    assert!(problems.is_empty(), "{problems:?}");
    // the js is page code here (there is an html block), so it is only syntax-checked: fine;
    // the inline script doesn't parse and the SQL queries a missing table
    let failures = run_tasks(tasks);
    assert_eq!(failures.len(), 2, "{failures:#?}");
}

#[test]
fn missing_ids_and_bad_front_matter_are_reported() {
    let a = answer_from(
        "+++\ntitle = \"T\"\nprompts = [\"only one\"]\n+++\n```html\n<div id=\"board\"></div>\n```\n\n```js\ndocument.getElementById('board');\ndocument.querySelector('#score .x');\n```\n",
    );
    let (problems, _) = check_answer(&a);
    let all = problems.join("\n");
    assert!(all.contains("prompts"), "{all}");
    assert!(all.contains("tags"), "{all}");
    assert!(all.contains("`score`"), "{all}");
    assert!(!all.contains("`board`"), "{all}");
}

#[test]
fn fences_follow_commonmark_lengths() {
    let body = "````md\n```js\ninner\n```\n````\n\n~~~bash\necho hi\n~~~\n";
    let blocks = extract_blocks(body).unwrap();
    assert_eq!(blocks.len(), 2);
    assert_eq!(blocks[0].lang, "md");
    assert_eq!(blocks[0].code, "```js\ninner\n```\n");
    assert_eq!(blocks[1].lang, "bash");
    assert!(extract_blocks("```js\nopen\n").is_err());
}

#[test]
fn a_hanging_program_is_killed() {
    // `exec` makes the shell become `sleep`, so the kill reaches the process holding the pipes
    let mut cmd = Command::new("bash");
    cmd.arg("-c").arg("echo start; exec sleep 30");
    let t = Instant::now();
    let out = run_with_timeout(cmd, "", Duration::from_millis(500));
    assert!(!out.ok);
    assert!(out.note.contains("timed out"), "{}", out.note);
    assert_eq!(out.stdout, "start\n");
    assert!(t.elapsed() < Duration::from_secs(10));
}
