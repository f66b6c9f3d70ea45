//! Merchandising rules as data: boost, demote or exclude a brand or a category for a market
//! and a segment. A store in Italy can rank differently from one in France by shipping a
//! different rule list, not different code.

use serde::{Deserialize, Serialize};

/// What a rule applies to.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum RuleTarget {
    /// A brand id.
    Brand(String),
    /// A category id; a top category (`skincare`) also covers its sub-categories
    /// (`skincare.serum`).
    Category(String),
}

/// What a rule does to a matching suggestion's score.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum RuleAction {
    /// Multiply the score by this factor (> 1).
    Boost(f64),
    /// Multiply the score by this factor (between 0 and 1).
    Demote(f64),
    /// Never suggest it.
    Exclude,
}

/// One rule, e.g. `{"market": "IT", "segment": null, "target": {"category": "fragrance"},
/// "action": {"boost": 1.5}}`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Rule {
    /// Market (ISO country code) it applies in; `None` for every market.
    #[serde(default)]
    pub market: Option<String>,
    /// Segment it applies to; `None` for every segment.
    #[serde(default)]
    pub segment: Option<String>,
    /// Brand or category.
    pub target: RuleTarget,
    /// Boost, demote or exclude.
    pub action: RuleAction,
}

impl Rule {
    /// True when the rule applies to this market, segment, brand and category.
    pub fn matches(
        &self,
        market: Option<&str>,
        segment: Option<&str>,
        brand: &str,
        category: &str,
    ) -> bool {
        let scope = |want: &Option<String>, have: Option<&str>| {
            want.as_deref()
                .is_none_or(|w| have.is_some_and(|h| h.eq_ignore_ascii_case(w)))
        };
        if !scope(&self.market, market) || !scope(&self.segment, segment) {
            return false;
        }
        match &self.target {
            RuleTarget::Brand(b) => b == brand,
            RuleTarget::Category(c) => {
                category == c
                    || (category.starts_with(c.as_str()) && category[c.len()..].starts_with('.'))
            }
        }
    }
}

/// The score factor of every matching rule multiplied together; `None` when one excludes.
pub fn factor(
    rules: &[Rule],
    market: Option<&str>,
    segment: Option<&str>,
    brand: &str,
    category: &str,
) -> Option<f64> {
    let mut f = 1.0;
    for r in rules
        .iter()
        .filter(|r| r.matches(market, segment, brand, category))
    {
        match r.action {
            RuleAction::Boost(x) | RuleAction::Demote(x) => f *= x.max(0.0),
            RuleAction::Exclude => return None,
        }
    }
    Some(f)
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;

    #[test]
    fn rules_are_data_and_scoped_by_market_and_segment() {
        let rules: Vec<Rule> = serde_json::from_str(
            r#"[
                {"market": "IT", "target": {"category": "fragrance"}, "action": {"boost": 2.0}},
                {"market": "FR", "segment": "young", "target": {"brand": "B7"}, "action": {"demote": 0.5}},
                {"target": {"brand": "B9"}, "action": "exclude"}
            ]"#,
        )
        .unwrap();
        assert_eq!(
            factor(&rules, Some("IT"), None, "B1", "fragrance.edp"),
            Some(2.0)
        );
        assert_eq!(
            factor(&rules, Some("FR"), None, "B1", "fragrance.edp"),
            Some(1.0)
        );
        assert_eq!(
            factor(&rules, Some("IT"), None, "B1", "fragrances"),
            Some(1.0)
        );
        assert_eq!(
            factor(&rules, Some("FR"), Some("young"), "B7", "makeup"),
            Some(0.5)
        );
        assert_eq!(
            factor(&rules, Some("FR"), Some("old"), "B7", "makeup"),
            Some(1.0)
        );
        assert_eq!(factor(&rules, None, None, "B9", "makeup"), None);
    }
}
