//! The `/embed` page's rules without the DOM: its URL parameters as a typed config, the host
//! page's versioned commands (validated), the events it sends, and which hosts may command it.

use serde::de::IntoDeserializer;
use serde::{Deserialize, Serialize};
use serde_json::Value;

use super::theme::Theme;
use crate::provider::models::ModelInfo;
use crate::run::meter::MeterSnapshot;
use crate::run::receipt::Receipt;
use crate::run::Outcome;

/// The message protocol's version: every command and event carries it as `v`.
pub const PROTOCOL_VERSION: u64 = 1;
/// Every event says it comes from an embed, so a host with several frames can tell.
pub const EVENT_SOURCE: &str = "sparkplug-embed";
/// Longest prompt accepted from the URL or a command: a docs example, not a document.
pub const MAX_PROMPT_CHARS: usize = 4000;
/// Larger command messages are refused before they are parsed.
const MAX_COMMAND_BYTES: usize = 64 * 1024;
/// `rate` events at most this often (4 per second): enough for a host's gauge, and a
/// 1,000 tokens/s stream never floods the host's message queue.
pub const RATE_INTERVAL_MS: f64 = 250.0;
/// The `height` parameter's bounds in CSS pixels.
pub const MIN_HEIGHT: u32 = 120;
pub const MAX_HEIGHT: u32 = 4000;

/// What the embed shows: the streamed answer, the sandboxed preview, or both.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum View {
    #[default]
    Answer,
    Preview,
    Both,
}

/// When a run starts: on the visitor's click (the default), or by itself once visible.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum RunMode {
    #[default]
    Click,
    Auto,
}

impl View {
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Answer => "answer",
            Self::Preview => "preview",
            Self::Both => "both",
        }
    }
}

/// The embed's settings from its URL. The model is checked against the server's list
/// separately ([`EmbedConfig::check_model`]), once that list has been fetched.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct EmbedConfig {
    pub prompt: String,
    pub model: String,
    pub theme: Theme,
    pub view: View,
    pub run: RunMode,
    /// Fixed frame height in CSS pixels; `None` lets the content decide.
    pub height: Option<u32>,
    /// The visitor cannot edit the prompt (the host still can, by command).
    pub readonly: bool,
}

/// Why an embed URL cannot be used; shown in the frame and sent as an `error` event.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ParamError {
    #[error("the embed needs a `prompt` parameter")]
    MissingPrompt,
    #[error("the embed needs a `model` parameter")]
    MissingModel,
    #[error("the prompt is longer than {MAX_PROMPT_CHARS} characters")]
    PromptTooLong,
    #[error("`{name}` must be one of {allowed}, not {value:?}")]
    BadChoice {
        name: &'static str,
        value: String,
        allowed: &'static str,
    },
    #[error("`height` must be whole pixels from {MIN_HEIGHT} to {MAX_HEIGHT}, not {0:?}")]
    BadHeight(String),
    #[error("`{0}` is given twice")]
    Duplicate(String),
    #[error("unknown parameter `{0}` (known: prompt, model, theme, view, run, height, readonly)")]
    Unknown(String),
    #[error("model {0:?} is not offered by this server")]
    UnknownModel(String),
}

impl EmbedConfig {
    /// Parses a page URL's query (`?prompt=…&model=…`). Unknown or repeated keys are
    /// errors, so a typo such as `them=dark` is reported instead of silently ignored.
    pub fn from_query(query: &str) -> Result<Self, ParamError> {
        let mut seen: Vec<String> = Vec::new();
        let mut prompt = None;
        let mut model = None;
        let mut config = Self {
            prompt: String::new(),
            model: String::new(),
            theme: Theme::default(),
            view: View::default(),
            run: RunMode::default(),
            height: None,
            readonly: false,
        };
        for (key, value) in form_urlencoded::parse(query.trim_start_matches('?').as_bytes()) {
            if seen.iter().any(|k| *k == key) {
                return Err(ParamError::Duplicate(key.into_owned()));
            }
            seen.push(key.clone().into_owned());
            let value = value.into_owned();
            match key.as_ref() {
                "prompt" => prompt = Some(value),
                "model" => model = Some(value),
                "theme" => {
                    config.theme = choice(
                        "theme",
                        &value,
                        "light, dark, auto",
                        &[
                            ("light", Theme::Light),
                            ("dark", Theme::Dark),
                            ("auto", Theme::Auto),
                        ],
                    )?
                }
                "view" => {
                    config.view = choice(
                        "view",
                        &value,
                        "answer, preview, both",
                        &[
                            ("answer", View::Answer),
                            ("preview", View::Preview),
                            ("both", View::Both),
                        ],
                    )?
                }
                "run" => {
                    config.run = choice(
                        "run",
                        &value,
                        "click, auto",
                        &[("click", RunMode::Click), ("auto", RunMode::Auto)],
                    )?
                }
                "height" => config.height = Some(height(&value)?),
                // A bare `readonly` reads as on, as an HTML boolean attribute does.
                "readonly" => {
                    config.readonly = choice(
                        "readonly",
                        &value,
                        "true, false",
                        &[
                            ("", true),
                            ("true", true),
                            ("1", true),
                            ("false", false),
                            ("0", false),
                        ],
                    )?
                }
                other => return Err(ParamError::Unknown(other.to_owned())),
            }
        }
        config.prompt = checked_prompt(prompt.unwrap_or_default())
            .map_err(|e| e.unwrap_or(ParamError::MissingPrompt))?;
        config.model = model
            .map(|m| m.trim().to_owned())
            .filter(|m| !m.is_empty())
            .ok_or(ParamError::MissingModel)?;
        Ok(config)
    }

    /// The model must be one the server lists (demo, replay or upstream models): an embed
    /// never talks to an endpoint of its own, so it never needs a key.
    pub fn check_model(&self, offered: &[ModelInfo]) -> Result<(), ParamError> {
        if offered.iter().any(|m| m.id == self.model) {
            Ok(())
        } else {
            Err(ParamError::UnknownModel(self.model.clone()))
        }
    }
}

fn choice<T: Copy>(
    name: &'static str,
    value: &str,
    allowed: &'static str,
    options: &[(&str, T)],
) -> Result<T, ParamError> {
    options
        .iter()
        .find(|(text, _)| text.eq_ignore_ascii_case(value.trim()))
        .map(|(_, v)| *v)
        .ok_or_else(|| ParamError::BadChoice {
            name,
            value: value.chars().take(40).collect(),
            allowed,
        })
}

fn height(value: &str) -> Result<u32, ParamError> {
    let digits = value.trim().trim_end_matches("px");
    digits
        .parse::<u32>()
        .ok()
        .filter(|h| (MIN_HEIGHT..=MAX_HEIGHT).contains(h))
        .ok_or_else(|| ParamError::BadHeight(value.chars().take(40).collect()))
}

/// A prompt that is not blank and not too long; `Err(None)` for a blank one, so each
/// caller names that case in its own terms.
fn checked_prompt(prompt: String) -> Result<String, Option<ParamError>> {
    if prompt.trim().is_empty() {
        Err(None)
    } else if prompt.chars().count() > MAX_PROMPT_CHARS {
        Err(Some(ParamError::PromptTooLong))
    } else {
        Ok(prompt)
    }
}

/// What the host page asks of the embed.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Command {
    /// Start a run, with this prompt if given (else the current one); restarts a running one.
    Run {
        prompt: Option<String>,
    },
    Stop,
    /// Replace the prompt without running it.
    SetPrompt {
        prompt: String,
    },
}

/// Why a message from the host is not a command; the embed ignores it.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum CommandError {
    #[error("the message is larger than {MAX_COMMAND_BYTES} bytes")]
    TooLarge,
    #[error("the message is not a JSON object")]
    NotObject,
    #[error("the message has no protocol version `v`")]
    MissingVersion,
    #[error("protocol version {0} is not supported; this embed speaks v{PROTOCOL_VERSION}")]
    Version(String),
    #[error("the message has no string `type`")]
    MissingType,
    #[error("unknown command type {0:?} (known: run, stop, set-prompt)")]
    UnknownType(String),
    #[error("`prompt` must be a non-empty string of at most {MAX_PROMPT_CHARS} characters")]
    BadPrompt,
}

/// What every command carries, read before the command itself so that each way a message
/// can be wrong has its own error: the version first, then the type.
#[derive(Deserialize)]
struct CommandHead {
    v: Option<Value>,
    #[serde(rename = "type")]
    kind: Option<Value>,
}

/// The command types, as `type` names them.
#[derive(Deserialize)]
#[serde(rename_all = "kebab-case")]
enum Kind {
    Run,
    Stop,
    SetPrompt,
}

/// The prompt a `run` or `set-prompt` command carries; `null` or none is no prompt.
#[derive(Deserialize)]
struct Prompted {
    #[serde(default)]
    prompt: Option<Prompt>,
}

/// A prompt checked as the URL's is: not blank and not too long.
#[derive(Deserialize)]
#[serde(try_from = "String")]
struct Prompt(String);

impl TryFrom<String> for Prompt {
    type Error = CommandError;

    fn try_from(text: String) -> Result<Self, CommandError> {
        checked_prompt(text)
            .map(Prompt)
            .map_err(|_| CommandError::BadPrompt)
    }
}

/// Parses one message's JSON text (the host's object, serialised by the page) into a
/// command. Anything not exactly a v1 command is an error, never a guess.
pub fn parse_command(text: &str) -> Result<Command, CommandError> {
    if text.len() > MAX_COMMAND_BYTES {
        return Err(CommandError::TooLarge);
    }
    let message: Value = serde_json::from_str(text).map_err(|_| CommandError::NotObject)?;
    if !message.is_object() {
        return Err(CommandError::NotObject);
    }
    let head = CommandHead::deserialize(&message).map_err(|_| CommandError::NotObject)?;
    match head.v {
        None => return Err(CommandError::MissingVersion),
        Some(v) if v.as_u64() == Some(PROTOCOL_VERSION) => {}
        Some(v) => {
            return Err(CommandError::Version(
                v.to_string().chars().take(20).collect(),
            ))
        }
    }
    let name = head
        .kind
        .as_ref()
        .and_then(Value::as_str)
        .ok_or(CommandError::MissingType)?;
    let kind =
        Kind::deserialize(name.into_deserializer()).map_err(|_: serde::de::value::Error| {
            CommandError::UnknownType(name.chars().take(40).collect())
        })?;
    let prompt = || {
        Prompted::deserialize(&message)
            .map(|p| p.prompt.map(|Prompt(text)| text))
            .map_err(|_| CommandError::BadPrompt)
    };
    match kind {
        Kind::Run => Ok(Command::Run { prompt: prompt()? }),
        Kind::Stop => Ok(Command::Stop),
        Kind::SetPrompt => prompt()?
            .map(|prompt| Command::SetPrompt { prompt })
            .ok_or(CommandError::BadPrompt),
    }
}

/// The host origins whose commands the embed obeys, which the server's `GET /v1/embed`
/// sends from its configuration.
#[derive(Debug, Clone, PartialEq, Eq, Default, Deserialize, Serialize)]
pub struct HostPolicy {
    hosts: Vec<String>,
}

/// The server's embed settings could not be read.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("the embed settings from the server are not valid: {0}")]
pub struct PolicyError(String);

impl HostPolicy {
    pub fn new(hosts: Vec<String>) -> Self {
        Self { hosts }
    }

    pub fn from_json(text: &str) -> Result<Self, PolicyError> {
        serde_json::from_str(text).map_err(|e| PolicyError(e.to_string()))
    }

    /// Whether a message from `origin` may command an embed served from `own_origin`.
    /// Entries are exact origins, `'self'` (the embed's own origin) or `*` (any); an
    /// opaque origin (`"null"`) is never a host, since any sandboxed page can claim it.
    pub fn allows(&self, origin: &str, own_origin: &str) -> bool {
        if origin == "null" || origin.is_empty() {
            return false;
        }
        let origin = origin.trim_end_matches('/');
        self.hosts.iter().any(|host| match host.as_str() {
            "*" => true,
            "'self'" => origin == own_origin.trim_end_matches('/'),
            host => host.trim_end_matches('/').eq_ignore_ascii_case(origin),
        })
    }
}

/// What the embed tells its host.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(tag = "type", rename_all = "kebab-case")]
pub enum Event {
    /// The embed is set up and listening for commands.
    Ready {
        model: String,
    },
    StreamStart {
        model: String,
        prompt: String,
    },
    /// The live rate, at most every [`RATE_INTERVAL_MS`].
    Rate {
        tokens_per_second: Option<f64>,
        tokens: u64,
    },
    Done {
        outcome: String,
        stats: Receipt,
    },
    Error {
        message: String,
    },
    /// The content's height in CSS pixels, so the host can size the frame.
    Resize {
        height: u32,
    },
}

#[derive(Serialize)]
struct Envelope<'a> {
    v: u64,
    source: &'static str,
    #[serde(flatten)]
    event: &'a Event,
}

impl Event {
    /// The message as JSON text: `{"v":1,"source":"sparkplug-embed","type":…, …}`.
    pub fn to_json(&self) -> String {
        let envelope = Envelope {
            v: PROTOCOL_VERSION,
            source: EVENT_SOURCE,
            event: self,
        };
        // Plain data with string keys always serialises; the fallback is never used.
        serde_json::to_string(&envelope).unwrap_or_default()
    }

    /// The `done` event: how the run ended (`finished`, `stopped`, `failed`) and its figures.
    pub fn done(outcome: &Outcome, snapshot: &MeterSnapshot) -> Self {
        let outcome = match outcome {
            Outcome::Finished { .. } => "finished",
            Outcome::Stopped => "stopped",
            Outcome::Failed(_) => "failed",
        };
        Self::Done {
            outcome: outcome.into(),
            stats: Receipt::from_snapshot(snapshot),
        }
    }

    /// The `rate` event for a snapshot taken while streaming.
    pub fn rate(snapshot: &MeterSnapshot) -> Self {
        Self::Rate {
            tokens_per_second: snapshot.live_rate.or(snapshot.avg_rate),
            tokens: snapshot.tokens,
        }
    }
}

/// Lets an event through at most once per interval (the first one at once).
#[derive(Debug, Clone)]
pub struct Throttle {
    interval_ms: f64,
    last_ms: Option<f64>,
}

impl Throttle {
    pub fn new(interval_ms: f64) -> Self {
        Self {
            interval_ms,
            last_ms: None,
        }
    }

    /// True when an event may go now; it then counts as sent.
    pub fn ready(&mut self, now_ms: f64) -> bool {
        let due = self
            .last_ms
            .is_none_or(|last| now_ms - last >= self.interval_ms);
        if due {
            self.last_ms = Some(now_ms);
        }
        due
    }
}

/// Turns observed content heights into `resize` heights: whole pixels, only on change,
/// so a layout that settles does not keep messaging the host.
#[derive(Debug, Clone, Default)]
pub struct HeightReport {
    last: Option<u32>,
}

impl HeightReport {
    pub fn observe(&mut self, height: f64) -> Option<u32> {
        if !height.is_finite() || height < 0.0 {
            return None;
        }
        let whole = height.ceil().min(f64::from(u32::MAX)) as u32;
        (self.last != Some(whole)).then(|| {
            self.last = Some(whole);
            whole
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    fn model(id: &str) -> ModelInfo {
        ModelInfo {
            id: id.into(),
            label: None,
            tokens_per_second: None,
            simulated: true,
        }
    }

    #[test]
    fn full_query_parses_into_the_typed_config() {
        let config = EmbedConfig::from_query(
            "?prompt=Write+FizzBuzz%20in%20Python&model=demo-1000&theme=dark&view=both&run=auto&height=480px&readonly",
        )
        .expect("valid");
        assert_eq!(
            config,
            EmbedConfig {
                prompt: "Write FizzBuzz in Python".into(),
                model: "demo-1000".into(),
                theme: Theme::Dark,
                view: View::Both,
                run: RunMode::Auto,
                height: Some(480),
                readonly: true,
            }
        );
    }

    #[test]
    fn defaults_are_click_to_run_answer_auto_theme() {
        let config = EmbedConfig::from_query("prompt=hi&model=demo-52").expect("valid");
        assert_eq!(config.run, RunMode::Click);
        assert_eq!(config.view, View::Answer);
        assert_eq!(config.theme, Theme::Auto);
        assert_eq!(config.height, None);
        assert!(!config.readonly);
    }

    #[test]
    fn bad_params_are_clear_errors() {
        let cases = [
            ("model=demo-1000", ParamError::MissingPrompt),
            ("prompt=%20&model=demo-1000", ParamError::MissingPrompt),
            ("prompt=hi", ParamError::MissingModel),
            ("prompt=hi&model=+", ParamError::MissingModel),
            (
                "prompt=hi&model=a&height=50",
                ParamError::BadHeight("50".into()),
            ),
            (
                "prompt=hi&model=a&height=-1",
                ParamError::BadHeight("-1".into()),
            ),
            (
                "prompt=hi&model=a&them=dark",
                ParamError::Unknown("them".into()),
            ),
            (
                "prompt=hi&model=a&model=b",
                ParamError::Duplicate("model".into()),
            ),
        ];
        for (query, expected) in cases {
            assert_eq!(EmbedConfig::from_query(query), Err(expected), "{query}");
        }
        let err = EmbedConfig::from_query("prompt=hi&model=a&theme=neon").unwrap_err();
        assert_eq!(
            err.to_string(),
            "`theme` must be one of light, dark, auto, not \"neon\""
        );
        let long = format!("prompt={}&model=a", "x".repeat(MAX_PROMPT_CHARS + 1));
        assert_eq!(
            EmbedConfig::from_query(&long),
            Err(ParamError::PromptTooLong)
        );
    }

    #[test]
    fn model_must_be_on_the_servers_list() {
        let offered = [model("demo-1000"), model("replay/groq")];
        let ok = EmbedConfig::from_query("prompt=hi&model=replay%2Fgroq").expect("valid");
        assert_eq!(ok.check_model(&offered), Ok(()));
        let own = EmbedConfig::from_query("prompt=hi&model=https%3A%2F%2Fevil.example%2Fv1")
            .expect("parses");
        assert_eq!(
            own.check_model(&offered),
            Err(ParamError::UnknownModel("https://evil.example/v1".into()))
        );
    }

    #[test]
    fn commands_parse_and_hostile_ones_are_typed_errors() {
        assert_eq!(
            parse_command(r#"{"v":1,"type":"run"}"#),
            Ok(Command::Run { prompt: None })
        );
        assert_eq!(
            parse_command(r#"{"v":1,"type":"run","prompt":"Sort a list"}"#),
            Ok(Command::Run {
                prompt: Some("Sort a list".into())
            })
        );
        assert_eq!(parse_command(r#"{"v":1,"type":"stop"}"#), Ok(Command::Stop));
        assert_eq!(
            parse_command(r#"{"v":1,"type":"set-prompt","prompt":"x"}"#),
            Ok(Command::SetPrompt { prompt: "x".into() })
        );
        let cases = [
            ("[1]", CommandError::NotObject),
            ("not json", CommandError::NotObject),
            (r#""run""#, CommandError::NotObject),
            (r#"{"type":"run"}"#, CommandError::MissingVersion),
            (r#"{"v":2,"type":"run"}"#, CommandError::Version("2".into())),
            (
                r#"{"v":"1","type":"run"}"#,
                CommandError::Version("\"1\"".into()),
            ),
            (r#"{"v":1}"#, CommandError::MissingType),
            (r#"{"v":1,"type":7}"#, CommandError::MissingType),
            (
                r#"{"v":1,"type":"eval"}"#,
                CommandError::UnknownType("eval".into()),
            ),
            (r#"{"v":1,"type":"set-prompt"}"#, CommandError::BadPrompt),
            (
                r#"{"v":1,"type":"set-prompt","prompt":"  "}"#,
                CommandError::BadPrompt,
            ),
            (
                r#"{"v":1,"type":"run","prompt":{"a":1}}"#,
                CommandError::BadPrompt,
            ),
        ];
        for (text, expected) in cases {
            assert_eq!(parse_command(text), Err(expected), "{text}");
        }
        let huge = format!(
            r#"{{"v":1,"type":"run","prompt":"{}"}}"#,
            "a".repeat(70_000)
        );
        assert_eq!(parse_command(&huge), Err(CommandError::TooLarge));
    }

    #[test]
    fn only_listed_hosts_may_command() {
        let policy =
            HostPolicy::from_json(r#"{"hosts":["https://docs.example","'self'"]}"#).expect("valid");
        let own = "https://spark.example";
        assert!(policy.allows("https://docs.example", own));
        assert!(policy.allows("https://spark.example", own));
        assert!(!policy.allows("https://evil.example", own));
        assert!(!policy.allows("https://docs.example.evil.example", own));
        assert!(!policy.allows("null", own));
        let any = HostPolicy::from_json(r#"{"hosts":["*"]}"#).expect("valid");
        assert!(any.allows("http://127.0.0.1:9", own));
        assert!(!any.allows("null", own));
        assert!(!HostPolicy::default().allows("https://docs.example", own));
        assert!(HostPolicy::from_json(r#"{"hosts":"*"}"#).is_err());
    }

    #[test]
    fn events_carry_version_source_and_type() {
        let snapshot = MeterSnapshot {
            ttft_ms: Some(120.0),
            tokens: 450,
            final_rate: Some(998.5),
            ..MeterSnapshot::default()
        };
        let done = Event::done(&Outcome::Finished { reason: None }, &snapshot);
        let json: Value = serde_json::from_str(&done.to_json()).expect("json");
        assert_eq!(json["v"], 1);
        assert_eq!(json["source"], EVENT_SOURCE);
        assert_eq!(json["type"], "done");
        assert_eq!(json["outcome"], "finished");
        assert_eq!(json["stats"]["tokens"], 450);
        assert_eq!(json["stats"]["tokens_per_second"], 998.5);
        // The README documents these names to host pages.
        let mut fields: Vec<&str> = json["stats"]
            .as_object()
            .expect("stats object")
            .keys()
            .map(String::as_str)
            .collect();
        fields.sort_unstable();
        assert_eq!(
            fields,
            [
                "elapsed_ms",
                "server_tokens_per_second",
                "tokens",
                "tokens_are_estimate",
                "tokens_per_second",
                "ttft_ms"
            ]
        );
        let start = Event::StreamStart {
            model: "demo-1000".into(),
            prompt: "hi".into(),
        };
        assert!(start.to_json().contains(r#""type":"stream-start""#));
    }

    #[test]
    fn throttle_and_height_report_limit_messages() {
        let mut throttle = Throttle::new(RATE_INTERVAL_MS);
        let sent = (0..60)
            .filter(|frame| throttle.ready(f64::from(*frame) * 16.7))
            .count();
        // One second of 60 Hz frames: the first at once, then one per 250 ms.
        assert_eq!(sent, 4);
        let mut report = HeightReport::default();
        assert_eq!(report.observe(200.2), Some(201));
        assert_eq!(report.observe(200.9), None);
        assert_eq!(report.observe(340.0), Some(340));
        assert_eq!(report.observe(f64::NAN), None);
        assert_eq!(report.observe(-3.0), None);
    }

    proptest! {
        #[test]
        fn any_query_or_message_is_a_value_or_an_error(text in ".{0,300}") {
            let _ = EmbedConfig::from_query(&text);
            let _ = parse_command(&text);
            let _ = HostPolicy::from_json(&text);
        }

        #[test]
        fn any_command_shaped_object_is_a_value_or_an_error(
            v in prop_oneof![Just("1".to_string()), "-?[0-9]{1,20}", Just("null".to_string())],
            kind in prop_oneof![Just("run"), Just("stop"), Just("set-prompt"), Just("x")],
            prompt in ".{0,50}",
        ) {
            let text = serde_json::json!({"v": serde_json::from_str::<Value>(&v).unwrap_or(Value::Null), "type": kind, "prompt": prompt}).to_string();
            let _ = parse_command(&text);
        }
    }
}
