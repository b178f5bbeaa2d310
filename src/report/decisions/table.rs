//! A text report for reading in a terminal: one block per record and level.

use std::fmt::Write as _;

use super::{
    action_text, kind_text, level_name, not_encoded_text, outcome_text, status_text, subject,
    ActionText, EffectiveText, Fmt,
};
use crate::data::LoadedRecord;
use crate::eval::census::CensusReport;
use crate::eval::explain::{Explanation, LiftingKind, Outcome};
use crate::eval::run::{Counts, ErrorEntry, OutputFormat};
use crate::eval::{Decision, Entry, Evaluator, Status};
use crate::ir::RuleSet;
use crate::messages::{m, Lang};
use crate::report::terminal::{clean, clean_tail};
use crate::report::words::LiftingWords;

pub struct Table<'a> {
    rules: &'a RuleSet,
    explain: Option<&'a Evaluator<'a>>,
    lang: Lang,
    words: LiftingWords,
}

impl<'a> Table<'a> {
    /// `explain`: add why each measure applies or not (`--explain`).
    pub fn new(rules: &'a RuleSet, explain: Option<&'a Evaluator<'a>>, lang: Lang) -> Self {
        Table {
            rules,
            explain,
            lang,
            words: LiftingWords::new(rules),
        }
    }
}

impl OutputFormat for Table<'_> {
    fn result(&self, out: &mut Vec<u8>, rec: &LoadedRecord, level: usize, d: &Decision) {
        let start = out.len();
        self.block(out, rec, level, d);
        // Data may hold terminal escapes or bidirectional controls: shown, not obeyed.
        clean_tail(out, start);
    }

    fn inline_error(&self, out: &mut Vec<u8>, error: &ErrorEntry) {
        let start = out.len();
        let e = &error.error;
        let mut w = Fmt(out);
        let _ = write!(w, "{} {} ", m::OUT_ERROR.text(self.lang), clean(&e.entity));
        if let Some(k) = &e.key {
            let _ = write!(w, "{} ", clean(k));
        }
        if let Some(l) = error.level {
            let _ = write!(w, "@ {} ", level_name(self.rules, l));
        }
        let _ = write!(w, "({}:{}", clean(&e.file), e.row);
        if let Some(s) = &e.sheet {
            let _ = write!(w, " [{}]", clean(s));
        }
        if let Some(c) = &e.column {
            let _ = write!(w, ", {}", clean(c));
        }
        let _ = writeln!(w, "): {}", clean(&e.message));
        clean_tail(out, start);
    }

    fn end(
        &self,
        out: &mut Vec<u8>,
        _errors: &[ErrorEntry],
        warnings: &[String],
        _c: &Counts,
        census: Option<&CensusReport>,
    ) {
        let start = out.len();
        let mut w = Fmt(out);
        // Notes and warnings come worded and marked (提示：…, warning: …) from the catalogue.
        for warning in warnings {
            let _ = writeln!(w, "{warning}");
        }
        // The summary goes to standard error at the end of every run, not here as well.
        clean_tail(out, start);
        if let Some(report) = census {
            crate::report::census::write_text(out, self.rules, report, self.lang);
        }
    }
}

impl Table<'_> {
    /// One record's block at one level.
    fn block(&self, out: &mut Vec<u8>, rec: &LoadedRecord, level: usize, d: &Decision) {
        let rules = self.rules;
        let zh = rules.chinese;
        let mut w = Fmt(out);
        let _ = writeln!(
            w,
            "{} {} @ {}",
            rules.entities[rec.entity].name,
            clean(&rec.key),
            level_name(rules, level)
        );
        let effective = EffectiveText {
            rules,
            lang: self.lang,
            decision: d,
            none: "-",
        };
        let _ = writeln!(
            w,
            "  {}: {effective}",
            if zh { "综合要求" } else { "effective" },
        );
        for e in &d.entries {
            let m = &rules.measures[e.measure as usize];
            let _ = write!(
                w,
                "  - {} [{}] {}: ",
                m.name,
                kind_text(m.kind, self.lang),
                subject(rules, rec, e)
            );
            match e.action {
                Some(a) => write!(w, "{}", ActionText(rules, a)),
                None => w.write_str("-"),
            }
            .ok();
            match (self.words.of(e.measure as usize, e.status), e.status) {
                (_, Status::NotEncoded { table, variant }) => write!(
                    w,
                    " | {}",
                    not_encoded_text(rules, self.lang, table, variant)
                ),
                (None, status) => write!(w, " | {}", status_text(status, self.lang)),
                (Some(x), status) => write!(w, " | {} {}", status_text(status, self.lang), x.cell),
            }
            .ok();
            let _ = writeln!(w, " | {}", m.cite_at(level).unwrap_or("-"));
        }
        if let Some(ev) = self.explain {
            table_explanations(
                &mut w,
                rules,
                self.lang,
                &self.words,
                rec,
                level,
                &ev.explain_record(rec, level),
            );
        }
    }
}

fn table_explanations(
    w: &mut Fmt<'_>,
    rules: &RuleSet,
    lang: Lang,
    words: &LiftingWords,
    rec: &LoadedRecord,
    level: usize,
    list: &[Explanation],
) {
    let zh = rules.chinese;
    let _ = writeln!(w, "  {}:", if zh { "说明" } else { "why" });
    for ex in list {
        let m = &rules.measures[ex.measure];
        let who = match ex.item {
            Some(i) => subject(
                rules,
                rec,
                &Entry {
                    measure: ex.measure as u32,
                    item: Some(i),
                    status: Status::Applies,
                    action: None,
                },
            )
            .to_string(),
            None => rec.key.clone(),
        };
        let outcome = match (&ex.outcome, zh) {
            (Outcome::Applies, true) => "适用",
            (Outcome::Exempt, true) => "豁免",
            (Outcome::NotInForce, true) => "本级别不实施",
            (Outcome::ConditionFalse, true) => "条件不满足",
            (Outcome::NoItems, true) => "无对象",
            (Outcome::NotEncoded, true) => "未编码",
            (o, false) => outcome_text(o),
        };
        let _ = write!(w, "    {} {}: {outcome}", m.name, who);
        if !ex.values.is_empty() {
            let vals: Vec<String> = ex
                .values
                .iter()
                .map(|v| format!("{} = {}", v.field, v.value))
                .collect();
            let _ = write!(w, " ({})", vals.join(", "));
        }
        // A measure not in force at the level still says which clauses it rests on.
        let cite = m.cite_at(level).or(m.cite.as_deref());
        let _ = writeln!(w, " [{}]", cite.unwrap_or("-"));
        for c in &ex.cells {
            let cell = match (c.action, c.not_encoded) {
                (_, true) => crate::msg!(
                    lang,
                    EVAL_NOT_ENCODED,
                    c.keys.first().map_or("?", String::as_str)
                ),
                (Some(a), false) => action_text(rules, a),
                (None, false) => "(no cell)".into(),
            };
            let dflt = if c.from_default {
                if zh {
                    " (默认)"
                } else {
                    " (default)"
                }
            } else {
                ""
            };
            let _ = writeln!(w, "      {}[{}] = {cell}{dflt}", c.table, c.keys.join(", "));
        }
        for l in &ex.liftings {
            let held = match (l.held, zh) {
                (true, true) => "成立",
                (false, true) => "不成立",
                (true, false) => "holds",
                (false, false) => "does not hold",
            };
            let vals: Vec<String> = l
                .values
                .iter()
                .map(|v| format!("{} = {}", v.field, v.value))
                .collect();
            let kind = match (l.kind, zh) {
                (LiftingKind::Exception, true) => "除外",
                (LiftingKind::Exemption, true) => "豁免",
                (k, false) => k.as_str(),
            };
            let name = lifting_name(words, ex.measure, l);
            let _ = writeln!(
                w,
                "      {kind} {name}: {held} ({}) [{}]",
                vals.join(", "),
                l.cite.as_deref().unwrap_or("-")
            );
        }
    }
}

/// A checked lifting of an explanation in words (its id only if the rule set lacks it).
pub(crate) fn lifting_name<'w>(
    words: &'w LiftingWords,
    measure: usize,
    l: &'w crate::eval::explain::Lifting,
) -> &'w str {
    let found = match l.kind {
        LiftingKind::Exception => words.exception(measure, l.index),
        LiftingKind::Exemption => words.exemption(l.index),
    };
    // A validated rule set has every index; an unknown one reads as nothing.
    found.map(|x| x.name.as_str()).unwrap_or("")
}
