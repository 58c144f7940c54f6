//! Plays every demo scenario end to end, as the app's fix loop would, and runs its code for
//! real at every step: red where a fix is due, green after it, and green after each follow-up.
//!
//! Over real HTTP against the server on a loopback port: the first prompt, then the fix
//! requests `sparkplug_core::iterate::FixLoop` builds from each real failure and the change
//! requests of `sparkplug_core::edit::prompt`, with the whole conversation each time. Each
//! answer is merged by the loop (core's parser and `apply_edits`); a step must apply as edits,
//! except one followed by whole files, which must not (the loop then asks for whole files).
//!
//! Running is real: a page (html/css/js blocks combined by core's `Runnable`, as the app's
//! Run answer does) runs in headless Chromium with the app's own page hook
//! (`sandbox/page.js`), so its errors and unhandled rejections read as the app reports them,
//! and JavaScript checks are evaluated in the loaded page; a Python program runs in `python3`
//! with its checks after it. Not covered: a page's behaviour under clicks that no check makes.

mod common;

use std::future::Future;

use serde_json::{json, Value};
use sparkplug_core::{
    edit::{prompt, CodeFile},
    iterate::{
        checks::{model_checks, parse_checks, Author, Check, CheckResult, RunReport},
        FixLoop, LoopEnd, Merge, Next, Verdict, DEFAULT_MAX_ATTEMPTS,
    },
    sandbox::runnable::{CodeBlock, Runnable},
};
use sparkplug_server::{
    scenario_file::{self, ScenarioFile, Step, StepKind},
    Running,
};

use common::run_code::{run_page, run_python, Report};

/// Scenarios played at once (each run of a page is a Chromium process).
const AT_ONCE: usize = 3;

/// Who answers the conversation: the server, or a script (for the tests of this test).
trait Model {
    fn ask(&self, messages: &[Value]) -> impl Future<Output = Result<String, String>> + Send;
}

struct Server<'a>(&'a Running);

impl Model for Server<'_> {
    async fn ask(&self, messages: &[Value]) -> Result<String, String> {
        let body = json!({
            "model": "demo-max",
            "messages": messages,
            "stream": true,
            "stream_options": {"include_usage": true},
        });
        let response = common::post(self.0, &body).await;
        if response.status() != 200 {
            return Err(format!("HTTP {}", response.status()));
        }
        let (events, clean) = common::read_events(response).await;
        if !clean {
            return Err("the stream was cut".into());
        }
        let text = common::content(&events);
        let usage = events
            .iter()
            .filter(|e| e.data != "[DONE]")
            .find_map(|e| e.json()["usage"]["completion_tokens"].as_u64());
        // The demo's usage stays exact for scenario answers too.
        if usage != Some(common::count_tokens(&text) as u64) {
            return Err(format!(
                "usage {usage:?} is not the answer's {} tokens",
                common::count_tokens(&text)
            ));
        }
        Ok(text)
    }
}

/// The code of the current files as the app runs it, with `checks`.
fn run(files: &[CodeFile], checks: &[Check]) -> Result<Report, String> {
    let blocks = files
        .iter()
        .map(|f| CodeBlock {
            label: Some(f.label.clone()),
            text: f.text.clone(),
        })
        .collect();
    let code: Vec<String> = checks.iter().map(|c| c.code.clone()).collect();
    match Runnable::from_blocks(blocks) {
        Some(Runnable::Page(page)) => run_page(page.document(), &code),
        Some(Runnable::Python(program)) => run_python(&program, &code),
        None => Err("the answer has no code that runs".into()),
    }
}

/// The run as core reads it.
fn verdict(report: &Report, checks: &[Check], python: bool) -> Verdict {
    RunReport {
        errors: report.errors.clone(),
        python,
        killed: None,
        unavailable: None,
        checks: checks
            .iter()
            .zip(&report.checks)
            .map(|(check, (passed, detail))| CheckResult {
                check: check.clone(),
                passed: *passed,
                detail: detail.clone(),
            })
            .collect(),
    }
    .verdict()
}

fn folded(text: &str) -> String {
    text.split_whitespace()
        .collect::<Vec<_>>()
        .join(" ")
        .to_lowercase()
}

fn is_python(files: &[CodeFile]) -> bool {
    files.iter().any(|f| f.label == "python")
}

/// Runs the current code with the checks in force plus the next step's proof: the first must
/// decide the verdict, the proof must not hold yet.
async fn run_before(
    files: &[CodeFile],
    checks: &[Check],
    next: Option<&Step>,
) -> Result<(Verdict, Report), String> {
    let proof = next.map_or_else(Vec::new, proof_of);
    let all: Vec<Check> = checks.iter().chain(&proof).cloned().collect();
    let owned = files.to_vec();
    // A run blocks on its process; off the runtime, so scenarios run side by side.
    let report = tokio::task::spawn_blocking(move || run(&owned, &all))
        .await
        .map_err(|e| format!("the run panicked: {e}"))??;
    if !proof.is_empty() {
        let held = report.checks[checks.len()..].iter().all(|(ok, _)| *ok);
        if held {
            return Err(format!(
                "the next step's checks already hold before it: {:?}",
                next.map(|s| &s.checks)
            ));
        }
    }
    let mine = Report {
        checks: report.checks[..checks.len()].to_vec(),
        ..report
    };
    Ok((verdict(&mine, checks, is_python(files)), mine))
}

fn proof_of(step: &Step) -> Vec<Check> {
    parse_checks(&step.checks.join("\n"), Author::User)
}

/// Plays one scenario; Err says where and why it went wrong.
async fn play(model: &impl Model, file: &ScenarioFile) -> Result<(), String> {
    let mut messages = vec![json!({"role": "user", "content": file.prompts[0]})];
    let answer = model.ask(&messages).await?;
    if answer != file.answer {
        return Err("the first prompt did not get the scenario's first answer".into());
    }
    messages.insert(0, json!({"role": "system", "content": prompt::EDIT_FORMAT}));
    messages.push(json!({"role": "assistant", "content": answer}));
    let mut checks = parse_checks(&file.checks.join("\n"), Author::User);
    checks.extend(model_checks(&answer));
    let mut fix_loop = FixLoop::new(DEFAULT_MAX_ATTEMPTS, 0.0);
    if fix_loop.answered(&answer, 1, 1.0) != Next::Run {
        return Err("the first answer has no code".into());
    }
    let mut steps = file.steps.iter().enumerate().peekable();
    let mut now = 2.0;
    loop {
        now += 1.0;
        let next = steps.peek().map(|(_, s)| *s);
        let (verdict, report) = run_before(fix_loop.files(), &checks, next).await?;
        let Some((number, step)) = steps.next() else {
            return match verdict {
                Verdict::Pass => green(&mut fix_loop, &report, now),
                Verdict::Fail { failure } => Err(format!(
                    "the code fails after the last step: {}",
                    failure.message
                )),
            };
        };
        let at = |problem: String| format!("step {}: {problem}", number + 1);
        let request = match (&step.kind, verdict) {
            (StepKind::Fix { error }, Verdict::Fail { failure }) => {
                if !folded(&failure.message).contains(&folded(error)) {
                    return Err(at(format!(
                        "the run failed with {:?}, not with {error:?}",
                        failure.message
                    )));
                }
                match fix_loop.ran(Verdict::Fail { failure }, now) {
                    Next::Send(request) => request,
                    other => return Err(at(format!("the loop did not ask for a fix: {other:?}"))),
                }
            }
            (StepKind::Fix { error }, Verdict::Pass) => {
                return Err(at(format!(
                    "the run passed, but a fix for {error:?} was due"
                )))
            }
            (StepKind::FollowUp { .. }, Verdict::Fail { failure }) => {
                return Err(at(format!(
                    "the code before this follow-up fails: {}",
                    failure.message
                )))
            }
            (StepKind::WholeFiles, _) => {
                return Err(at(
                    "whole files follow only an edit that does not apply".into()
                ))
            }
            (StepKind::FollowUp { requests }, Verdict::Pass) => {
                green(&mut fix_loop, &report, now).map_err(at)?;
                let request = prompt::change_request(fix_loop.files(), &requests[0]);
                fix_loop =
                    FixLoop::continuing(fix_loop.files().to_vec(), DEFAULT_MAX_ATTEMPTS, now);
                request
            }
        };
        now += 1.0;
        let (next, merged) = exchange(model, &mut messages, request, step, &mut fix_loop, now)
            .await
            .map_err(at)?;
        checks.extend(proof_of(step));
        let whole = steps.next_if(|(_, s)| s.kind == StepKind::WholeFiles);
        match (whole, next) {
            (None, Next::Run) if matches!(merged, Some(Merge::Edits { .. })) => {}
            (None, next) => {
                return Err(at(format!("the edit did not apply: {next:?} ({merged:?})")))
            }
            // A misquoting edit: the loop asks once for whole files, which must then run.
            (Some((number, whole)), Next::Send(request)) => {
                let at = |problem: String| format!("step {}: {problem}", number + 1);
                now += 1.0;
                let (next, merged) =
                    exchange(model, &mut messages, request, whole, &mut fix_loop, now)
                        .await
                        .map_err(at)?;
                if next != Next::Run || !matches!(merged, Some(Merge::WholeFiles)) {
                    return Err(at(format!(
                        "the whole files were not taken: {next:?} ({merged:?})"
                    )));
                }
                checks.extend(proof_of(whole));
            }
            (Some(_), next) => {
                return Err(at(format!(
                    "whole files come next, but this edit was merged: {next:?} ({merged:?})"
                )))
            }
        }
    }
}

/// Sends `request`, checks the answer is `step`'s, and merges it into the loop's code.
async fn exchange(
    model: &impl Model,
    messages: &mut Vec<Value>,
    request: String,
    step: &Step,
    fix_loop: &mut FixLoop,
    now: f64,
) -> Result<(Next, Option<Merge>), String> {
    messages.push(json!({"role": "user", "content": request}));
    let answer = model.ask(messages).await?;
    if answer != step.answer {
        return Err(format!(
            "the server answered {:?}…, not this step",
            answer.chars().take(80).collect::<String>()
        ));
    }
    messages.push(json!({"role": "assistant", "content": answer}));
    let next = fix_loop.answered(&step.answer, 1, now);
    let merged = fix_loop
        .attempts()
        .iter()
        .rev()
        .find_map(|a| a.merge.clone());
    Ok((next, merged))
}

/// A passing run ends the loop green; a program must also have printed something.
fn green(fix_loop: &mut FixLoop, report: &Report, now: f64) -> Result<(), String> {
    if is_python(fix_loop.files()) && report.stdout.trim().is_empty() {
        return Err("the program printed nothing".into());
    }
    match fix_loop.ran(Verdict::Pass, now) {
        Next::Done(LoopEnd::Green { .. }) => Ok(()),
        other => Err(format!(
            "a passing run did not end the loop green: {other:?}"
        )),
    }
}

/// Plays every scenario in `files` against `model`, a few at once; the problems found.
async fn play_all<M: Model + Sync>(model: &M, files: &[ScenarioFile]) -> Vec<String> {
    let mut problems = Vec::new();
    for batch in files.chunks(AT_ONCE) {
        let results =
            futures_util::future::join_all(batch.iter().map(|file| play(model, file))).await;
        for (file, result) in batch.iter().zip(results) {
            if let Err(problem) = result {
                problems.push(format!("{}: {problem}", file.name));
            }
        }
    }
    problems
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn every_scenario_goes_red_then_green_over_http_and_really_runs() {
    let files = scenario_file::embedded().expect("the scenarios parse");
    let fixes = files
        .iter()
        .filter(|f| matches!(f.steps.first().map(|s| &s.kind), Some(StepKind::Fix { .. })))
        .count();
    let follow_ups = files
        .iter()
        .filter(|f| {
            f.steps
                .iter()
                .any(|s| matches!(s.kind, StepKind::FollowUp { .. }))
        })
        .count();
    let two_fixes = files.iter().any(|f| {
        f.steps
            .windows(2)
            .any(|w| w.iter().all(|s| matches!(s.kind, StepKind::Fix { .. })))
    });

    let server = common::serve(|_| {}).await;
    let problems = play_all(&Server(&server), &files).await;
    assert!(
        problems.is_empty(),
        "{} of {} scenarios failed:\n\n{}",
        problems.len(),
        files.len(),
        problems.join("\n\n")
    );
    assert!(fixes >= 12, "{fixes} fix scenarios, 12 wanted");
    assert!(
        follow_ups >= 12,
        "{follow_ups} follow-up scenarios, 12 wanted"
    );
    assert!(two_fixes, "no scenario needs two fixes in a row");
}

// The player itself must be able to fail: these feed it scenarios that are wrong, answered by
// a script instead of the server.

/// Answers as a scenario's file says, one step per later user message, like the server.
struct Script<'a>(&'a ScenarioFile);

impl Model for Script<'_> {
    async fn ask(&self, messages: &[Value]) -> Result<String, String> {
        let asked = messages.iter().filter(|m| m["role"] == "user").count();
        Ok(match asked {
            1 => self.0.answer.clone(),
            n => self.0.steps[n - 2].answer.clone(),
        })
    }
}

const PROGRAM: &str = "+++\ntitle = \"Average\"\nprompts = [\"average\"]\n+++\nHere.\n\n```python\nscores = [3, 4, 5]\nprint(sum(scores) / len(scores) + bonus)\n```\n";

fn scenario(steps: &str) -> ScenarioFile {
    scenario_file::parse("test", &format!("{PROGRAM}{steps}")).expect("a valid file")
}

async fn problem_of(file: &ScenarioFile) -> String {
    play(&Script(file), file)
        .await
        .expect_err("the player must fail this scenario")
}

const GOOD_FIX: &str = "+++\nfixes = \"NameError: name 'bonus' is not defined\"\n+++\nDefine it.\n\nmain.py\n<<<<<<< SEARCH\nscores = [3, 4, 5]\n=======\nscores = [3, 4, 5]\nbonus = 1\n>>>>>>> REPLACE\n";

#[tokio::test]
async fn a_scenario_that_plays_right_passes() {
    let file = scenario(GOOD_FIX);
    assert_eq!(play(&Script(&file), &file).await, Ok(()));
}

#[tokio::test]
async fn a_fix_that_does_not_apply_fails() {
    let file = scenario("+++\nfixes = \"NameError\"\n+++\nDefine it.\n\nmain.py\n<<<<<<< SEARCH\nscores = [1, 2]\n=======\nbonus = 1\n>>>>>>> REPLACE\n");
    let problem = problem_of(&file).await;
    assert!(problem.contains("did not apply"), "{problem}");
}

#[tokio::test]
async fn a_fix_that_does_not_fix_fails() {
    let file = scenario("+++\nfixes = \"NameError\"\n+++\nDefine it.\n\nmain.py\n<<<<<<< SEARCH\nscores = [3, 4, 5]\n=======\nscores = [3, 4, 5]\nbonus = 1 / 0\n>>>>>>> REPLACE\n");
    let problem = problem_of(&file).await;
    assert!(problem.contains("ZeroDivisionError"), "{problem}");
}

#[tokio::test]
async fn a_wrong_error_or_a_missing_fix_fails() {
    let file = scenario("+++\nfixes = \"TypeError\"\n+++\nNo.\n\nmain.py\n<<<<<<< SEARCH\nbonus\n=======\n0\n>>>>>>> REPLACE\n");
    assert!(problem_of(&file).await.contains("not with \"TypeError\""));
    let file = scenario("");
    assert!(problem_of(&file)
        .await
        .contains("fails after the last step"));
}

#[tokio::test]
async fn a_follow_up_whose_proof_already_holds_or_never_holds_fails() {
    let already = format!("{GOOD_FIX}+++\nasks = [\"print the count\"]\nchecks = [\"assert len(scores) == 3\"]\n+++\nDone.\n\nmain.py\n<<<<<<< SEARCH\nbonus = 1\n=======\nbonus = 1\nprint(len(scores))\n>>>>>>> REPLACE\n");
    assert!(problem_of(&scenario(&already))
        .await
        .contains("already hold"));
    let never = format!("{GOOD_FIX}+++\nasks = [\"add a name\"]\nchecks = [\"assert name == 'Ada'\"]\n+++\nDone.\n\nmain.py\n<<<<<<< SEARCH\nbonus = 1\n=======\nbonus = 1\nname = 'Bob'\n>>>>>>> REPLACE\n");
    let problem = problem_of(&scenario(&never)).await;
    assert!(problem.contains("fails after the last step"), "{problem}");
}

#[tokio::test]
async fn a_page_whose_fix_does_not_fix_or_breaks_a_check_fails() {
    let page = "+++\ntitle = \"Page\"\nprompts = [\"page\"]\nchecks = [\"document.querySelectorAll('li').length === 3\"]\n+++\nHere.\n\n```html\n<ul id=\"list\"></ul>\n<script>\nconst list = document.getElementById('items');\nfor (let i = 0; i < 3; i++) list.appendChild(document.createElement('li'));\n</script>\n```\n\n+++\nfixes = \"Cannot read properties of null (reading 'appendChild')\"\n+++\nFixed.\n\nindex.html\n<<<<<<< SEARCH\n";
    let still_broken = scenario_file::parse(
        "test",
        &format!("{page}for (let i = 0; i < 3; i++)\n=======\nfor (let i = 0; i < 2; i++)\n>>>>>>> REPLACE\n"),
    )
    .expect("a valid file");
    let problem = problem_of(&still_broken).await;
    assert!(
        problem.contains("Cannot read properties of null"),
        "{problem}"
    );
    let short = scenario_file::parse(
        "test",
        &format!("{page}const list = document.getElementById('items');\nfor (let i = 0; i < 3; i++)\n=======\nconst list = document.getElementById('list');\nfor (let i = 0; i < 2; i++)\n>>>>>>> REPLACE\n"),
    )
    .expect("a valid file");
    let problem = problem_of(&short).await;
    assert!(
        problem.contains("document.querySelectorAll('li').length === 3"),
        "{problem}"
    );
}

#[tokio::test]
async fn whole_files_after_an_edit_that_applies_fail() {
    let file = scenario(&format!(
        "{GOOD_FIX}+++\nwhole_files = true\n+++\nAll of it.\n\n```python\nprint(1)\n```\n"
    ));
    let problem = problem_of(&file).await;
    assert!(problem.contains("this edit was merged"), "{problem}");
}
