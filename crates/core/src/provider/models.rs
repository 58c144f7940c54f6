//! One model an endpoint offers ([`ModelInfo`]), why a list could not be read, and the
//! OpenAI-style `{"data": [...]}` list (with our demo server's extra fields) formats share.

use serde::Deserialize;
use serde_json::Value;

use crate::provider::ApiFormat;

/// One model an endpoint offers.
#[derive(Debug, Clone, PartialEq, Deserialize)]
pub struct ModelInfo {
    pub id: String,
    /// Human label, e.g. which published figure a demo profile imitates.
    #[serde(default)]
    pub label: Option<String>,
    /// The simulated speed of a demo profile.
    #[serde(default)]
    pub tokens_per_second: Option<f64>,
    /// True for our server's simulated demo models.
    #[serde(default)]
    pub simulated: bool,
}

impl ModelInfo {
    /// A model known only by its id.
    pub fn named(id: impl Into<String>) -> Self {
        Self {
            id: id.into(),
            label: None,
            tokens_per_second: None,
            simulated: false,
        }
    }

    /// What a picker shows beside the id: the human label (the demo models' name the speed
    /// they imitate, "GPT-4o mini (~52 tok/s)"), else the speed alone; empty when unknown.
    pub fn describe(&self) -> String {
        match (&self.label, self.tokens_per_second) {
            (Some(label), _) => label.clone(),
            (None, Some(rate)) if rate.fract() == 0.0 => {
                format!("{} tok/s", crate::run::explain::grouped(rate as u64))
            }
            (None, Some(rate)) => format!("{rate:.1} tok/s"),
            (None, None) => String::new(),
        }
    }
}

/// Why a model list could not be read.
#[derive(Debug, thiserror::Error)]
pub enum ModelListError {
    #[error("the model list is not JSON: {0}")]
    NotJson(#[from] serde_json::Error),
    #[error("the body is not a model list of the {0} format")]
    UnknownShape(ApiFormat),
}

/// The entries of an OpenAI-style `{"data": [...]}` list; one odd entry does not hide the
/// others. `None` when there is no `data` list.
pub(super) fn data_list(list: &Value) -> Option<Vec<ModelInfo>> {
    let items = list.get("data")?.as_array()?;
    Some(
        items
            .iter()
            .filter_map(|item| ModelInfo::deserialize(item).ok())
            .collect(),
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_model_is_described_by_its_label_and_published_speed() {
        let demo = ModelInfo {
            id: "demo-1000".into(),
            label: Some("GPT-5.3-Codex-Spark on Cerebras (~1,000 tok/s)".into()),
            tokens_per_second: Some(1000.0),
            simulated: true,
        };
        assert_eq!(
            demo.describe(),
            "GPT-5.3-Codex-Spark on Cerebras (~1,000 tok/s)"
        );
        let unlabelled = ModelInfo {
            label: None,
            ..demo.clone()
        };
        assert_eq!(unlabelled.describe(), "1,000 tok/s");
        let opus = ModelInfo {
            tokens_per_second: Some(68.2),
            ..unlabelled
        };
        assert_eq!(opus.describe(), "68.2 tok/s");
        assert_eq!(ModelInfo::named("gpt-4o").describe(), "");
    }

    #[test]
    fn reads_a_data_list_with_demo_extras_and_skips_bad_entries() {
        let body = serde_json::json!({"object":"list","data":[
            {"id":"demo-1000","object":"model","owned_by":"sparkplug-demo","simulated":true,
             "tokens_per_second":1000,"label":"GPT-5.3-Codex-Spark on Cerebras (simulated)"},
            {"object":"model"},
            {"id":"gpt-4o","object":"model","owned_by":"openai"}]});
        let models = data_list(&body).expect("a data list");
        assert_eq!(models.len(), 2);
        assert_eq!(models[0].id, "demo-1000");
        assert!(models[0].simulated);
        assert_eq!(models[0].tokens_per_second, Some(1000.0));
        assert_eq!(models[1], ModelInfo::named("gpt-4o"));
        assert_eq!(data_list(&serde_json::json!({"models": []})), None);
    }
}
