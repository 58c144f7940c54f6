//! The kiosk's attract loop: preset prompts race in a cycle while nobody is there, a touch
//! or key hands it to a visitor, and idle minutes hand it back. Times are injected.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};

/// What the kiosk runs: the server's `[kiosk]` configuration, which `GET /v1/kiosk` sends
/// as it is (an unknown key in the configuration is an error, not ignored).
#[derive(Debug, Clone, PartialEq, Deserialize, Serialize)]
#[serde(default, deny_unknown_fields)]
pub struct KioskSettings {
    /// The models that race, one column each (2–4).
    pub models: Vec<String>,
    /// Lane titles by model id, for models the server's model list gives no human label
    /// (a proxied `NAME/MODEL`), or to say it differently; it wins over the list's label.
    pub labels: BTreeMap<String, String>,
    /// The attract loop's prompts, in order.
    pub prompts: Vec<String>,
    /// A visitor idle this long hands the kiosk back to the attract loop.
    pub idle_seconds: f64,
    /// The attract loop's pause between the end of one race and the next.
    pub pause_seconds: f64,
}

/// Columns a screen read from three metres can hold.
pub const MAX_LANES: usize = 4;

/// The longest prompt a visitor can type.
pub const MAX_PROMPT_CHARS: usize = 300;

impl Default for KioskSettings {
    fn default() -> Self {
        Self {
            models: ["demo-1000", "demo-147", "demo-52"]
                .map(String::from)
                .to_vec(),
            labels: BTreeMap::new(),
            prompts: [
                "Write FizzBuzz in Python",
                "Teach me basic SQL with an example",
                "Implement an LRU cache in JavaScript",
            ]
            .map(String::from)
            .to_vec(),
            idle_seconds: 120.0,
            pause_seconds: 8.0,
        }
    }
}

/// Why the kiosk's settings could not be used.
#[derive(Debug, thiserror::Error, PartialEq, Eq)]
pub enum SettingsError {
    #[error("the kiosk settings are not valid JSON: {0}")]
    Json(String),
    #[error("a race needs 1 to {MAX_LANES} models, the settings name {0}")]
    Lanes(usize),
    #[error("the attract loop needs at least one prompt")]
    NoPrompts,
}

impl KioskSettings {
    pub fn from_json(text: &str) -> Result<Self, SettingsError> {
        let settings: Self =
            serde_json::from_str(text).map_err(|e| SettingsError::Json(e.to_string()))?;
        settings.validated()
    }

    /// Lays a page URL's query (`models=a,b&pause=0&idle=5`) over these settings, so a
    /// benchmark can run many short races; nothing in the kiosk's UI reaches these.
    pub fn with_query(mut self, query: &str) -> Result<Self, SettingsError> {
        for (key, value) in form_urlencoded::parse(query.trim_start_matches('?').as_bytes()) {
            let value = value.into_owned();
            match key.as_ref() {
                "models" => {
                    self.models = value
                        .split(',')
                        .map(str::trim)
                        .filter(|m| !m.is_empty())
                        .map(String::from)
                        .collect();
                }
                "prompt" if !value.trim().is_empty() => self.prompts = vec![value],
                "pause" => self.pause_seconds = number(&value, self.pause_seconds),
                "idle" => self.idle_seconds = number(&value, self.idle_seconds),
                _ => {}
            }
        }
        self.validated()
    }

    fn validated(self) -> Result<Self, SettingsError> {
        if self.models.is_empty() || self.models.len() > MAX_LANES {
            return Err(SettingsError::Lanes(self.models.len()));
        }
        if self.prompts.is_empty() {
            return Err(SettingsError::NoPrompts);
        }
        Ok(self)
    }
}

/// A finite, non-negative number of seconds, else the current value.
fn number(text: &str, current: f64) -> f64 {
    text.parse::<f64>()
        .ok()
        .filter(|n| n.is_finite() && *n >= 0.0)
        .unwrap_or(current)
}

/// Who the kiosk is serving.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Mode {
    /// Nobody: preset prompts race in a cycle.
    Attract,
    /// Someone touched it: their prompt box is shown and the loop waits.
    Visitor,
}

/// What the page should do now.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Step {
    /// Start a race on preset prompt number `n`.
    RacePreset(usize),
    /// A visitor just took over: stop the loop's race, show the prompt box.
    TakeOver,
    /// The visitor left: clear their race and go back to the loop.
    Reset,
}

/// A key pressed anywhere on the kiosk, as the page's `keydown` saw it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct KeyPress<'a> {
    /// The DOM's `KeyboardEvent.key`: the character typed, or a name ("Enter", "Shift").
    pub key: &'a str,
    pub ctrl: bool,
    pub alt: bool,
    pub meta: bool,
    /// AltGr, which some systems also report as Ctrl+Alt while it types a character.
    pub alt_graph: bool,
}

impl<'a> KeyPress<'a> {
    /// What this key adds to the visitor's prompt `so_far` when it lands outside the prompt
    /// box (the key that woke the kiosk, or typing after a touch elsewhere): the character it
    /// types. `None` for a named key (Enter, Tab, arrows, Shift…), a shortcut (Ctrl, Alt or
    /// Meta held), a space that would only lead an empty prompt, or a full prompt.
    pub fn typed_into(&self, so_far: &str) -> Option<&'a str> {
        let mut chars = self.key.chars();
        let single = matches!((chars.next(), chars.next()), (Some(c), None) if !c.is_control());
        let shortcut = (self.ctrl || self.alt || self.meta) && !self.alt_graph;
        let leading_space = so_far.is_empty() && self.key.trim().is_empty();
        let full = so_far.chars().count() >= MAX_PROMPT_CHARS;
        (single && !shortcut && !leading_space && !full).then_some(self.key)
    }
}

/// The attract loop's state; the page calls `tick` a few times a second.
#[derive(Debug, Clone)]
pub struct Attract {
    mode: Mode,
    prompts: usize,
    next_prompt: usize,
    pause_ms: f64,
    idle_ms: f64,
    racing: bool,
    /// When the last race ended (or the loop began), for the pause between races.
    idle_since_ms: f64,
    last_input_ms: f64,
}

impl Attract {
    pub fn new(settings: &KioskSettings, now_ms: f64) -> Self {
        Self {
            mode: Mode::Attract,
            prompts: settings.prompts.len().max(1),
            next_prompt: 0,
            pause_ms: settings.pause_seconds * 1000.0,
            idle_ms: settings.idle_seconds * 1000.0,
            racing: false,
            // The first race starts at once rather than after a pause.
            idle_since_ms: now_ms - settings.pause_seconds * 1000.0,
            last_input_ms: now_ms,
        }
    }

    pub fn mode(&self) -> Mode {
        self.mode
    }

    /// A key press or touch at `now_ms`; the first one in the loop takes over.
    pub fn input(&mut self, now_ms: f64) -> Option<Step> {
        self.last_input_ms = now_ms;
        if self.mode == Mode::Attract {
            self.mode = Mode::Visitor;
            return Some(Step::TakeOver);
        }
        None
    }

    /// A race began (a preset one, or the visitor's).
    pub fn race_started(&mut self) {
        self.racing = true;
    }

    /// The current race ended or was abandoned.
    pub fn race_ended(&mut self, now_ms: f64) {
        self.racing = false;
        self.idle_since_ms = now_ms;
    }

    /// What to do at `now_ms`, if anything.
    pub fn tick(&mut self, now_ms: f64) -> Option<Step> {
        match self.mode {
            Mode::Attract if !self.racing && now_ms - self.idle_since_ms >= self.pause_ms => {
                let n = self.next_prompt;
                self.next_prompt = (n + 1) % self.prompts;
                self.racing = true;
                Some(Step::RacePreset(n))
            }
            // A visitor's race running counts as presence: a long race never resets.
            Mode::Visitor
                if !self.racing
                    && now_ms - self.last_input_ms.max(self.idle_since_ms) >= self.idle_ms =>
            {
                self.mode = Mode::Attract;
                self.idle_since_ms = now_ms - self.pause_ms;
                Some(Step::Reset)
            }
            _ => None,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn settings() -> KioskSettings {
        KioskSettings {
            pause_seconds: 2.0,
            idle_seconds: 60.0,
            ..KioskSettings::default()
        }
    }

    #[test]
    fn the_loop_cycles_presets_with_a_pause_between_races() {
        let mut a = Attract::new(&settings(), 0.0);
        assert_eq!(a.tick(0.0), Some(Step::RacePreset(0)), "first race at once");
        assert_eq!(a.tick(10_000.0), None, "one race at a time");
        a.race_ended(10_000.0);
        assert_eq!(a.tick(11_000.0), None, "pausing");
        assert_eq!(a.tick(12_000.0), Some(Step::RacePreset(1)));
        a.race_ended(12_500.0);
        assert_eq!(a.tick(14_500.0), Some(Step::RacePreset(2)));
        a.race_ended(15_000.0);
        assert_eq!(a.tick(17_000.0), Some(Step::RacePreset(0)), "wraps around");
    }

    #[test]
    fn a_key_takes_over_and_idle_minutes_give_it_back() {
        let mut a = Attract::new(&settings(), 0.0);
        a.tick(0.0);
        assert_eq!(a.input(1_000.0), Some(Step::TakeOver));
        assert_eq!(a.input(1_500.0), None, "already the visitor's");
        a.race_ended(1_500.0);
        assert_eq!(a.mode(), Mode::Visitor);
        assert_eq!(
            a.tick(30_000.0),
            None,
            "no preset race while a visitor is here"
        );
        a.race_started();
        assert_eq!(
            a.tick(200_000.0),
            None,
            "a running visitor race is presence"
        );
        a.race_ended(200_000.0);
        assert_eq!(a.tick(259_000.0), None);
        assert_eq!(a.tick(260_000.0), Some(Step::Reset));
        assert_eq!(a.mode(), Mode::Attract);
        assert!(matches!(a.tick(260_000.0), Some(Step::RacePreset(_))));
    }

    #[test]
    fn the_waking_key_types_its_character_unless_it_is_a_command() {
        let key = |key| KeyPress {
            key,
            ..KeyPress::default()
        };
        assert_eq!(key("W").typed_into(""), Some("W"));
        assert_eq!(key("é").typed_into("caf"), Some("é"));
        assert_eq!(key(" ").typed_into("Write"), Some(" "));
        assert_eq!(key(" ").typed_into(""), None, "a space only wakes it");
        for named in [
            "Enter",
            "Shift",
            "ArrowLeft",
            "Tab",
            "Escape",
            "Dead",
            "F5",
            "",
        ] {
            assert_eq!(key(named).typed_into(""), None, "{named}");
        }
        let ctrl_r = KeyPress {
            ctrl: true,
            ..key("r")
        };
        assert_eq!(ctrl_r.typed_into(""), None, "a shortcut types nothing");
        let meta_c = KeyPress {
            meta: true,
            ..key("c")
        };
        assert_eq!(meta_c.typed_into(""), None);
        let alt_gr = KeyPress {
            ctrl: true,
            alt: true,
            alt_graph: true,
            ..key("@")
        };
        assert_eq!(alt_gr.typed_into(""), Some("@"), "AltGr types a character");
        let full = "x".repeat(MAX_PROMPT_CHARS);
        assert_eq!(key("y").typed_into(&full), None, "the box holds no more");
    }

    #[test]
    fn settings_come_from_json_and_the_query_overrides_them() {
        let s = KioskSettings::from_json(
            r#"{"models":["demo-max","up/gpt-oss"],"labels":{"up/gpt-oss":"gpt-oss on Cerebras"},"idle_seconds":5}"#,
        )
        .expect("valid");
        assert_eq!(s.models, ["demo-max", "up/gpt-oss"]);
        assert_eq!(s.labels["up/gpt-oss"], "gpt-oss on Cerebras");
        assert_eq!(s.idle_seconds, 5.0);
        assert_eq!(s.prompts, KioskSettings::default().prompts);
        let s = s
            .with_query("?models=demo-1000%2Cdemo-52&pause=0&idle=x&prompt=Write+FizzBuzz&z")
            .expect("valid");
        assert_eq!(s.models, ["demo-1000", "demo-52"]);
        assert_eq!(s.pause_seconds, 0.0);
        assert_eq!(s.idle_seconds, 5.0, "a bad number keeps the old value");
        assert_eq!(s.prompts, ["Write FizzBuzz"]);
    }

    #[test]
    fn unusable_settings_are_errors_not_panics() {
        assert!(matches!(
            KioskSettings::from_json("{"),
            Err(SettingsError::Json(_))
        ));
        assert_eq!(
            KioskSettings::from_json(r#"{"models":[]}"#),
            Err(SettingsError::Lanes(0))
        );
        assert_eq!(
            KioskSettings::default().with_query("models=a,b,c,d,e"),
            Err(SettingsError::Lanes(5))
        );
        assert_eq!(
            KioskSettings::from_json(r#"{"prompts":[]}"#),
            Err(SettingsError::NoPrompts)
        );
        // Escapes decode as UTF-8; a malformed one stays as it is.
        let s = KioskSettings::default()
            .with_query("prompt=%C3%A9t%C3%A9+%zz%4")
            .expect("valid");
        assert_eq!(s.prompts, ["été %zz%4"]);
    }
}
