//! Compiled rule sets on disk: the IR with a format version and a content hash, so a rule
//! set from another version of policyc, or one altered by accident after compiling, is
//! refused. The hash detects accidents, not tampering: anyone who edits the file can
//! recompute it. What makes a loaded rule set safe to evaluate is validation
//! ([`RuleSet::validate`]), which every rule set read here passes before it is returned.

use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};

use super::{InvalidRuleSet, RuleSet, ValidRuleSet, FORMAT_VERSION};

/// Names the kind of file, so a random JSON document is not mistaken for a rule set.
pub const FORMAT_NAME: &str = "policyc-rules";

#[derive(Serialize)]
struct Envelope<'a> {
    format: &'a str,
    format_version: u32,
    policyc_version: &'a str,
    hash: String,
    rules: &'a RuleSet,
}

#[derive(Deserialize)]
struct EnvelopeIn {
    format: String,
    format_version: u32,
    hash: String,
    rules: serde_json::Value,
}

/// The content hash: SHA-256 over the canonical JSON of the rule set.
pub fn content_hash(rules: &RuleSet) -> String {
    let bytes = serde_json::to_vec(rules).unwrap_or_default();
    let digest = Sha256::digest(&bytes);
    let hex: String = digest.iter().map(|b| format!("{b:02x}")).collect();
    format!("sha256:{hex}")
}

/// Serialises a rule set with its envelope (pretty JSON, deterministic).
pub fn to_json(rules: &RuleSet) -> String {
    let env = Envelope {
        format: FORMAT_NAME,
        format_version: FORMAT_VERSION,
        policyc_version: env!("CARGO_PKG_VERSION"),
        hash: content_hash(rules),
        rules,
    };
    serde_json::to_string_pretty(&env).unwrap_or_default() + "\n"
}

/// Why a compiled rule set was refused.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum LoadRulesError {
    NotRules(String),
    Version {
        found: u32,
    },
    Altered {
        expected: String,
        found: String,
    },
    /// The hash matches, but the rule set is not well formed.
    Invalid(InvalidRuleSet),
}

impl std::fmt::Display for LoadRulesError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            LoadRulesError::NotRules(why) => write!(f, "not a compiled policyc rule set: {why}"),
            LoadRulesError::Version { found } => write!(
                f,
                "the rule set has format version {found}, but this policyc reads version {FORMAT_VERSION}"
            ),
            LoadRulesError::Altered { expected, found } => write!(
                f,
                "the rule set was altered after compiling: its content hashes to {found}, but it records {expected}"
            ),
            LoadRulesError::Invalid(why) => write!(f, "the rule set is not well formed: {why}"),
        }
    }
}

/// Reads a compiled rule set, checking its format, version and hash, then validates it.
pub fn from_json(text: &str) -> Result<ValidRuleSet, LoadRulesError> {
    let env: EnvelopeIn =
        serde_json::from_str(text).map_err(|e| LoadRulesError::NotRules(e.to_string()))?;
    if env.format != FORMAT_NAME {
        return Err(LoadRulesError::NotRules(format!(
            "its format is `{}`",
            env.format
        )));
    }
    if env.format_version != FORMAT_VERSION {
        return Err(LoadRulesError::Version {
            found: env.format_version,
        });
    }
    let rules: RuleSet =
        serde_json::from_value(env.rules).map_err(|e| LoadRulesError::NotRules(e.to_string()))?;
    let found = content_hash(&rules);
    if found != env.hash {
        return Err(LoadRulesError::Altered {
            expected: env.hash,
            found,
        });
    }
    rules.validate().map_err(LoadRulesError::Invalid)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn sample() -> RuleSet {
        RuleSet {
            plan: None,
            levels: vec![super::super::LevelInfo {
                name: "黄色".into(),
                alias: Some("yellow".into()),
            }],
            enums: Vec::new(),
            entities: Vec::new(),
            restrictions: Vec::new(),
            tables: Vec::new(),
            measures: Vec::new(),
            exemptions: Vec::new(),
            record_rules: Vec::new(),
            list_rules: Vec::new(),
            disclosures: Vec::new(),
            reduction_models: Vec::new(),
            chinese: true,
        }
    }

    #[test]
    fn round_trips_and_refuses_tampering_and_other_versions() {
        let text = to_json(&sample());
        assert_eq!(from_json(&text).unwrap().into_inner(), sample());
        let tampered = text.replace("\"yellow\"", "\"amber\"");
        assert!(matches!(
            from_json(&tampered),
            Err(LoadRulesError::Altered { .. })
        ));
        let other = text.replace(
            &format!("\"format_version\": {FORMAT_VERSION}"),
            "\"format_version\": 999",
        );
        assert_eq!(
            from_json(&other),
            Err(LoadRulesError::Version { found: 999 })
        );
        assert!(matches!(
            from_json("{\"a\":1}"),
            Err(LoadRulesError::NotRules(_))
        ));
    }

    #[test]
    fn a_rule_set_with_a_recomputed_hash_is_still_validated() {
        let mut bad = sample();
        // 70 levels: `1u64 << level` would wrap.
        bad.levels = (0..70)
            .map(|i| super::super::LevelInfo {
                name: format!("L{i}"),
                alias: None,
            })
            .collect();
        // to_json records the hash of what it writes, as an editor recomputing it would.
        let text = to_json(&bad);
        match from_json(&text) {
            Err(LoadRulesError::Invalid(why)) => {
                assert!(why.to_string().contains("70"), "{why}")
            }
            other => panic!("{other:?}"),
        }
    }
}
