//! The action algebra: what a measure requires, ordered by strictness.
//!
//! voluntary < limit p% < stop p% of lines < full stop (cease-use ranks with full stop);
//! an action without a production part ranks with voluntary: neither requires a cut;
//! named restrictions form a set. `a + b` takes the stricter production action and the
//! union of restrictions. Strictness is a partial order: `a ≥ b` iff a's production action
//! is at least b's and a's restrictions include b's.

use std::cmp::Ordering;

use serde::{Deserialize, Serialize};

use crate::keywords::{BAN, BY_LINE, CEASE_USE, LIMIT, STOP, VOLUNTARY};

/// The production part of an action. Percentages are in hundredths of a percent.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum Base {
    /// No production requirement (an action made only of restrictions).
    #[default]
    None,
    Voluntary,
    Limit {
        hundredths: u32,
    },
    StopPart {
        hundredths: u32,
        by_line: bool,
    },
    Stop,
    CeaseUse,
}

impl Base {
    /// The key strictness is compared on: kind first, then the percentage.
    pub fn rank(self) -> (u8, u32) {
        match self {
            // Nothing enforceable either way: a ban-only action is then at least as strict as 自主减排.
            Base::None | Base::Voluntary => (1, 0),
            Base::Limit { hundredths } => (2, hundredths),
            Base::StopPart { hundredths, .. } => (3, hundredths),
            Base::Stop | Base::CeaseUse => (4, 0),
        }
    }
}

/// How much of a base emission an action cuts, under a reduction model (`减排模型`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Cut {
    /// A share of the base, in hundredths of a percent (10000: all of it).
    Hundredths(u32),
    /// Voluntary: the record's own figure, where the model names the field that holds it.
    Voluntary,
}

impl Base {
    /// The share of a base this production action cuts: a stop all of it, `停产 p%` and
    /// `限产 p%` p%, none nothing; voluntary, what the record says.
    pub fn cut(self) -> Cut {
        match self {
            Base::Stop | Base::CeaseUse => Cut::Hundredths(10_000),
            Base::StopPart { hundredths, .. } | Base::Limit { hundredths } => {
                Cut::Hundredths(hundredths.min(10_000))
            }
            Base::Voluntary => Cut::Voluntary,
            Base::None => Cut::Hundredths(0),
        }
    }
}

/// A production action plus a set of named restrictions (bit i = restriction i).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default, Serialize, Deserialize)]
pub struct Action {
    pub base: Base,
    pub restrictions: u64,
}

impl Action {
    pub const NONE: Action = Action {
        base: Base::None,
        restrictions: 0,
    };

    pub fn base(base: Base) -> Self {
        Action {
            base,
            restrictions: 0,
        }
    }

    pub fn restriction(index: usize) -> Self {
        Action {
            base: Base::None,
            restrictions: 1u64 << index,
        }
    }

    /// `self + other`: the stricter production action and all restrictions of both.
    pub fn combine(self, other: Action) -> Action {
        // On a tie, a named production action wins over none (`禁止 X + 自主减排` shows both).
        let stricter = other.base.rank() > self.base.rank();
        let base = if stricter || (self.base == Base::None && other.base.rank() == self.base.rank())
        {
            other.base
        } else {
            self.base
        };
        Action {
            base,
            restrictions: self.restrictions | other.restrictions,
        }
    }

    /// True when `self` asks at least as much as `other` in every respect.
    pub fn at_least_as_strict_as(self, other: Action) -> bool {
        self.base.rank() >= other.base.rank()
            && self.restrictions & other.restrictions == other.restrictions
    }

    /// Strictness as a partial order: `None` when neither includes the other
    /// (for example, a higher limit against an extra restriction).
    pub fn strictness_cmp(self, other: Action) -> Option<Ordering> {
        match (
            self.at_least_as_strict_as(other),
            other.at_least_as_strict_as(self),
        ) {
            (true, true) => Some(Ordering::Equal),
            (true, false) => Some(Ordering::Greater),
            (false, true) => Some(Ordering::Less),
            (false, false) => None,
        }
    }

    pub fn restriction_indices(self) -> impl Iterator<Item = usize> {
        let mut bits = self.restrictions;
        std::iter::from_fn(move || {
            (bits != 0).then(|| {
                let i = bits.trailing_zeros() as usize;
                bits &= bits - 1;
                i
            })
        })
    }
}

// ---------------------------------------------------------------- text

impl Action {
    /// Appends the action as a policy writes it (`限产 20% + 禁止 国四重卡禁运`), with the
    /// keywords of a Chinese policy (`zh`) or an English one; `-` for no action.
    /// `restriction(i)` names restriction `i` (`?` where it has none). This is the one
    /// renderer of actions to text (reports and analyses alike); it is written byte by byte,
    /// being on the output hot path.
    pub fn write_text<'n>(
        self,
        out: &mut Vec<u8>,
        zh: bool,
        restriction: impl Fn(usize) -> Option<&'n str>,
    ) {
        let start = out.len();
        let word = |out: &mut Vec<u8>, k: crate::keywords::Keyword| {
            out.extend_from_slice(k.spelling(zh).as_bytes())
        };
        match self.base {
            Base::None => {}
            Base::Voluntary => word(out, VOLUNTARY),
            Base::Limit { hundredths } => {
                word(out, LIMIT);
                out.push(b' ');
                write_percent(out, hundredths);
            }
            Base::StopPart {
                hundredths,
                by_line,
            } => {
                word(out, STOP);
                out.push(b' ');
                write_percent(out, hundredths);
                if by_line {
                    out.push(b' ');
                    word(out, BY_LINE);
                }
            }
            Base::Stop => word(out, STOP),
            Base::CeaseUse => word(out, CEASE_USE),
        }
        for r in self.restriction_indices() {
            if out.len() > start {
                out.extend_from_slice(b" + ");
            }
            word(out, BAN);
            out.push(b' ');
            out.extend_from_slice(restriction(r).unwrap_or("?").as_bytes());
        }
        if out.len() == start {
            out.push(b'-');
        }
    }

    /// [`Action::write_text`] as a string.
    pub fn text<'n>(self, zh: bool, restriction: impl Fn(usize) -> Option<&'n str>) -> String {
        let mut buf = Vec::with_capacity(32);
        self.write_text(&mut buf, zh, restriction);
        // Every piece written is a `&str`, so the bytes are UTF-8.
        String::from_utf8(buf)
            .unwrap_or_else(|e| String::from_utf8_lossy(e.as_bytes()).into_owned())
    }
}

/// Appends a percentage in hundredths as text: `20%`, `12.5%`, `12.05%`.
fn write_percent(out: &mut Vec<u8>, hundredths: u32) {
    write_u32(out, hundredths / 100);
    let frac = hundredths % 100;
    if frac != 0 {
        out.push(b'.');
        out.push(b'0' + (frac / 10) as u8);
        if !frac.is_multiple_of(10) {
            out.push(b'0' + (frac % 10) as u8);
        }
    }
    out.push(b'%');
}

/// Appends `n` in decimal digits, without the formatting machinery.
pub(crate) fn write_u32(out: &mut Vec<u8>, mut n: u32) {
    let mut digits = [0u8; 10];
    let mut i = digits.len();
    loop {
        i -= 1;
        digits[i] = b'0' + (n % 10) as u8;
        n /= 10;
        if n == 0 {
            break;
        }
    }
    out.extend_from_slice(&digits[i..]);
}

#[cfg(test)]
mod tests {
    use super::*;

    fn limit(p: u32) -> Action {
        Action::base(Base::Limit {
            hundredths: p * 100,
        })
    }

    fn stop_part(p: u32) -> Action {
        Action::base(Base::StopPart {
            hundredths: p * 100,
            by_line: true,
        })
    }

    #[test]
    fn order_of_production_actions() {
        let chain = [
            Action::base(Base::Voluntary),
            limit(20),
            limit(30),
            stop_part(10),
            stop_part(50),
            Action::base(Base::Stop),
        ];
        for w in chain.windows(2) {
            assert_eq!(
                w[1].strictness_cmp(w[0]),
                Some(Ordering::Greater),
                "{:?} vs {:?}",
                w[1],
                w[0]
            );
            assert_eq!(w[0].strictness_cmp(w[1]), Some(Ordering::Less));
        }
        assert_eq!(
            Action::base(Base::CeaseUse).strictness_cmp(Action::base(Base::Stop)),
            Some(Ordering::Equal)
        );
        assert_eq!(
            Action::NONE.strictness_cmp(Action::base(Base::Voluntary)),
            Some(Ordering::Equal)
        );
        // a ban alone asks more than voluntary reduction
        assert_eq!(
            Action::restriction(0).strictness_cmp(Action::base(Base::Voluntary)),
            Some(Ordering::Greater)
        );
        assert_eq!(
            Action::restriction(0)
                .combine(Action::base(Base::Voluntary))
                .base,
            Base::Voluntary
        );
        assert_eq!(
            Action::base(Base::Voluntary)
                .combine(Action::restriction(0))
                .base,
            Base::Voluntary
        );
    }

    #[test]
    fn restrictions_compare_as_sets() {
        let a = limit(20).combine(Action::restriction(0));
        let b = limit(20);
        assert_eq!(a.strictness_cmp(b), Some(Ordering::Greater));
        // more production limit but a missing restriction: incomparable
        assert_eq!(limit(30).strictness_cmp(a), None);
        let c = Action::restriction(1);
        assert_eq!(Action::restriction(0).strictness_cmp(c), None);
    }

    #[test]
    fn combine_takes_stricter_base_and_union() {
        let a = limit(20).combine(Action::restriction(0));
        let b = stop_part(50).combine(Action::restriction(3));
        let c = a.combine(b);
        assert_eq!(c.base, stop_part(50).base);
        assert_eq!(c.restriction_indices().collect::<Vec<_>>(), [0, 3]);
        assert!(c.at_least_as_strict_as(a) && c.at_least_as_strict_as(b));
        assert_eq!(a.combine(Action::NONE), a);
        assert_eq!(limit(30).combine(limit(20)), limit(30));
    }

    #[test]
    fn text_as_the_policy_writes_it() {
        let names = ["国四重卡禁运", "夜间禁运"];
        let name = |i: usize| names.get(i).copied();
        let part = |h: u32, by_line: bool| {
            Action::base(Base::StopPart {
                hundredths: h,
                by_line,
            })
        };
        let cases = [
            (Action::NONE, "-", "-"),
            (Action::base(Base::Voluntary), "自主减排", "voluntary"),
            (limit(20), "限产 20%", "limit 20%"),
            (
                Action::base(Base::Limit { hundredths: 1250 }),
                "限产 12.5%",
                "limit 12.5%",
            ),
            (part(1205, false), "停产 12.05%", "stop 12.05%"),
            (part(5000, true), "停产 50% 以生产线计", "stop 50% by_line"),
            (Action::base(Base::Stop), "停产", "stop"),
            (Action::base(Base::CeaseUse), "停用", "cease_use"),
            (
                limit(20).combine(Action::restriction(0)),
                "限产 20% + 禁止 国四重卡禁运",
                "limit 20% + ban 国四重卡禁运",
            ),
            (
                Action::restriction(1).combine(Action::restriction(5)),
                "禁止 夜间禁运 + 禁止 ?",
                "ban 夜间禁运 + ban ?",
            ),
        ];
        for (a, zh, en) in cases {
            assert_eq!(a.text(true, name), zh);
            assert_eq!(a.text(false, name), en);
        }
        let mut out = b"x: ".to_vec();
        Action::NONE.write_text(&mut out, true, name);
        assert_eq!(out, b"x: -", "appends, and `-` only for what it wrote");
    }
}
