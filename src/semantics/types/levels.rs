//! Alert levels named in policy text, and level ranges (`黄色`, `自 橙色`, `黄色 至 橙色`).

use super::Cx;
use crate::diagnostics::{Code, Diagnostic};
use crate::limits::MAX_VARIANTS;
use crate::semantics::typed::LevelRange;
use crate::syntax::ast::{self, LevelRangeKind};
use crate::syntax::errors::swallowed_keyword_help;

impl<'p> Cx<'p> {
    pub(super) fn level_by_name(&mut self, name: &ast::Name) -> Option<usize> {
        let found = self.out.levels.iter().position(|l| {
            l.name == name.text
                || l.alias
                    .as_deref()
                    .is_some_and(|a| a.eq_ignore_ascii_case(&name.text))
        });
        if found.is_none() && !self.out.levels.is_empty() {
            let names: Vec<String> = self.out.levels.iter().map(|l| l.name.clone()).collect();
            let mut d = Diagnostic::new(
                Code::E0106,
                format!("`{}` is not an alert level", name.text),
            )
            .primary(name.span, "unknown level");
            d = match swallowed_keyword_help(&name.text) {
                Some(h) => d.help(h),
                None => d.help(format!("the levels are {}", names.join(", "))),
            };
            self.err(d);
        }
        found
    }

    /// The levels a range covers; `None` when a name is unknown or the range is empty.
    pub(super) fn level_range(&mut self, r: &ast::LevelRange) -> Option<LevelRange> {
        let n = self.out.levels.len();
        if n > MAX_VARIANTS {
            // Level sets are bits of a u64 in the rule set: past the limit (E0220, reported
            // where the levels are declared) no range is taken.
            return None;
        }
        let (lo, hi) = match &r.kind {
            LevelRangeKind::Single(a) => {
                let a = self.level_by_name(a)?;
                (a, a)
            }
            LevelRangeKind::From(a) => (self.level_by_name(a)?, n.checked_sub(1)?),
            LevelRangeKind::Between(a, b) => {
                let (a, b) = (self.level_by_name(a), self.level_by_name(b));
                (a?, b?)
            }
        };
        if lo > hi {
            self.err(
                Diagnostic::new(Code::E0212, "this level range is empty")
                    .primary(
                        r.span,
                        format!(
                            "`{}` comes after `{}`",
                            self.out.levels[lo].name, self.out.levels[hi].name
                        ),
                    )
                    .help("write the lower level first, e.g. `黄色 至 橙色`"),
            );
            return None;
        }
        Some(LevelRange {
            first: lo,
            last: hi,
        })
    }
}
