//! A compiled policy, owned or shared, and the diagnostics of compiling it.

use std::fmt;
use std::path::Path;
use std::sync::Arc;

use codespan_reporting::term::termcolor::WriteColor;

use std::sync::atomic::{AtomicU64, Ordering};

use super::record::{FieldFlags, Level, Schema, VariantIndex};
use crate::compile::{self, Compilation};
use crate::diagnostics::Diagnostic;
use crate::ir::{usage, FieldType, ValidRuleSet};
use crate::messages::Lang;
use crate::report;
use crate::semantics::resolve::ImportLoader;
use crate::source::SourceMap;

/// A compiled, validated policy: its schema and its rules, ready to decide.
///
/// Cloning shares the rule set (an [`Arc`]); a `Policy` is `Send` and `Sync`, so threads can
/// each hold a clone or borrow one. Deciding makes a free view over the rule set per call:
/// nothing is cached between decisions.
#[derive(Clone)]
pub struct Policy {
    rules: Arc<ValidRuleSet>,
    /// Per entity, per field: what building a record needs to know of it.
    fields: Arc<[Box<[FieldFlags]>]>,
    /// Tells this policy's (and its clones') handles from any other's.
    id: u64,
    variants: Arc<VariantIndex>,
    warnings: Arc<Diagnostics>,
    lang: Lang,
}

impl fmt::Debug for Policy {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Policy")
            .field("entities", &self.rules.entities.len())
            .field("measures", &self.rules.measures.len())
            .finish_non_exhaustive()
    }
}

impl Policy {
    /// Compiles the policy text `text` as the file `name`; its imports are resolved from
    /// `name` and read by `loader` (a [`MapLoader`](crate::MapLoader) of sources in memory,
    /// a [`DiskLoader`](crate::DiskLoader) confined to an import root, or the caller's own).
    /// The diagnostics when there is an error; warnings stay with the policy
    /// ([`Policy::warnings`]).
    pub fn compile(
        name: &str,
        text: &str,
        loader: &dyn ImportLoader,
    ) -> Result<Policy, Diagnostics> {
        Policy::from_compilation(compile::compile_source_with(name, text, loader))
    }

    /// Compiles the policy file at `path`, its imports confined to its default import root
    /// (the nearest directory above it holding `policyc.toml`, else its own directory). An
    /// I/O error when the file itself cannot be read.
    pub fn compile_file(path: &Path) -> std::io::Result<Result<Policy, Diagnostics>> {
        let name = path.display().to_string();
        Ok(Policy::from_compilation(compile::compile_file(
            path, &name,
        )?))
    }

    /// Reads a rule set compiled by `policyc compile` (its format, version and hash checked,
    /// then validated).
    pub fn from_compiled_json(text: &str) -> Result<Policy, crate::ir::compiled::LoadRulesError> {
        Ok(Policy::new(crate::ir::compiled::from_json(text)?))
    }

    /// A policy owning `rules`.
    pub fn new(rules: ValidRuleSet) -> Policy {
        Policy::shared(Arc::new(rules))
    }

    /// A policy sharing `rules` with whoever else holds the [`Arc`].
    pub fn shared(rules: Arc<ValidRuleSet>) -> Policy {
        static NEXT_ID: AtomicU64 = AtomicU64::new(1);
        let read = usage::fields_read(&rules);
        let fields = rules
            .entities
            .iter()
            .zip(read)
            .map(|(e, read)| {
                e.fields
                    .iter()
                    .zip(read)
                    .map(|(f, read)| FieldFlags {
                        read,
                        required: !f.optional && !matches!(f.ty, FieldType::List(_)),
                    })
                    .collect()
            })
            .collect();
        let lang = Lang::default_for(rules.chinese);
        let variants = Arc::new(VariantIndex::new(&rules));
        Policy {
            rules,
            fields,
            id: NEXT_ID.fetch_add(1, Ordering::Relaxed),
            variants,
            warnings: Arc::new(Diagnostics::default()),
            lang,
        }
    }

    fn from_compilation(c: Compilation) -> Result<Policy, Diagnostics> {
        let diagnostics = Diagnostics {
            sources: c.sources,
            list: c.diagnostics,
        };
        let rules = match c.rules {
            Some(rules) if !diagnostics.has_errors() => rules,
            _ => return Err(diagnostics),
        };
        // A rule set from the compiler passes validation by construction.
        let valid = rules
            .validate()
            .expect("a compiled rule set is well formed");
        let mut policy = Policy::new(valid);
        policy.warnings = Arc::new(diagnostics);
        Ok(policy)
    }

    /// The language of messages (record errors, decision errors): the policy's when it is
    /// written with Chinese keywords, else the locale's.
    pub fn lang(&self) -> Lang {
        self.lang
    }

    /// The same policy, with messages in `lang`.
    pub fn with_lang(mut self, lang: Lang) -> Policy {
        self.lang = lang;
        self
    }

    /// The warnings compiling it gave (none for a policy made from a rule set).
    pub fn warnings(&self) -> &Diagnostics {
        &self.warnings
    }

    /// The validated rule set, shared.
    pub fn rules(&self) -> &Arc<ValidRuleSet> {
        &self.rules
    }

    /// The schema: entities, fields and their values, to build records with.
    pub fn schema(&self) -> Schema<'_> {
        Schema {
            rules: &self.rules,
            fields: &self.fields,
            id: self.id,
            variants: &self.variants,
            lang: self.lang,
        }
    }

    /// The alert level named `name` (or with that alias, such as `orange`).
    pub fn level(&self, name: &str) -> Option<Level> {
        self.schema().level(name)
    }

    /// Every alert level, lowest first.
    pub fn levels(&self) -> impl Iterator<Item = Level> + '_ {
        self.schema().levels()
    }

    /// The plan's title, when it has a `预案` header.
    pub fn title(&self) -> Option<&str> {
        self.rules.plan.as_ref().map(|p| p.title.as_str())
    }
}

/// The diagnostics of a compilation, with the sources they point into: renderable as text
/// with excerpts (`Display`, or [`Diagnostics::render`] with colour).
#[derive(Debug, Default)]
pub struct Diagnostics {
    sources: SourceMap,
    list: Vec<Diagnostic>,
}

impl Diagnostics {
    /// Whether one of them is an error.
    pub fn has_errors(&self) -> bool {
        self.list.iter().any(Diagnostic::is_error)
    }

    /// How many there are.
    pub fn len(&self) -> usize {
        self.list.len()
    }

    /// Whether there are none.
    pub fn is_empty(&self) -> bool {
        self.list.is_empty()
    }

    /// The stable codes (`E0201`, `W0301`, …), in order.
    pub fn codes(&self) -> impl Iterator<Item = &'static str> + '_ {
        self.list.iter().map(|d| d.code.as_str())
    }

    /// The one-line messages, in order.
    pub fn messages(&self) -> impl Iterator<Item = &str> + '_ {
        self.list.iter().map(|d| d.message.as_str())
    }

    /// Writes them as the command line does, with excerpts of the sources (and colour when
    /// `out` supports it).
    pub fn render(&self, out: &mut dyn WriteColor) -> std::io::Result<()> {
        report::render_human(out, &self.sources, &self.list)
    }
}

impl fmt::Display for Diagnostics {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&report::diagnostics::render_plain(
            &self.sources,
            &self.list,
        ))
    }
}

impl std::error::Error for Diagnostics {}
