//! Measures (levels, subject, condition, wordings, actions, exceptions, replacements and
//! their cycles) and exemptions.

use std::collections::HashMap;

use super::{Cx, Scope};
use crate::diagnostics::{Code, Diagnostic};
use crate::ir::MeasureKind;
use crate::semantics::resolve::SymbolKind;
use crate::semantics::typed::{Exception, Exemption, LevelRange, Measure, Require, Text};
use crate::source::Span;
use crate::syntax::ast::{self, Decl};

impl<'p> Cx<'p> {
    pub(super) fn measures(&mut self) {
        let decls: Vec<&ast::MeasureDecl> = self
            .decls()
            .filter_map(|d| match d {
                Decl::Measure(m) => Some(m),
                _ => None,
            })
            .collect();
        for m in decls {
            if let Some(t) = self.measure(m) {
                self.out.measures.push(t);
            } else {
                // Keep indexes aligned with `measure_index` even for a broken measure.
                self.out.measures.push(Measure {
                    name: m.name.text.clone(),
                    name_span: m.name.span,
                    kind: MeasureKind::Advisory,
                    levels: LevelRange { first: 0, last: 0 },
                    levels_span: m.levels.span,
                    in_force: Vec::new(),
                    entity: 0,
                    item: None,
                    subject_span: m.span,
                    condition: None,
                    condition_span: None,
                    texts: Vec::new(),
                    requires: Vec::new(),
                    exceptions: Vec::new(),
                    cite: None,
                    cites: Vec::new(),
                    non_exemptible_span: m.non_exemptible,
                    replaces: Vec::new(),
                    span: m.span,
                });
            }
        }
        self.replacements();
    }

    /// E0219: measures that replace each other in a cycle (`甲 替代 乙`, `乙 替代 甲`, or
    /// longer). Each would take the other out of force, so neither would bind anyone.
    /// One diagnostic per cycle (strongly connected component), found in time linear in the
    /// measures and replacements, without recursion. Replacing oneself is E0313.
    pub(super) fn replacement_cycles(&mut self) {
        let edges: Vec<Vec<(usize, Span)>> = self
            .out
            .measures
            .iter()
            .enumerate()
            .map(|(i, m)| {
                m.replaces
                    .iter()
                    .copied()
                    .filter(|(o, _)| *o != i)
                    .collect()
            })
            .collect();
        for component in strongly_connected(&edges) {
            let cycle = cycle_in(&edges, &component);
            if cycle.is_empty() {
                continue;
            }
            let names: Vec<&str> = cycle
                .iter()
                .map(|(m, _)| self.out.measures[*m].name.as_str())
                .collect();
            let mut path = names.join(" → ");
            path.push_str(" → ");
            path.push_str(names[0]);
            let mut d = Diagnostic::new(
                Code::E0219,
                format!("measures replace each other in a cycle: {path}"),
            )
            .primary(
                cycle[0].1,
                format!("`{}` replaces `{}` here", names[0], names[1 % names.len()]),
            );
            for (k, (_, span)) in cycle.iter().enumerate().skip(1).take(16) {
                d = d.secondary(
                    *span,
                    format!("`{}` replaces `{}`", names[k], names[(k + 1) % names.len()]),
                );
            }
            if cycle.len() > 17 {
                d = d.note(format!(
                    "{} more replacements close the cycle",
                    cycle.len() - 17
                ));
            }
            if component.len() > cycle.len() {
                d = d.note(format!(
                    "{} measures replace one another through cycles like this one",
                    component.len()
                ));
            }
            self.err(d.help(
                "a replacement takes over from the measure it names at its own levels; in a cycle each takes the other out of force and no record is bound. Remove the `替代` of the measure that does not take over",
            ));
        }
    }

    /// From the levels where a measure is in force, the measures it replaces (`替代`) are not.
    pub(super) fn replacements(&mut self) {
        self.replacement_cycles();
        // A measure with an error (nothing in force) takes nothing out of force.
        let pairs: Vec<(usize, LevelRange, usize)> = self
            .out
            .measures
            .iter()
            .enumerate()
            .filter(|(_, m)| !m.in_force.is_empty())
            .flat_map(|(r, m)| m.replaces.iter().map(move |(old, _)| (r, m.levels, *old)))
            .collect();
        for (r, levels, old) in pairs {
            if r != old {
                if let Some(m) = self.out.measures.get_mut(old) {
                    m.in_force = without(&m.in_force, levels);
                }
            }
        }
    }

    pub(super) fn measure(&mut self, m: &'p ast::MeasureDecl) -> Option<Measure> {
        let range = self.level_range(&m.levels);
        let subject = self.subject(&m.subjects, &m.name, true);
        let (Some(range), Some((entity, item, subj))) = (range, subject) else {
            return None;
        };
        let mut scope = Scope {
            frames: vec![entity],
        };
        if let Some(item) = item {
            scope.frames.push(item.entity);
        }
        let mut ok = true;
        let condition = match &subj.condition {
            Some(c) => {
                let typed = self.expr(c, &scope);
                ok &= typed.is_some();
                typed
            }
            None => None,
        };
        let texts = self.level_texts(&m.texts, range, &m.levels, &mut ok);
        let cites = self.level_texts(&m.cites, range, &m.levels, &mut ok);
        let mut requires = Vec::new();
        for r in &m.requires {
            let Some(levels) = self.sub_range(r.levels.as_ref(), range, &m.levels) else {
                ok = false;
                continue;
            };
            let Some(action) = self.action(&r.action, Some(&scope)) else {
                ok = false;
                continue;
            };
            let lookup_spans = r
                .action
                .terms
                .iter()
                .filter(|t| matches!(t.kind, ast::ActionTermKind::Lookup { .. }))
                .map(|t| t.span)
                .collect();
            requires.push(Require {
                levels,
                action,
                lookup_spans,
                span: r.span,
            });
        }
        let mut exceptions = Vec::new();
        for (i, x) in m.exceptions.iter().enumerate() {
            let twin = x.name.as_ref().and_then(|n| {
                m.exceptions[..i]
                    .iter()
                    .filter_map(|o| o.name.as_ref())
                    .find(|o| o.text == n.text)
                    .map(|o| (n, o))
            });
            if let Some((n, first)) = twin {
                self.err(
                    Diagnostic::new(
                        Code::E0102,
                        format!(
                            "measure `{}` has two exceptions named `{}`",
                            m.name.text, n.text
                        ),
                    )
                    .primary(n.span, "second exception of this name")
                    .secondary(first.span, "first named here")
                    .help("outputs name an exception by its name: give each its own"),
                );
                ok = false;
            }
            match self.expr(&x.condition, &scope) {
                Some(condition) => exceptions.push(Exception {
                    name: x.name.as_ref().map(|n| n.text.clone()),
                    condition,
                    cite: x.cite.as_ref().map(|c| c.value.clone()),
                    span: x.span,
                }),
                None => ok = false,
            }
        }
        let mut replaces = Vec::new();
        for r in &m.replaces {
            match self.measure_index.get(r.text.as_str()) {
                Some(i) => replaces.push((*i, r.span)),
                None => {
                    let d = match self.prog.lookup(&r.text) {
                        Some(s) => self.wrong_kind(r, s.kind, "a measure"),
                        None => self.unknown_name(
                            &r.text,
                            r.span,
                            "measure",
                            &self.names_of(SymbolKind::Measure),
                        ),
                    };
                    self.err(d);
                    ok = false;
                }
            }
        }
        ok.then(|| Measure {
            name: m.name.text.clone(),
            name_span: m.name.span,
            kind: measure_kind(m.kind),
            levels: range,
            levels_span: m.levels.span,
            in_force: vec![range],
            entity,
            item,
            subject_span: subj.span,
            condition,
            condition_span: subj.condition.as_ref().map(|c| c.span),
            texts,
            requires,
            exceptions,
            cite: joined(m.cites.iter().map(|c| &c.text)),
            cites,
            non_exemptible_span: m.non_exemptible,
            replaces,
            span: m.span,
        })
    }

    /// `内容` or `依据` lines with their levels, each inside the measure's (`ok` false for
    /// one that is not).
    fn level_texts(
        &mut self,
        items: &[ast::TextItem],
        measure: LevelRange,
        measure_range: &ast::LevelRange,
        ok: &mut bool,
    ) -> Vec<Text> {
        let mut out = Vec::new();
        for t in items {
            match self.sub_range(t.levels.as_ref(), measure, measure_range) {
                Some(levels) => out.push(Text {
                    levels,
                    text: t.text.value.clone(),
                }),
                None => *ok = false,
            }
        }
        out
    }

    /// The levels a `内容`/`要求` line covers: its own range, which must lie inside the measure's.
    pub(super) fn sub_range(
        &mut self,
        r: Option<&ast::LevelRange>,
        measure: LevelRange,
        measure_range: &ast::LevelRange,
    ) -> Option<LevelRange> {
        let Some(r) = r else {
            return Some(measure);
        };
        let range = self.level_range(r)?;
        if !measure.covers(range) {
            self.err(
                Diagnostic::new(
                    Code::E0212,
                    "this line covers levels at which the measure is not in force",
                )
                .primary(r.span, "outside the measure's levels")
                .secondary(measure_range.span, "the measure's levels")
                .help("widen the measure's level range or narrow this line's"),
            );
            return None;
        }
        Some(range)
    }

    pub(super) fn exemptions(&mut self) {
        let decls: Vec<&ast::ExemptionDecl> = self
            .decls()
            .filter_map(|d| match d {
                Decl::Exemption(e) => Some(e),
                _ => None,
            })
            .collect();
        for x in decls {
            let subject = self.subject(&x.subjects, &x.name, false);
            let mut lifts = Vec::new();
            for l in &x.lifts {
                match self.measure_index.get(l.text.as_str()) {
                    Some(i) => lifts.push((*i, l.span)),
                    None => {
                        let d = match self.prog.lookup(&l.text) {
                            Some(s) => self.wrong_kind(l, s.kind, "a measure"),
                            None => self.unknown_name(
                                &l.text,
                                l.span,
                                "measure",
                                &self.names_of(SymbolKind::Measure),
                            ),
                        };
                        self.err(d);
                    }
                }
            }
            let Some((entity, _, subj)) = subject else {
                continue;
            };
            let scope = Scope {
                frames: vec![entity],
            };
            let condition = match &subj.condition {
                Some(c) => match self.expr(c, &scope) {
                    Some(e) => Some(e),
                    None => continue,
                },
                None => None,
            };
            self.out.exemptions.push(Exemption {
                name: x.name.text.clone(),
                name_span: x.name.span,
                entity,
                subject_span: subj.span,
                condition,
                condition_span: subj.condition.as_ref().map(|c| c.span),
                lifts,
                cite: joined(&x.cites),
                span: x.span,
            });
        }
    }
}

/// Citations as one text, `；` between them; `None` without any.
pub(super) fn joined<'a>(cites: impl IntoIterator<Item = &'a ast::Str>) -> Option<String> {
    let all: Vec<&str> = cites.into_iter().map(|c| c.value.as_str()).collect();
    (!all.is_empty()).then(|| all.join(crate::semantics::typed::CITE_SEPARATOR))
}

/// The levels of `ranges` outside `cut`, in order.
fn without(ranges: &[LevelRange], cut: LevelRange) -> Vec<LevelRange> {
    let mut out = Vec::new();
    for &r in ranges {
        if r.last < cut.first || cut.last < r.first {
            out.push(r);
            continue;
        }
        if r.first < cut.first {
            out.push(LevelRange {
                first: r.first,
                last: cut.first - 1,
            });
        }
        if cut.last < r.last {
            out.push(LevelRange {
                first: cut.last + 1,
                last: r.last,
            });
        }
    }
    out
}

/// The strongly connected components with more than one node of the graph `edges[node] =
/// [(successor, _)]` (Tarjan's algorithm with an explicit stack), each sorted, in the order
/// of their smallest node.
fn strongly_connected<T>(edges: &[Vec<(usize, T)>]) -> Vec<Vec<usize>> {
    const NONE: usize = usize::MAX;
    let n = edges.len();
    let mut index = vec![NONE; n];
    let mut low = vec![0usize; n];
    let mut on_stack = vec![false; n];
    let mut stack: Vec<usize> = Vec::new();
    let mut next = 0usize;
    let mut out = Vec::new();
    // (node, position of the next edge to follow)
    let mut work: Vec<(usize, usize)> = Vec::new();
    for root in 0..n {
        if index[root] != NONE {
            continue;
        }
        work.push((root, 0));
        while let Some(&mut (v, ref mut e)) = work.last_mut() {
            if *e == 0 && index[v] == NONE {
                index[v] = next;
                low[v] = next;
                next += 1;
                stack.push(v);
                on_stack[v] = true;
            }
            if let Some(&(w, _)) = edges[v].get(*e) {
                *e += 1;
                if w >= n {
                    continue;
                }
                if index[w] == NONE {
                    work.push((w, 0));
                } else if on_stack[w] {
                    low[v] = low[v].min(index[w]);
                }
                continue;
            }
            work.pop();
            if let Some(&(parent, _)) = work.last() {
                low[parent] = low[parent].min(low[v]);
            }
            if low[v] == index[v] {
                let mut component = Vec::new();
                while let Some(w) = stack.pop() {
                    on_stack[w] = false;
                    component.push(w);
                    if w == v {
                        break;
                    }
                }
                if component.len() > 1 {
                    component.sort_unstable();
                    out.push(component);
                }
            }
        }
    }
    out.sort_by_key(|c| c[0]);
    out
}

/// One cycle through the smallest node of a strongly connected `component`: each node with
/// the payload of the edge that leaves it along the cycle. A breadth-first search inside the
/// component, so the cycle is a shortest one through that node.
fn cycle_in<T: Copy>(edges: &[Vec<(usize, T)>], component: &[usize]) -> Vec<(usize, T)> {
    let start = component[0];
    let inside = |v: usize| component.binary_search(&v).is_ok();
    // For each reached node: the node it was reached from and the edge's payload.
    let mut came: HashMap<usize, (usize, T)> = HashMap::new();
    let mut queue = std::collections::VecDeque::from([start]);
    let mut last = None;
    'search: while let Some(v) = queue.pop_front() {
        for &(w, payload) in &edges[v] {
            if !inside(w) {
                continue;
            }
            if w == start {
                last = Some((v, payload));
                break 'search;
            }
            if let std::collections::hash_map::Entry::Vacant(slot) = came.entry(w) {
                slot.insert((v, payload));
                queue.push_back(w);
            }
        }
    }
    // Walk back from the node whose edge closes the cycle at `start`.
    let Some((mut v, mut payload)) = last else {
        return Vec::new();
    };
    let mut cycle = Vec::new();
    loop {
        cycle.push((v, payload));
        if v == start {
            break;
        }
        (v, payload) = came[&v];
    }
    cycle.reverse();
    cycle
}

fn measure_kind(kind: ast::MeasureKind) -> MeasureKind {
    match kind {
        ast::MeasureKind::Advisory => MeasureKind::Advisory,
        ast::MeasureKind::Mandatory => MeasureKind::Mandatory,
    }
}

#[cfg(test)]
mod tests {
    use super::super::codes;
    use super::{cycle_in, strongly_connected, without};
    use crate::diagnostics::Code;
    use crate::semantics::typed::LevelRange;

    #[test]
    fn a_replacement_takes_its_levels_out_of_the_ranges() {
        let r = |first, last| LevelRange { first, last };
        assert_eq!(without(&[r(0, 3)], r(1, 2)), [r(0, 0), r(3, 3)]);
        assert_eq!(without(&[r(0, 3)], r(0, 1)), [r(2, 3)]);
        assert_eq!(without(&[r(0, 3)], r(2, 5)), [r(0, 1)]);
        assert_eq!(without(&[r(1, 2)], r(0, 3)), []);
        assert_eq!(without(&[r(0, 0), r(3, 4)], r(1, 2)), [r(0, 0), r(3, 4)]);
        assert_eq!(without(&[r(0, 1), r(3, 4)], r(1, 3)), [r(0, 0), r(4, 4)]);
    }

    #[test]
    fn cycles_of_any_length_are_found_once_each() {
        let e = |v: &[&[usize]]| -> Vec<Vec<(usize, ())>> {
            v.iter()
                .map(|s| s.iter().map(|&w| (w, ())).collect())
                .collect()
        };
        // 0 → 1 → 0, 2 → 3 → 4 → 2, 5 → 0 (into a cycle but not on one), 6 alone.
        let g = e(&[&[1], &[0], &[3], &[4], &[2], &[0], &[]]);
        assert_eq!(strongly_connected(&g), [vec![0, 1], vec![2, 3, 4]]);
        let cycle: Vec<usize> = cycle_in(&g, &[2, 3, 4]).iter().map(|c| c.0).collect();
        assert_eq!(cycle, [2, 3, 4]);
        assert!(strongly_connected(&e(&[&[1], &[2], &[]])).is_empty());
        // A chain of 100,000 replacements closed into one cycle: no recursion, one component.
        let n = 100_000;
        let long: Vec<Vec<(usize, ())>> = (0..n).map(|i| vec![((i + 1) % n, ())]).collect();
        let found = strongly_connected(&long);
        assert_eq!(found.len(), 1);
        assert_eq!(cycle_in(&long, &found[0]).len(), n);
    }

    #[test]
    fn a_replacement_cycle_is_an_error_and_a_chain_is_not() {
        let schema = "预警级别 { 黄色 < 橙色 < 红色 }\n实体 厂 键 名 { 名: 文本 }\n";
        let two = format!(
            "{schema}措施 a 强制性 自 黄色 {{ 对象 厂 要求 停产 替代 b 依据 \"1\" }}
措施 b 强制性 自 黄色 {{ 对象 厂 要求 停产 替代 a 依据 \"1\" }}"
        );
        assert_eq!(codes(&two), [Code::E0219]);
        let chain = format!(
            "{schema}措施 a 强制性 黄色 {{ 对象 厂 要求 限产 10% 依据 \"1\" }}
措施 b 强制性 自 橙色 {{ 对象 厂 要求 限产 20% 替代 a 依据 \"1\" }}
措施 c 强制性 红色 {{ 对象 厂 要求 停产 替代 b 依据 \"1\" }}"
        );
        assert_eq!(codes(&chain), [] as [&str; 0]);
    }
}
