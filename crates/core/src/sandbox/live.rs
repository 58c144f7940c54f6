//! The live result: what the result pane should run while an answer still streams, decided
//! as its fenced blocks open and close, so a page shows before the prose after it arrives.

use super::runnable::{CodeBlock, Runnable};
use super::Lang;
use crate::iterate::checks::{Check, RunReport};

/// A fenced block of the streamed answer opening or closing, as the renderer draws it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum CodeEvent {
    /// A block opened, with its label.
    Opened(Option<String>),
    Closed(CodeBlock),
}

/// What the result pane is asked to do.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ResultRequest {
    /// Run this now, ending whatever runs (a Run button, the editor's shortcut).
    Run(Runnable),
    /// Run this once the current run has settled, keeping the last result on show until the
    /// new one has loaded (an answer's code as it grows).
    Update(Runnable),
    /// A Python block opened: load Python now so its run starts sooner.
    WarmPython,
    /// Run this once the current run has settled, with checks, and report how it went: the
    /// fix loop's run of its current code.
    Verify(Verify),
}

/// A run whose outcome someone waits for; its report carries the same `id`, so a report of
/// any other run is never mistaken for it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Verify {
    pub id: u64,
    pub runnable: Runnable,
    pub checks: Vec<Check>,
}

/// How a [`Verify`] run ended.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Reported {
    pub id: u64,
    pub settled: Settled,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Settled {
    /// It ran to its end, or was killed by its time limit (in the report).
    Ran(RunReport),
    /// The person stopped it: no verdict on the code.
    Stopped,
}

/// The closed blocks of one answer so far and what was last asked to run.
#[derive(Debug, Default)]
pub struct LiveResult {
    blocks: Vec<CodeBlock>,
    asked: Option<Runnable>,
}

impl LiveResult {
    pub fn new() -> Self {
        Self::default()
    }

    /// What a block opening or closing calls for, if anything. A page runs once it has its
    /// HTML (CSS or script alone would show a blank page or fail on missing elements), and
    /// again as each later web block closes; Python runs as each Python block closes.
    pub fn on_event(&mut self, event: CodeEvent) -> Option<ResultRequest> {
        match event {
            CodeEvent::Opened(label) => {
                let python = label.as_deref().and_then(Lang::from_label) == Some(Lang::Python);
                (python && self.asked.is_none()).then_some(ResultRequest::WarmPython)
            }
            CodeEvent::Closed(block) => {
                let lang = block.label.as_deref().and_then(Lang::from_label)?;
                self.blocks.push(block);
                let has_html = self.lang_closed(Lang::Html);
                let ready = match lang {
                    Lang::Html | Lang::Css | Lang::Js => has_html,
                    Lang::Python => !self.has_web_blocks(),
                };
                if !ready {
                    return None;
                }
                self.ask(Runnable::from_blocks(self.blocks.clone()))
            }
        }
    }

    /// At the answer's end: the whole answer's code (found in the full text, so blocks inside
    /// lists count too), unless exactly that is what already ran.
    pub fn finish(&mut self, whole: Option<Runnable>) -> Option<ResultRequest> {
        self.ask(whole)
    }

    fn ask(&mut self, runnable: Option<Runnable>) -> Option<ResultRequest> {
        let runnable = runnable?;
        if self.asked.as_ref() == Some(&runnable) {
            return None;
        }
        self.asked = Some(runnable.clone());
        Some(ResultRequest::Update(runnable))
    }

    fn lang_closed(&self, wanted: Lang) -> bool {
        self.blocks
            .iter()
            .any(|b| b.label.as_deref().and_then(Lang::from_label) == Some(wanted))
    }

    fn has_web_blocks(&self) -> bool {
        [Lang::Html, Lang::Css, Lang::Js]
            .into_iter()
            .any(|lang| self.lang_closed(lang))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn closed(label: &str, text: &str) -> CodeEvent {
        CodeEvent::Closed(CodeBlock {
            label: Some(label.into()),
            text: text.into(),
        })
    }

    fn page_of(request: Option<ResultRequest>) -> String {
        match request {
            Some(ResultRequest::Update(Runnable::Page(page))) => page.document().to_owned(),
            other => panic!("expected a page update, got {other:?}"),
        }
    }

    #[test]
    fn a_page_runs_once_its_html_closes_and_again_as_later_web_blocks_close() {
        let mut live = LiveResult::new();
        assert_eq!(live.on_event(CodeEvent::Opened(Some("css".into()))), None);
        assert_eq!(
            live.on_event(closed("css", "p { color: red }")),
            None,
            "no HTML yet"
        );
        let first = page_of(live.on_event(closed("html", "<p id=x>hi</p>")));
        assert!(first.contains("<p id=x>hi</p>") && first.contains("color: red"));
        let second = page_of(live.on_event(closed("js", "document.title = 'x';")));
        assert!(second.contains("document.title"));
        assert_eq!(live.on_event(closed("rust", "fn main() {}")), None);
        // The same code at the end is not run twice; more code is.
        let whole = Runnable::from_blocks(vec![
            CodeBlock {
                label: Some("css".into()),
                text: "p { color: red }".into(),
            },
            CodeBlock {
                label: Some("html".into()),
                text: "<p id=x>hi</p>".into(),
            },
            CodeBlock {
                label: Some("js".into()),
                text: "document.title = 'x';".into(),
            },
        ]);
        assert_eq!(live.finish(whole), None);
        assert!(live
            .finish(Runnable::block("html", "<b>more</b>"))
            .is_some());
    }

    #[test]
    fn python_warms_when_its_block_opens_and_runs_when_it_closes() {
        let mut live = LiveResult::new();
        assert_eq!(
            live.on_event(CodeEvent::Opened(Some("python".into()))),
            Some(ResultRequest::WarmPython)
        );
        assert_eq!(
            live.on_event(closed("py", "print(1)")),
            Some(ResultRequest::Update(Runnable::Python("print(1)".into())))
        );
        assert_eq!(
            live.on_event(CodeEvent::Opened(Some("python".into()))),
            None,
            "warm once"
        );
        assert_eq!(
            live.on_event(closed("python", "print(2)")),
            Some(ResultRequest::Update(Runnable::Python(
                "print(1)\n\nprint(2)".into()
            )))
        );
    }

    #[test]
    fn python_beside_a_page_waits_for_the_page_and_unlabelled_blocks_do_nothing() {
        let mut live = LiveResult::new();
        assert!(live.on_event(closed("html", "<p>x</p>")).is_some());
        assert_eq!(live.on_event(closed("python", "print(1)")), None);
        let mut plain = LiveResult::new();
        let unlabelled = CodeEvent::Closed(CodeBlock {
            label: None,
            text: "ls".into(),
        });
        assert_eq!(plain.on_event(unlabelled), None);
        assert_eq!(plain.finish(None), None);
    }
}
