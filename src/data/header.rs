//! Finding a table's header and mapping its columns to fields, the way an officer's list
//! is kept: title rows above the header, a header over two rows, headers that say the same
//! thing in other words (所属行业 for 行业, 是否涉密 for 涉密), one yes/no column per level.
//!
//! A column maps to a field by, in this order: the mapping file (`--map`), the field's name
//! or a declared alias, a column naming an alert level for the entity's set of levels, or an
//! unambiguous inferred match. The header is the row (or pair of rows) among the first
//! [`SCAN_ROWS`] whose cells map to the most fields.

use super::json::ColumnIndex;
use super::mapping::{ColumnChoice, EntityMap, Mapping};
use super::normalize::{header_core, header_key};
use super::table::ParentLink;
use crate::ir::{FieldType, RuleSet};

/// How many rows from the top of a sheet or file are searched for the header.
pub const SCAN_ROWS: usize = 30;

/// What a column gives.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Target {
    /// A field of the entity.
    Field(usize),
    /// A column for one level of a per-level field: a yes/no for a set of levels (是 puts
    /// the record on it), the action at that level for a per-level action (`按级别 措施`).
    Flag { field: usize, level: u16 },
    /// The parent record's key, for item tables.
    Parent,
    /// Not read.
    Ignored,
}

/// How a column's target was found.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum How {
    /// The field's name.
    Name,
    /// A declared alias.
    Alias,
    /// The header names a level, for the entity's set-of-levels field.
    Level,
    /// Inferred from similar words.
    Inferred,
    /// The mapping file says so.
    Mapped,
    /// `policyc map`'s guess where `eval` would stop: for the officer to check.
    Guessed,
    /// Nothing matched.
    Unmatched,
}

/// One column of the header.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Column {
    /// The header text as the officer wrote it (two header rows joined by a space).
    pub header: String,
    pub target: Target,
    pub how: How,
}

/// A field that more than one column could be, or a column that could be several fields.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Ambiguity {
    pub field: usize,
    pub columns: Vec<String>,
}

/// Columns mapped to the fields of one entity.
#[derive(Debug, Clone)]
pub struct Mapped {
    pub entity: usize,
    pub columns: Vec<Column>,
    pub ambiguous: Vec<Ambiguity>,
    /// How well the row fits as a header: the fields (and levels, and the parent) its
    /// columns give, those found by name or alias counting double.
    pub score: usize,
}

/// The names a field answers to, reduced for comparison.
fn field_keys(rules: &RuleSet, entity: usize, field: usize) -> Vec<String> {
    let f = &rules.entities[entity].fields[field];
    std::iter::once(&f.name)
        .chain(f.aliases.iter())
        .map(|n| header_key(n))
        .collect()
}

/// The set-of-levels fields of an entity.
fn level_set_fields(rules: &RuleSet, entity: usize) -> Vec<usize> {
    rules.entities[entity]
        .fields
        .iter()
        .enumerate()
        .filter(|(_, f)| f.ty == FieldType::Set(None))
        .map(|(i, _)| i)
        .collect()
}

/// The level a header names, if it names exactly one (by name or alias, the longest wins).
fn level_named(rules: &RuleSet, key: &str) -> Option<u16> {
    let mut found: Option<(usize, u16)> = None;
    for (i, l) in rules.levels.iter().enumerate() {
        for n in std::iter::once(l.name.as_str()).chain(l.alias.as_deref()) {
            let n = header_key(n);
            let hit = if n.is_ascii() {
                key.to_ascii_lowercase().contains(&n.to_ascii_lowercase())
            } else {
                key.contains(&n)
            };
            if hit && found.is_none_or(|(len, _)| n.len() > len) {
                found = Some((n.len(), i as u16));
            }
        }
    }
    found.map(|(_, l)| l)
}

/// The set-of-levels field a level column (`红色一厂一策`, `橙色预警是否纳入清单`) is
/// about: the one field whose name or alias the header holds; failing that, when the header
/// speaks of a list, the one field whose own names speak of a list. Two candidates are no
/// answer: the column stays unmatched rather than guessed.
fn level_set_named(
    rules: &RuleSet,
    entity: usize,
    level_sets: &[usize],
    key: &str,
) -> Option<usize> {
    let names: Vec<(usize, Vec<String>)> = level_sets
        .iter()
        .map(|&f| (f, field_keys(rules, entity, f)))
        .collect();
    let only = |hits: Vec<usize>| match hits[..] {
        [f] => Some(f),
        _ => None,
    };
    let named: Vec<usize> = names
        .iter()
        .filter(|(_, ns)| ns.iter().any(|n| key.contains(n.as_str())))
        .map(|(f, _)| *f)
        .collect();
    if !named.is_empty() {
        return only(named);
    }
    if !LIST_WORDS.iter().any(|w| key.contains(w)) {
        return None;
    }
    let lists: Vec<usize> = names
        .iter()
        .filter(|(_, ns)| ns.iter().any(|n| LIST_WORDS.iter().any(|w| n.contains(w))))
        .map(|(f, _)| *f)
        .collect();
    match lists[..] {
        [] if level_sets.len() == 1 => Some(level_sets[0]),
        _ => only(lists),
    }
}

/// The per-level action field (`按级别 措施`) whose name or alias a level column holds, if
/// exactly one does (the longest name wins over a name it contains).
fn level_action_named(rules: &RuleSet, entity: usize, key: &str) -> Option<usize> {
    let mut best: Option<(usize, usize)> = None;
    let mut tie = false;
    for (f, info) in rules.entities[entity].fields.iter().enumerate() {
        if info.ty != (FieldType::Action { per_level: true }) {
            continue;
        }
        let longest = field_keys(rules, entity, f)
            .into_iter()
            .filter(|n| !n.is_empty() && key.contains(n.as_str()))
            .map(|n| n.len())
            .max();
        match (longest, best) {
            (Some(len), Some((b, _))) if len == b => tie = true,
            (Some(len), Some((b, _))) if len < b => {}
            (Some(len), _) => {
                best = Some((len, f));
                tie = false;
            }
            (None, _) => {}
        }
    }
    best.filter(|_| !tie).map(|(_, f)| f)
}

/// Words that tell a level column is about being on a list.
const LIST_WORDS: &[&str] = &["清单", "名单", "纳入", "list"];

/// How well `core` matches one of `names`: 3 exact, 2 the field's name within the header,
/// 1 the header within the field's name; 0 none. Single characters never match partially.
fn similarity(core: &str, names: &[String]) -> usize {
    let mut best = 0;
    for n in names {
        let s = if core == n {
            3
        } else if n.chars().count() >= 2 && core.contains(n.as_str()) {
            2
        } else if core.chars().count() >= 2 && n.contains(core) {
            1
        } else {
            0
        };
        best = best.max(s);
    }
    best
}

/// Maps `names` (one header row, or two joined) to the fields of `entity`.
pub fn map_columns(
    cols: &ColumnIndex,
    entity: usize,
    parent: Option<ParentLink>,
    names: &[String],
    fixed: Option<&EntityMap>,
) -> Mapped {
    let rules = cols.rules();
    let info = &rules.entities[entity];
    let mut columns: Vec<Column> = names
        .iter()
        .map(|h| Column {
            header: h.clone(),
            target: Target::Ignored,
            how: How::Unmatched,
        })
        .collect();
    let mut taken = vec![false; info.fields.len()];
    let level_sets = level_set_fields(rules, entity);
    // The parent's key field's names; the parent entity's own name counts as naming it only
    // when the header is exactly that name (`企业`): `所属企业` more likely holds a name.
    let parent_keys = parent.map(|p| field_keys(rules, p.entity, rules.entities[p.entity].key));
    let parent_name = parent.map(|p| header_key(&rules.entities[p.entity].name));
    // The mapping file, then names and aliases, then level columns.
    for col in columns.iter_mut() {
        let key = header_key(&col.header);
        if key.is_empty() {
            continue;
        }
        if let Some(choice) = fixed.and_then(|m| m.column(&key)) {
            col.how = How::Mapped;
            col.target = match choice {
                ColumnChoice::Field(f) => Target::Field(*f),
                ColumnChoice::Flag(f, l) => Target::Flag {
                    field: *f,
                    level: *l,
                },
                ColumnChoice::Parent => Target::Parent,
                ColumnChoice::Ignore => Target::Ignored,
            };
            if let Target::Field(f) = col.target {
                taken[f] = true;
            }
            continue;
        }
        if let Some(f) = cols.field(entity, &key) {
            // A second column of the same name or alias is kept as a duplicate, which the
            // header refuses: which of the two is right is not ours to guess.
            if matches!(info.fields[f].ty, FieldType::List(_)) {
                continue;
            }
            col.how = if header_key(&info.fields[f].name) == key {
                How::Name
            } else {
                How::Alias
            };
            col.target = Target::Field(f);
            taken[f] = true;
            continue;
        }
        if let (Some(p), Some(keys)) = (parent, &parent_keys) {
            if keys.contains(&key)
                || parent_name.as_deref() == Some(key.as_str())
                || cols.field(p.entity, &key) == Some(rules.entities[p.entity].key)
            {
                col.how = How::Name;
                col.target = Target::Parent;
                continue;
            }
        }
        if let Some(level) = level_named(rules, &key) {
            // `黄色预警一厂一策措施`: a per-level action its header names, before the sets of
            // levels (whose names it may hold too: `一厂一策`).
            let action = level_action_named(rules, entity, &key);
            if let Some(field) =
                action.or_else(|| level_set_named(rules, entity, &level_sets, &key))
            {
                col.how = How::Level;
                col.target = Target::Flag { field, level };
            }
        }
    }
    // Inference for what is left: each unmatched column against the fields not taken.
    let mut prefixes = vec![info.name.as_str()];
    if let Some(p) = parent {
        prefixes.push(rules.entities[p.entity].name.as_str());
    }
    let mut claims: Vec<Vec<usize>> = vec![Vec::new(); info.fields.len()];
    // Columns that may name the parent, with how well.
    let mut parent_claims: Vec<(usize, usize)> = Vec::new();
    // Each field's names as header keys, once per mapping rather than once per column.
    let keys: Vec<Vec<String>> = (0..info.fields.len())
        .map(|f| field_keys(rules, entity, f))
        .collect();
    for (c, col) in columns.iter().enumerate() {
        if col.how != How::Unmatched {
            continue;
        }
        let core = header_core(&col.header, &prefixes);
        if core.is_empty() {
            continue;
        }
        let mut best = (0, Vec::new());
        for (f, field) in info.fields.iter().enumerate() {
            if taken[f] || matches!(field.ty, FieldType::List(_)) {
                continue;
            }
            let s = similarity(&core, &keys[f]);
            if s > best.0 {
                best = (s, vec![f]);
            } else if s > 0 && s == best.0 {
                best.1.push(f);
            }
        }
        if let Some(keys) = &parent_keys {
            let ps = similarity(&core, keys);
            if ps > 0 && ps > best.0 {
                parent_claims.push((ps, c));
                continue;
            }
        }
        match best.1[..] {
            [f] => claims[f].push(c),
            [] => {}
            ref several => {
                for &f in several {
                    claims[f].push(c);
                }
            }
        }
    }
    let mut ambiguous = Vec::new();
    for (f, cs) in claims.iter().enumerate() {
        match cs[..] {
            [] => {}
            [c] if claims
                .iter()
                .enumerate()
                .all(|(g, other)| g == f || !other.contains(&c)) =>
            {
                columns[c].target = Target::Field(f);
                columns[c].how = How::Inferred;
                taken[f] = true;
            }
            _ => ambiguous.push(Ambiguity {
                field: f,
                columns: cs.iter().map(|&c| columns[c].header.clone()).collect(),
            }),
        }
    }
    // The best of the columns that may name the parent, if it is the only one that good.
    let best_parent = parent_claims.iter().map(|(s, _)| *s).max();
    let best: Vec<usize> = parent_claims
        .iter()
        .filter(|(s, _)| Some(*s) == best_parent)
        .map(|(_, c)| *c)
        .collect();
    if let ([c], false) = (
        &best[..],
        columns.iter().any(|c| c.target == Target::Parent),
    ) {
        columns[*c].target = Target::Parent;
        columns[*c].how = How::Inferred;
    }
    // A field found by its name or alias counts twice what an inferred one does, so that a
    // title row joined to the header (which turns names into inferred matches) never wins.
    // Each field and level counts once, however many columns give it (a group cell merged
    // over three columns repeats its text in each).
    let weight = |how: How| match how {
        How::Inferred => 1,
        How::Unmatched => 0,
        _ => 2,
    };
    let mut field_weight = vec![0usize; info.fields.len()];
    let mut level_weight = [0usize; 64];
    let mut parent_weight = 0;
    for col in &columns {
        let w = weight(col.how);
        match col.target {
            Target::Field(f) => field_weight[f] = field_weight[f].max(w),
            Target::Flag { level, .. } => {
                let l = level as usize % 64;
                level_weight[l] = level_weight[l].max(w);
            }
            Target::Parent => parent_weight = parent_weight.max(w),
            Target::Ignored => {}
        }
    }
    let score =
        field_weight.iter().sum::<usize>() + level_weight.iter().sum::<usize>() + parent_weight;
    Mapped {
        entity,
        columns,
        ambiguous,
        score,
    }
}

/// Two header rows read as one: a cell merged over several columns (纳入清单 over 黄色 /
/// 橙色 / 红色) is carried over the columns beneath it, and each column's name is the upper
/// text and the lower one joined, or whichever exists (or both, when they are the same, as
/// a cell merged down over both rows reads).
pub fn join_rows(top: &[String], bottom: &[String]) -> Vec<String> {
    let n = top.len().max(bottom.len());
    let mut out = Vec::with_capacity(n);
    let mut carried = String::new();
    for c in 0..n {
        let t = top.get(c).map(|s| s.trim()).unwrap_or("");
        let b = bottom.get(c).map(|s| s.trim()).unwrap_or("");
        if !t.is_empty() {
            carried = t.to_string();
        } else if b.is_empty() {
            carried.clear();
        }
        let upper = if t.is_empty() { carried.as_str() } else { t };
        out.push(match (upper.is_empty(), b.is_empty()) {
            (_, true) => t.to_string(),
            (true, false) => b.to_string(),
            (false, false) if upper == b => b.to_string(),
            (false, false) => format!("{upper} {b}"),
        });
    }
    out
}

/// Where the header is: the index of its first row among the rows given, how many rows it
/// spans, and its columns mapped.
#[derive(Debug, Clone)]
pub struct Located {
    pub index: usize,
    pub span: usize,
    pub mapped: Mapped,
}

/// Finds the header among `rows` (the first rows of a table as (row number, cell texts),
/// blank rows left out) for the
/// best-fitting of `entities`. `at(entity)` restricts the search for that entity to the row
/// at that index (from `--header-row` or the mapping file). A header must give at least two
/// fields, or all of a smaller entity's.
pub fn locate(
    cols: &ColumnIndex,
    entities: &[(usize, Option<ParentLink>)],
    rows: &[(usize, Vec<String>)],
    at: &dyn Fn(usize) -> Option<usize>,
    fixed: &Mapping,
) -> Option<Located> {
    let rules = cols.rules();
    let mut best: Option<Located> = None;
    for i in 0..rows.len().min(
        SCAN_ROWS.max(
            entities
                .iter()
                .filter_map(|(e, _)| at(*e))
                .max()
                .map_or(0, |m| m + 1),
        ),
    ) {
        for span in [1, 2] {
            if i + span > rows.len() {
                continue;
            }
            let names = if span == 1 {
                rows[i].1.clone()
            } else {
                join_rows(&rows[i].1, &rows[i + 1].1)
            };
            for &(entity, parent) in entities {
                if at(entity).is_some_and(|k| k != i) {
                    continue;
                }
                let mapped = map_columns(cols, entity, parent, &names, fixed.entity(entity));
                let fields = rules.entities[entity].fields.len();
                if mapped.score < 4.min(2 * fields) {
                    continue;
                }
                let better = match &best {
                    None => true,
                    Some(b) => {
                        mapped.score > b.mapped.score
                            // A second row that only repeats the first (cells merged down
                            // over both header rows) belongs to the header.
                            || (mapped.score == b.mapped.score
                                && span == 2
                                && b.index == i
                                && b.span == 1
                                && repeats(&rows[i].1, &rows[i + 1].1))
                    }
                };
                if better {
                    best = Some(Located {
                        index: i,
                        span,
                        mapped,
                    });
                }
            }
        }
    }
    best
}

/// True when every non-empty cell of `lower` repeats the cell above it.
fn repeats(upper: &[String], lower: &[String]) -> bool {
    lower
        .iter()
        .enumerate()
        .all(|(c, t)| t.trim().is_empty() || upper.get(c).is_some_and(|u| u.trim() == t.trim()))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::data::table::{parent_of, tests::beijing};

    fn s(v: &[&str]) -> Vec<String> {
        v.iter().map(|x| x.to_string()).collect()
    }

    #[test]
    fn two_header_rows_read_as_one() {
        let top = s(&["序号", "企业名称", "纳入清单", "", "", "备注"]);
        let bottom = s(&["", "", "黄色", "橙色", "红色", ""]);
        assert_eq!(
            join_rows(&top, &bottom),
            s(&[
                "序号",
                "企业名称",
                "纳入清单 黄色",
                "纳入清单 橙色",
                "纳入清单 红色",
                "备注"
            ])
        );
        // Cells merged down over both rows repeat (as a merge fill reads them).
        let top = s(&["企业名称", "纳入清单", "纳入清单"]);
        let bottom = s(&["企业名称", "黄色", "橙色"]);
        assert_eq!(
            join_rows(&top, &bottom),
            s(&["企业名称", "纳入清单 黄色", "纳入清单 橙色"])
        );
    }

    #[test]
    fn an_officers_headers_map_without_touching_the_plan() {
        let rules = beijing();
        let cols = ColumnIndex::new(&rules);
        let firm = rules.entity_index("企业").unwrap();
        let names = s(&[
            "序号",
            "企业名称",
            "统一社会信用代码",
            "所属行业",
            "绩效等级",
            "是否涉气",
            "黄色预警是否纳入清单",
            "橙色预警是否纳入清单",
            "红色预警是否纳入清单",
            "红色预警一厂一策",
            "保障类别",
            "是否涉密",
            "备注",
        ]);
        let m = map_columns(&cols, firm, None, &names, None);
        let field = |n: &str| {
            rules.entities[firm]
                .fields
                .iter()
                .position(|f| f.name == n)
                .unwrap()
        };
        let target = |h: &str| {
            m.columns
                .iter()
                .find(|c| c.header == h)
                .map(|c| (c.target.clone(), c.how))
                .unwrap()
        };
        assert_eq!(target("序号"), (Target::Ignored, How::Unmatched));
        assert_eq!(target("所属行业").0, Target::Field(field("行业")));
        assert_eq!(target("是否涉气").0, Target::Field(field("涉气排放")));
        assert_eq!(target("是否涉密").0, Target::Field(field("涉密")));
        assert_eq!(
            target("橙色预警是否纳入清单"),
            (
                Target::Flag {
                    field: field("应急减排清单"),
                    level: 1
                },
                How::Level
            )
        );
        // Two fields hold levels: the header that names one goes to it.
        assert_eq!(
            target("红色预警一厂一策").0,
            Target::Flag {
                field: field("一厂一策级别"),
                level: 2
            }
        );
        assert!(m.ambiguous.is_empty(), "{:?}", m.ambiguous);
    }

    #[test]
    fn machinery_headers_find_their_parent() {
        let rules = beijing();
        let cols = ColumnIndex::new(&rules);
        let machine = rules.entity_index("机械").unwrap();
        let link = parent_of(&rules, machine);
        let names = s(&[
            "序号",
            "企业名称",
            "企业信用代码",
            "机械编号",
            "动力类型",
            "排放阶段",
        ]);
        let m = map_columns(&cols, machine, link, &names, None);
        let targets: Vec<&Target> = m.columns.iter().map(|c| &c.target).collect();
        assert_eq!(targets[2], &Target::Parent, "{:?}", m.columns);
        assert!(matches!(targets[3], Target::Field(_)), "{:?}", m.columns);
        assert!(matches!(targets[4], Target::Field(_)), "{:?}", m.columns);
        assert_eq!(targets[1], &Target::Ignored, "{:?}", m.columns);
    }

    #[test]
    fn the_header_is_found_below_title_rows() {
        let rules = beijing();
        let cols = ColumnIndex::new(&rules);
        let firm = rules.entity_index("企业").unwrap();
        let rows: Vec<(usize, Vec<String>)> = [
            s(&["某区2023年重污染天气应急减排清单", "", ""]),
            s(&["填报单位：某区经济和信息化局", "", ""]),
            s(&["企业名称", "统一社会信用代码", "所属行业", "绩效等级"]),
            s(&["甲", "91310110666007217T", "水泥熟料", "B"]),
        ]
        .into_iter()
        .enumerate()
        .map(|(i, r)| (i + 1, r))
        .collect();
        let l = locate(
            &cols,
            &[(firm, None)],
            &rows,
            &|_| None,
            &Mapping::default(),
        )
        .unwrap();
        assert_eq!((l.index, l.span), (2, 1));
    }
}
