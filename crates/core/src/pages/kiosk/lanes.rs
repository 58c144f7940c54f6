//! Each kiosk lane's title: the label the kiosk's settings give its model, else the model
//! list's human label, else the bare id; the id itself is shown small beneath.

use super::attract::KioskSettings;
use crate::provider::models::ModelInfo;

/// What a lane's head shows.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LaneTitle {
    /// The model id the lane sends its prompt to.
    pub model: String,
    /// What the visitor reads: "GPT-5.3-Codex-Spark on Cerebras (~1,000 tok/s)".
    pub label: String,
    /// The small line beneath: the id when the label is not the id, and whether the
    /// server only simulates the model's speed ("demo-1000 · simulated speed").
    pub caption: String,
}

impl LaneTitle {
    /// The title of `model`'s lane, from `settings`' labels and the server's model list.
    pub fn new(model: &str, settings: &KioskSettings, listed: &[ModelInfo]) -> Self {
        let info = listed.iter().find(|m| m.id == model);
        let label = settings
            .labels
            .get(model)
            .or_else(|| info.and_then(|m| m.label.as_ref()))
            .map(|l| l.trim())
            .filter(|l| !l.is_empty())
            .unwrap_or(model)
            .to_owned();
        let simulated = info.is_some_and(|m| m.simulated);
        let caption = [
            (label != model).then_some(model),
            simulated.then_some("simulated speed"),
        ]
        .into_iter()
        .flatten()
        .collect::<Vec<_>>()
        .join(" · ");
        Self {
            model: model.to_owned(),
            label,
            caption,
        }
    }

    /// Every lane's title, in column order.
    pub fn all(settings: &KioskSettings, listed: &[ModelInfo]) -> Vec<Self> {
        settings
            .models
            .iter()
            .map(|m| Self::new(m, settings, listed))
            .collect()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn listed() -> Vec<ModelInfo> {
        vec![
            ModelInfo {
                label: Some("GPT-5.3-Codex-Spark on Cerebras (~1,000 tok/s)".into()),
                simulated: true,
                ..ModelInfo::named("demo-1000")
            },
            ModelInfo {
                label: Some("GPT-4o (~147 tok/s)".into()),
                simulated: true,
                ..ModelInfo::named("demo-147")
            },
            ModelInfo::named("up/gpt-oss-120b"),
        ]
    }

    #[test]
    fn titles_come_from_the_settings_then_the_model_list_then_the_id() {
        let mut settings = KioskSettings {
            models: ["demo-1000", "demo-147", "up/gpt-oss-120b", "demo-77"]
                .map(String::from)
                .to_vec(),
            ..KioskSettings::default()
        };
        settings
            .labels
            .insert("demo-147".into(), "  The usual speed  ".into());
        settings.labels.insert("demo-77".into(), " ".into());
        let titles = LaneTitle::all(&settings, &listed());
        let shown: Vec<(&str, &str)> = titles
            .iter()
            .map(|t| (t.label.as_str(), t.caption.as_str()))
            .collect();
        assert_eq!(
            shown,
            [
                (
                    "GPT-5.3-Codex-Spark on Cerebras (~1,000 tok/s)",
                    "demo-1000 · simulated speed"
                ),
                ("The usual speed", "demo-147 · simulated speed"),
                ("up/gpt-oss-120b", ""),
                ("demo-77", ""),
            ]
        );
        assert_eq!(titles[2].model, "up/gpt-oss-120b");
    }

    #[test]
    fn without_a_model_list_the_configured_labels_still_apply() {
        let mut settings = KioskSettings::default();
        settings
            .labels
            .insert("demo-52".into(), "GPT-4o mini".into());
        let titles = LaneTitle::all(&settings, &[]);
        assert_eq!(titles[0].label, "demo-1000");
        assert_eq!(titles[2].label, "GPT-4o mini");
        assert_eq!(titles[2].caption, "demo-52");
    }
}
