//! policyc: a compiler and evaluator for heavy-air-pollution emergency plans.
//!
//! The pipeline (see ARCHITECTURE.md): [`syntax`] parses text into an AST, [`semantics`]
//! resolves names and checks types, [`ir`] lowers to the rule set, [`data`] loads records,
//! [`eval`] decides, [`report`] renders.
//!
//! Compiling a policy and deciding one record:
//!
//! ```
//! use policyc::compile::compile_source;
//! use policyc::data::source::{Item, RecordSource};
//! use policyc::eval::{Decision, Evaluator, Status};
//!
//! let policy = r#"
//! 预警级别 { 黄色 (yellow) < 橙色 (orange) < 红色 (red) }
//! 实体 企业 键 名称 { 名称: 文本  应急减排清单: 集合 级别  保障: 布尔 }
//! 措施 停工 强制性 自 橙色 {
//!   对象 企业 当 级别 属于 应急减排清单
//!   要求 停产
//!   依据 "三、(二)2"
//! }
//! 豁免 保障类企业 { 对象 企业 当 保障  解除 停工  依据 "四、(二)" }
//! "#;
//! let compiled = compile_source("example.policy", policy);
//! assert!(compiled.diagnostics.is_empty(), "{:?}", compiled.diagnostics);
//! // Validated once: only a valid rule set can be evaluated.
//! let rules = compiled.rules.expect("no errors").validate().expect("well formed");
//!
//! let data = r#"{"企业": [{"名称": "甲厂", "应急减排清单": ["橙色", "红色"], "保障": true}]}"#;
//! let mut source = policyc::data::json::load(&rules, "firms.json", 0, data).unwrap();
//! let mut items = Vec::new();
//! while source.next_batch(100, &mut items).unwrap() {}
//! let Item::Record(firm) = &items[0] else { panic!("the record loads") };
//!
//! let evaluator = Evaluator::new(&rules);
//! let mut decision = Decision::default();
//! let orange = rules.level("orange").unwrap();
//! let entity = rules.entity_id(firm.entity).unwrap();
//! evaluator.evaluate(entity, &firm.record, orange, &mut decision).unwrap();
//! // The measure concerns the firm, and the guarantee exemption lifts it: reported, not dropped.
//! assert_eq!(decision.entries[0].status, Status::ExemptedBy(0));
//! ```

pub(crate) mod analysis;
#[doc(hidden)]
pub mod compile;
#[doc(hidden)]
pub mod data;
#[doc(hidden)]
pub mod dates;
#[doc(hidden)]
pub mod diagnostics;
#[doc(hidden)]
pub mod eval;
#[doc(hidden)]
pub mod ir;
#[doc(hidden)]
pub mod limits;
#[doc(hidden)]
pub mod messages;
#[doc(hidden)]
pub mod report;
pub(crate) mod semantics;
#[doc(hidden)]
pub mod source;
pub(crate) mod syntax;

/// The keywords of the language, both spellings (for property tests that build policy text).
#[doc(hidden)]
pub use syntax::KEYWORDS;
