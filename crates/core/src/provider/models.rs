//! Reading an endpoint's model list: OpenAI-style `GET /v1/models` (with the extra fields our
//! demo server adds) and Ollama's `GET /api/tags`, into one `ModelInfo` list.

use serde::Deserialize;

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

/// Why a model list could not be read.
#[derive(Debug, thiserror::Error)]
pub enum ModelListError {
    #[error("the model list is not JSON: {0}")]
    NotJson(#[from] serde_json::Error),
    #[error("the model list has neither `data` (OpenAI) nor `models` (Ollama)")]
    UnknownShape,
}

#[derive(Deserialize)]
struct OllamaModel {
    name: String,
}

/// Parses either list shape.
pub fn parse_model_list(body: &str) -> Result<Vec<ModelInfo>, ModelListError> {
    let value: serde_json::Value = serde_json::from_str(body)?;
    if let Some(data) = value.get("data") {
        // One odd entry should not hide the others.
        let items = data.as_array().map(Vec::as_slice).unwrap_or_default();
        return Ok(items
            .iter()
            .filter_map(|item| ModelInfo::deserialize(item).ok())
            .collect());
    }
    if let Some(models) = value.get("models").and_then(|m| m.as_array()) {
        return Ok(models
            .iter()
            .filter_map(|item| OllamaModel::deserialize(item).ok())
            .map(|m| ModelInfo {
                id: m.name,
                label: None,
                tokens_per_second: None,
                simulated: false,
            })
            .collect());
    }
    Err(ModelListError::UnknownShape)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_openai_list_with_demo_extras_and_skips_bad_entries() {
        let body = r#"{"object":"list","data":[
            {"id":"demo-1000","object":"model","owned_by":"sparkplug-demo","simulated":true,
             "tokens_per_second":1000,"label":"GPT-5.3-Codex-Spark on Cerebras (simulated)"},
            {"object":"model"},
            {"id":"gpt-4o","object":"model","owned_by":"openai"}]}"#;
        let models = parse_model_list(body).unwrap();
        assert_eq!(models.len(), 2);
        assert_eq!(models[0].id, "demo-1000");
        assert!(models[0].simulated);
        assert_eq!(models[0].tokens_per_second, Some(1000.0));
        assert_eq!(models[1].id, "gpt-4o");
        assert_eq!(models[1].label, None);
    }

    #[test]
    fn reads_ollama_tags() {
        let body = r#"{"models":[{"name":"llama3.2:latest","size":1},{"name":"qwen2.5-coder"}]}"#;
        let ids: Vec<_> = parse_model_list(body)
            .unwrap()
            .into_iter()
            .map(|m| m.id)
            .collect();
        assert_eq!(ids, ["llama3.2:latest", "qwen2.5-coder"]);
    }

    #[test]
    fn rejects_other_shapes() {
        assert!(matches!(
            parse_model_list("{\"x\":1}"),
            Err(ModelListError::UnknownShape)
        ));
        assert!(matches!(
            parse_model_list("<html>"),
            Err(ModelListError::NotJson(_))
        ));
    }
}
