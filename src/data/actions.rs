//! An action field's cell (`限产 30%`, `停产 50% 以生产线计`, `停用`) → the action, read the way
//! a measure's `要求` is written: the keywords in either language, terms joined by `+`
//! (or `、` `;`), spaces optional, full-width characters folded. A cell that does not read
//! so — prose such as "错峰生产，减少运输" — is kept as text for an audit to report, never
//! guessed at.

use crate::ir::{Action, Base, RuleSet, Value};
use crate::keywords::{Keyword, BAN, BY_LINE, CEASE_USE, LIMIT, STOP, VOLUNTARY};

/// The value of an action field's cell: the action `folded` (the cell folded, not empty)
/// writes, or the cell's text as written when it does not read as one.
pub fn action_cell(rules: &RuleSet, folded: &str, written: &str) -> Value {
    match parse_action(rules, folded) {
        Some(a) => Value::Action(a),
        None => Value::ActionText(written.into()),
    }
}

/// The action `text` writes, if it writes one.
pub fn parse_action(rules: &RuleSet, text: &str) -> Option<Action> {
    let mut action: Option<Action> = None;
    for term in text.split(['+', '、', ';']) {
        let term = term.trim();
        if term.is_empty() {
            return None;
        }
        let a = parse_term(rules, term)?;
        action = Some(action.map_or(a, |x| x.combine(a)));
    }
    action
}

fn parse_term(rules: &RuleSet, term: &str) -> Option<Action> {
    if let Some(rest) = keyword(term, VOLUNTARY) {
        return rest
            .trim()
            .is_empty()
            .then_some(Action::base(Base::Voluntary));
    }
    if let Some(rest) = keyword(term, CEASE_USE) {
        return rest
            .trim()
            .is_empty()
            .then_some(Action::base(Base::CeaseUse));
    }
    if let Some(rest) = keyword(term, LIMIT) {
        let (hundredths, rest) = percent(rest.trim_start())?;
        return rest
            .trim()
            .is_empty()
            .then_some(Action::base(Base::Limit { hundredths }));
    }
    if let Some(rest) = keyword(term, STOP) {
        let rest = rest.trim_start();
        if rest.is_empty() {
            return Some(Action::base(Base::Stop));
        }
        // `停产 50% 以生产线计`, also `停产 50%（以生产线计）` and `停产（以生产线计）50%`.
        let (early, rest) = by_line(rest);
        let (hundredths, rest) = percent(rest.trim_start())?;
        let (late, rest) = by_line(rest.trim_start());
        return rest
            .trim()
            .is_empty()
            .then_some(Action::base(Base::StopPart {
                hundredths,
                by_line: early || late,
            }));
    }
    if let Some(rest) = keyword(term, BAN) {
        let name = rest.trim();
        let index = rules.restrictions.iter().position(|r| r.name == name)?;
        return (index < 64).then(|| Action::restriction(index));
    }
    None
}

/// The rest of `text` after one of the keyword's spellings (English ones in any case).
fn keyword(text: &str, k: Keyword) -> Option<&str> {
    k.spellings().find_map(|s| {
        let head = text.get(..s.len())?;
        let hit = if s.is_ascii() {
            head.eq_ignore_ascii_case(s)
        } else {
            head == s
        };
        hit.then(|| &text[s.len()..])
    })
}

/// `以生产线计` at the start of `text`, bare or in brackets.
fn by_line(text: &str) -> (bool, &str) {
    let inner = text
        .strip_prefix('(')
        .and_then(|t| keyword(t.trim_start(), BY_LINE))
        .and_then(|t| t.trim_start().strip_prefix(')'));
    match inner.or_else(|| keyword(text, BY_LINE)) {
        Some(rest) => (true, rest),
        None => (false, text),
    }
}

/// A percentage (`30%`, `12.5%`) at the start of `text`, in hundredths, at most 100%.
fn percent(text: &str) -> Option<(u32, &str)> {
    let digits = text
        .find(|c: char| !(c.is_ascii_digit() || c == '.'))
        .unwrap_or(text.len());
    let (number, rest) = text.split_at(digits);
    let rest = rest.trim_start().strip_prefix('%')?;
    let (whole, frac) = number.split_once('.').unwrap_or((number, ""));
    if whole.is_empty() || whole.len() > 3 || frac.len() > 2 || frac.contains('.') {
        return None;
    }
    let whole: u32 = whole.parse().ok()?;
    let frac: u32 = match frac.len() {
        0 => 0,
        1 => frac.parse::<u32>().ok()? * 10,
        _ => frac.parse().ok()?,
    };
    let hundredths = whole * 100 + frac;
    (hundredths <= 10_000).then_some((hundredths, rest))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::ir::RestrictionInfo;

    fn rules() -> RuleSet {
        let mut r: RuleSet = serde_json::from_str(
            r#"{"plan":null,"levels":[],"enums":[],"entities":[],"restrictions":[],
                "tables":[],"measures":[],"exemptions":[],"chinese":true}"#,
        )
        .unwrap();
        r.restrictions.push(RestrictionInfo {
            name: "国四重卡禁运".into(),
            wording: String::new(),
        });
        r
    }

    fn read(text: &str) -> Option<Action> {
        parse_action(&rules(), &crate::data::normalize::fold(text))
    }

    #[test]
    fn cells_read_as_a_measure_writes_its_action() {
        let limit = |h| Some(Action::base(Base::Limit { hundredths: h }));
        assert_eq!(read("限产 30%"), limit(3000));
        assert_eq!(read("限产30％"), limit(3000), "full width, no space");
        assert_eq!(read("LIMIT 12.5%"), limit(1250));
        assert_eq!(read("停产"), Some(Action::base(Base::Stop)));
        assert_eq!(read("停用"), Some(Action::base(Base::CeaseUse)));
        assert_eq!(read("自主减排"), Some(Action::base(Base::Voluntary)));
        let part = Some(Action::base(Base::StopPart {
            hundredths: 5000,
            by_line: true,
        }));
        assert_eq!(read("停产 50% 以生产线计"), part);
        assert_eq!(read("停产50%（以生产线计）"), part);
        assert_eq!(read("停产（以生产线计）50%"), part);
        assert_eq!(
            read("停产 50%"),
            Some(Action::base(Base::StopPart {
                hundredths: 5000,
                by_line: false
            }))
        );
        assert_eq!(
            read("限产 20% + 禁止 国四重卡禁运"),
            Some(Action {
                base: Base::Limit { hundredths: 2000 },
                restrictions: 1
            })
        );
        assert_eq!(
            read("限产20%、禁止国四重卡禁运"),
            read("限产 20% + 禁止 国四重卡禁运")
        );
    }

    #[test]
    fn prose_and_near_misses_are_not_actions() {
        for text in [
            "错峰生产",
            "限产",
            "限产 30",
            "限产 120%",
            "限产 30% 左右",
            "限产 1.234%",
            "限产 .5%",
            "限产 30% +",
            "禁止 国五重卡禁运",
            "停产 50% 以生产线计 以生产线计",
            "停用 30%",
            "自主减排，加强管理",
        ] {
            assert_eq!(read(text), None, "{text}");
        }
        assert_eq!(
            action_cell(&rules(), "错峰生产,减少运输", "错峰生产，减少运输"),
            Value::ActionText("错峰生产，减少运输".into())
        );
    }

    fn base_strategy() -> impl proptest::strategy::Strategy<Value = Base> {
        use proptest::prelude::*;
        prop_oneof![
            Just(Base::None),
            Just(Base::Voluntary),
            (0u32..=10_000).prop_map(|hundredths| Base::Limit { hundredths }),
            (0u32..=10_000, any::<bool>()).prop_map(|(hundredths, by_line)| Base::StopPart {
                hundredths,
                by_line
            }),
            Just(Base::Stop),
            Just(Base::CeaseUse),
        ]
    }

    proptest::proptest! {
        #![proptest_config(proptest::prelude::ProptestConfig::with_cases(512))]

        /// Any text is read without a panic: an action, or kept as prose.
        #[test]
        fn any_cell_text_reads_without_panic(text in "\\PC{0,40}") {
            let rules = rules();
            let folded = crate::data::normalize::fold(&text);
            let _ = action_cell(&rules, &folded, &text);
        }

        /// An action written as policyc writes it, in either language, reads back as itself.
        #[test]
        fn every_action_reads_back_from_its_text(
            base in base_strategy(),
            restricted: bool,
            zh: bool,
        ) {
            let rules = rules();
            let action = Action { base, restrictions: u64::from(restricted) };
            proptest::prop_assume!(action != Action::NONE);
            let text = action.text(zh, |r| rules.restrictions.get(r).map(|x| x.name.as_str()));
            proptest::prop_assert_eq!(parse_action(&rules, &text), Some(action), "{}", text);
        }
    }
}
