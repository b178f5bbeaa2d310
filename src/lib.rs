//! policyc: a compiler and evaluator for heavy-air-pollution emergency plans.
//!
//! A city bureau writes its emergency plan (alert levels, measures, grade tables,
//! exemptions) as policy text; policyc compiles it, checks it, and decides for each
//! enterprise which measures concern it at each alert level.
//!
//! The library's surface is small:
//!
//! - [`Policy::compile`] compiles policy text held in memory; its imports are read by an
//!   [`ImportLoader`]: a [`MapLoader`] of sources in memory, a [`DiskLoader`] confined to an
//!   [`ImportRoot`], or the caller's own. Problems come back as [`Diagnostics`], rendered as
//!   the command line renders them.
//! - [`Policy::schema`] builds records by field name ([`Schema::record`],
//!   [`RecordBuilder::set`], [`RecordBuilder::item`]), or by [`Field`] and [`Variant`]
//!   handles resolved once; a [`RecordBuilder`] is reused across records.
//! - [`Policy::decide`] and [`Policy::decide_all`] decide a record into a reusable
//!   [`Decision`]; the entries are [`EntryView`]s that borrow: measure, [`EntryStatus`],
//!   [`Subject`], citation and action text.
//!
//! A [`Policy`] shares its rule set (cloning is an [`Arc`](std::sync::Arc) clone) and is
//! `Send` and `Sync`; nothing is cached between decisions.
//!
//! ```
//! use policyc::{EntryStatus, MapLoader, Policy, Subject};
//!
//! let loader = MapLoader::new()
//!     .with("levels.policy", "预警级别 { 黄色 (yellow) < 橙色 (orange) < 红色 (red) }")
//!     .with("main.policy", r#"
//! 导入 "levels.policy"
//! 实体 企业 键 名称 { 名称: 文本  应急减排清单: 集合 级别  保障: 布尔 }
//! 措施 停工 强制性 自 橙色 {
//!   对象 企业 当 级别 属于 应急减排清单
//!   要求 停产
//!   依据 "三、(二)2"
//! }
//! 豁免 保障类企业 { 对象 企业 当 保障  解除 停工  依据 "四、(二)" }
//! "#);
//! let policy = Policy::compile("main.policy", loader.get("main.policy").unwrap(), &loader)
//!     .map_err(|d| d.to_string())?;
//!
//! let mut firm = policy.schema().record("企业")?;
//! firm.set("名称", "甲厂")?.set("应急减排清单", "橙色、红色")?.set("保障", true)?;
//!
//! let mut buffer = policyc::Decision::default();
//! let orange = policy.level("orange").unwrap();
//! let decided = policy.decide(&firm, orange, &mut buffer)?;
//! let entry = decided.entries().next().unwrap();
//! assert_eq!(entry.measure(), "停工");
//! assert_eq!(entry.subject(), Subject::Record);
//! assert_eq!(entry.citation(), Some("三、(二)2"));
//! assert_eq!(entry.action().unwrap().to_string(), "停产");
//! // The guarantee exemption lifts the measure: reported, not dropped.
//! assert_eq!(
//!     entry.status(),
//!     EntryStatus::Exempted { exemption: "保障类企业", citation: Some("四、(二)") }
//! );
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! ```
//!
//! The pipeline behind it (see ARCHITECTURE.md): parse, resolve, type, analyse, lower,
//! load data, evaluate, audit, publish, report. Its modules are not part of the documented surface; those
//! the command line, the benchmarks and the fuzz targets use are public but hidden.

#![deny(missing_docs)]

mod api;

pub use api::*;
pub use compile::{DiskLoader, ImportError, ImportLoader, ImportRoot, MapLoader};
pub use messages::Lang;

pub(crate) mod analysis;
#[doc(hidden)]
pub mod audit;
#[doc(hidden)]
pub mod compile;
#[doc(hidden)]
pub mod data;
pub(crate) mod dates;
#[doc(hidden)]
pub mod diagnostics;
#[doc(hidden)]
pub mod eval;
#[doc(hidden)]
pub mod exact;
#[doc(hidden)]
pub mod ir;
pub(crate) mod keywords;
#[doc(hidden)]
pub mod limits;
#[doc(hidden)]
pub mod messages;
#[doc(hidden)]
pub mod publish;
#[doc(hidden)]
pub mod report;
pub(crate) mod semantics;
#[doc(hidden)]
pub mod source;
pub(crate) mod syntax;

/// The keywords of the language, both spellings (for property tests that build policy text).
#[doc(hidden)]
pub use keywords::KEYWORDS;
