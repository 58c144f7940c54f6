//! What a compare lane can race: every model of every endpoint the user has (their listed
//! models and the one each is set to), each under a title a reader knows it by.

use crate::provider::endpoints::Endpoint;
use crate::provider::models::ModelInfo;

/// Lanes a comparison has at least and at most.
pub const MIN_LANES: usize = 2;
pub const MAX_LANES: usize = 4;
/// Between the endpoint's id and the model in a choice's key (a control character, so
/// neither can contain it).
const KEY_SEPARATOR: char = '\u{1f}';

/// One model on one endpoint.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Choice {
    pub endpoint_id: String,
    pub endpoint_name: String,
    pub model: String,
    /// The model's label where its list gives one, else its id.
    pub label: String,
}

impl Choice {
    /// A stable key for the option list: endpoint and model.
    pub fn key(&self) -> String {
        format!("{}{KEY_SEPARATOR}{}", self.endpoint_id, self.model)
    }

    /// "GPT-4o (~147 tok/s) · Sparkplug demo".
    pub fn option_text(&self) -> String {
        format!("{} · {}", self.label, self.endpoint_name)
    }
}

/// Every choice, endpoint by endpoint in the user's order: each endpoint's listed models
/// (`lists[i]` for `endpoints[i]`), then the model it is set to when the list lacks it (a
/// list may leave out fine-tunes and aliases the endpoint still serves).
pub fn choices(endpoints: &[Endpoint], lists: &[Vec<ModelInfo>]) -> Vec<Choice> {
    let mut all = Vec::new();
    for (i, endpoint) in endpoints.iter().enumerate() {
        let listed = lists.get(i).map_or(&[][..], Vec::as_slice);
        let mut models: Vec<(String, String)> = listed
            .iter()
            .map(|m| {
                (
                    m.id.clone(),
                    m.label.clone().unwrap_or_else(|| m.id.clone()),
                )
            })
            .collect();
        if !listed.iter().any(|m| m.id == endpoint.model) {
            models.push((endpoint.model.clone(), endpoint.model.clone()));
        }
        for (model, label) in models.into_iter().filter(|(m, _)| !m.trim().is_empty()) {
            all.push(Choice {
                endpoint_id: endpoint.id.clone(),
                endpoint_name: endpoint.name.clone(),
                model,
                label,
            });
        }
    }
    all
}

/// The lanes a first Compare starts with: the listed models' speeds spread out (fastest,
/// a middle one, slowest) when the list says speeds, else the first choices; three lanes.
pub fn first_picks(choices: &[Choice], lists: &[Vec<ModelInfo>]) -> Vec<Choice> {
    let speed = |c: &Choice| {
        lists
            .iter()
            .flatten()
            .find(|m| m.id == c.model)
            .and_then(|m| m.tokens_per_second)
    };
    let mut timed: Vec<(&Choice, f64)> = choices
        .iter()
        .filter_map(|c| Some((c, speed(c)?)))
        .collect();
    timed.sort_by(|a, b| b.1.total_cmp(&a.1));
    if timed.len() >= 3 {
        let middle = timed.len() / 2;
        return [0, middle, timed.len() - 1]
            .into_iter()
            .map(|i| timed[i].0.clone())
            .collect();
    }
    choices.iter().take(3).cloned().collect()
}

/// The endpoint a comparison's lane answered on, among the user's: the one its pick's `key`
/// names when it ran here, else (a shared comparison's lane) the first of its name.
pub fn lane_endpoint<'a>(
    endpoints: &'a [Endpoint],
    key: Option<&str>,
    endpoint_name: &str,
) -> Option<&'a Endpoint> {
    key.and_then(|key| key.split_once(KEY_SEPARATOR))
        .and_then(|(id, _)| endpoints.iter().find(|e| e.id == id))
        .or_else(|| endpoints.iter().find(|e| e.name == endpoint_name))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::provider::ApiFormat;

    fn endpoint(id: &str, model: &str) -> Endpoint {
        Endpoint {
            id: id.into(),
            name: format!("{id} API"),
            base_url: "https://api.example/v1".into(),
            format: ApiFormat::OpenAiChat,
            model: model.into(),
        }
    }

    fn demo(id: &str, rate: f64) -> ModelInfo {
        ModelInfo {
            id: id.into(),
            label: Some(format!("{id} label")),
            tokens_per_second: Some(rate),
            simulated: true,
        }
    }

    #[test]
    fn every_listed_model_and_every_endpoints_own_model_is_a_choice_once() {
        let endpoints = [
            endpoint("demo", "demo-1000"),
            endpoint("groq", "llama-3.3"),
            endpoint("vllm", "my-fine-tune"),
            endpoint("blank", " "),
        ];
        let lists = vec![
            vec![demo("demo-1000", 1000.0), demo("demo-52", 52.0)],
            vec![],
            vec![demo("base-model", 90.0)],
            vec![],
        ];
        let all = choices(&endpoints, &lists);
        let texts: Vec<String> = all.iter().map(Choice::option_text).collect();
        assert_eq!(
            texts,
            [
                "demo-1000 label · demo API",
                "demo-52 label · demo API",
                "llama-3.3 · groq API",
                "base-model label · vllm API",
                "my-fine-tune · vllm API",
            ]
        );
        assert_ne!(all[0].key(), all[1].key());
    }

    #[test]
    fn the_first_picks_spread_the_speeds() {
        let endpoints = [endpoint("demo", "demo-1000")];
        let lists = vec![vec![
            demo("demo-147", 147.0),
            demo("demo-1000", 1000.0),
            demo("demo-52", 52.0),
            demo("demo-170", 170.0),
        ]];
        let all = choices(&endpoints, &lists);
        let picks: Vec<String> = first_picks(&all, &lists)
            .into_iter()
            .map(|c| c.model)
            .collect();
        assert_eq!(picks, ["demo-1000", "demo-147", "demo-52"]);
        let plain = choices(&[endpoint("a", "m1"), endpoint("b", "m2")], &[]);
        assert_eq!(first_picks(&plain, &[]).len(), 2);
    }

    #[test]
    fn a_lanes_endpoint_is_its_picks_else_the_one_of_its_name() {
        let endpoints = [endpoint("a", "m"), endpoint("b", "m")];
        let picked = Choice {
            endpoint_id: "b".into(),
            endpoint_name: "b API".into(),
            model: "m".into(),
            label: "m".into(),
        };
        let id = |key: Option<&str>, name: &str| {
            lane_endpoint(&endpoints, key, name).map(|e| e.id.as_str())
        };
        assert_eq!(id(Some(&picked.key()), "a API"), Some("b"), "the pick wins");
        assert_eq!(id(None, "a API"), Some("a"), "a shared lane, by name");
        assert_eq!(
            id(Some("gone\u{1f}m"), "b API"),
            Some("b"),
            "a pick since removed"
        );
        assert_eq!(id(None, "nobody"), None);
    }
}
