//! Tables with a header row, shared by CSV files and XLSX sheets: header texts → fields
//! (by name or declared alias), and one row of cell texts → one typed record.

use super::json::ColumnIndex;
use super::source::LoadError;
use super::values::{expected, parse_cell};
use crate::ir::{FieldType, Record, RuleSet, Value};

/// Why one row did not become a record: the column (header text) if one cell is to blame.
#[derive(Debug, Clone, PartialEq)]
pub struct BadRow {
    pub column: Option<String>,
    pub message: String,
}

/// The cells of one row, however the format stores them.
pub trait Cells {
    fn count(&self) -> usize;
    /// The text of cell `i` (`""` past the end); an error when the bytes are not text.
    fn text(&self, i: usize) -> Result<&str, String>;
}

impl<S: AsRef<str>> Cells for Vec<S> {
    fn count(&self) -> usize {
        self.len()
    }
    fn text(&self, i: usize) -> Result<&str, String> {
        Ok(self.get(i).map(AsRef::as_ref).unwrap_or(""))
    }
}

/// One row read from a table: its row number, raw key and parent-key texts, and the record
/// (list fields empty; item tables fill them in).
#[derive(Debug)]
pub struct TableRow {
    pub row: usize,
    pub key: Option<String>,
    pub parent: Option<String>,
    pub result: Result<Record, BadRow>,
}

/// The entity and list field that items of an item table belong to.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ParentLink {
    pub entity: usize,
    pub field: usize,
}

/// The list field (and its entity) whose items are records of `entity`, if any: the first
/// field of type `列表 entity` in declaration order.
pub fn parent_of(rules: &RuleSet, entity: usize) -> Option<ParentLink> {
    rules.entities.iter().enumerate().find_map(|(pe, info)| {
        info.fields
            .iter()
            .position(|f| f.ty == FieldType::List(entity))
            .map(|field| ParentLink { entity: pe, field })
    })
}

/// The first entity whose records are not items of another entity's list.
pub fn first_top_level(rules: &RuleSet) -> Option<usize> {
    (0..rules.entities.len()).find(|&e| parent_of(rules, e).is_none())
}

/// Header texts mapped to fields.
#[derive(Debug)]
pub struct Header {
    pub entity: usize,
    /// Each column's header text, trimmed.
    pub names: Vec<String>,
    fields: Vec<Option<usize>>,
    /// The column of the entity's key field.
    pub key_col: Option<usize>,
    /// The column naming the parent record, for item tables.
    pub parent_col: Option<usize>,
    /// Per field: whether the rule set reads it (see `ir::usage`); unread text is checked, not kept.
    keep: Vec<bool>,
}

fn clean(name: &str) -> String {
    name.trim_start_matches('\u{feff}').trim().to_string()
}

fn field_names(rules: &RuleSet, entity: usize, field: usize) -> String {
    let f = &rules.entities[entity].fields[field];
    let mut names = vec![format!("`{}`", f.name)];
    names.extend(f.aliases.iter().map(|a| format!("`{a}`")));
    names.join(" or ")
}

impl Header {
    /// Maps `names` to the fields of `entity`. `parent` is set for item tables, which need a
    /// column naming the parent record: the parent entity's name or its key field (name or
    /// alias). Undeclared columns give one warning; a missing required column, or two
    /// columns for one field, is an error of the whole table.
    pub fn new(
        cols: &ColumnIndex,
        table: &str,
        entity: usize,
        names: Vec<String>,
        parent: Option<ParentLink>,
        warnings: &mut Vec<String>,
    ) -> Result<Header, LoadError> {
        let rules = cols.rules();
        let info = &rules.entities[entity];
        let names: Vec<String> = names.iter().map(|n| clean(n)).collect();
        let mut fields = vec![None; names.len()];
        let mut by_field: Vec<Option<usize>> = vec![None; info.fields.len()];
        let mut unknown = Vec::new();
        let mut list_columns = Vec::new();
        let mut parent_col = None;
        let mut parent_key_col = None;
        for (c, name) in names.iter().enumerate() {
            let mut names_parent = false;
            if let Some(p) = parent {
                let pinfo = &rules.entities[p.entity];
                if *name == pinfo.name {
                    parent_col.get_or_insert(c);
                    names_parent = true;
                } else if cols.field(p.entity, name) == Some(pinfo.key) {
                    parent_key_col.get_or_insert(c);
                    names_parent = true;
                }
            }
            let Some(fi) = cols.field(entity, name) else {
                if !name.is_empty() && !names_parent {
                    unknown.push(format!("`{name}`"));
                }
                continue;
            };
            if matches!(info.fields[fi].ty, FieldType::List(_)) {
                list_columns.push(format!("`{name}`"));
                continue;
            }
            if let Some(prev) = by_field[fi] {
                return Err(LoadError::new(format!(
                    "{table}: columns `{}` and `{name}` both give field `{}` of `{}`",
                    names[prev], info.fields[fi].name, info.name
                ))
                .with_help("keep one of the two columns"));
            }
            by_field[fi] = Some(c);
            fields[c] = Some(fi);
        }
        let missing: Vec<String> = info
            .fields
            .iter()
            .enumerate()
            .filter(|(fi, f)| {
                by_field[*fi].is_none() && !f.optional && !matches!(f.ty, FieldType::List(_))
            })
            .map(|(fi, _)| field_names(rules, entity, fi))
            .collect();
        if !missing.is_empty() {
            return Err(LoadError::new(format!(
                "{table}: no column for required field{} {} of `{}`",
                if missing.len() > 1 { "s" } else { "" },
                missing.join(", "),
                info.name
            ))
            .with_help(format!(
                "the header row names each field of `{}` by its name or a declared alias; columns found: {}",
                info.name,
                if names.is_empty() { "none".to_string() } else { names.join(", ") }
            )));
        }
        let parent_col = parent_col.or(parent_key_col);
        if let Some(p) = parent {
            if parent_col.is_none() {
                let pinfo = &rules.entities[p.entity];
                return Err(LoadError::new(format!(
                    "{table}: no column names the `{}` each `{}` belongs to",
                    pinfo.name, info.name
                ))
                .with_help(format!(
                    "add a column {} (or `{}`) holding the parent's key",
                    field_names(rules, p.entity, pinfo.key),
                    pinfo.name
                )));
            }
        }
        if !unknown.is_empty() {
            warnings.push(format!(
                "{table}: column{} {} {} not field{} of `{}`; ignored",
                if unknown.len() > 1 { "s" } else { "" },
                unknown.join(", "),
                if unknown.len() > 1 { "are" } else { "is" },
                if unknown.len() > 1 { "s" } else { "" },
                info.name
            ));
        }
        if !list_columns.is_empty() {
            warnings.push(format!(
                "{table}: column {} is a list field of `{}`, whose items come from their own file or sheet; ignored",
                list_columns.join(", "),
                info.name
            ));
        }
        let keep = crate::ir::usage::fields_read(cols.rules()).swap_remove(entity);
        Ok(Header {
            entity,
            key_col: by_field[info.key],
            names,
            fields,
            parent_col,
            keep,
        })
    }

    /// True when every cell is empty or blank (such rows are skipped, they hold no record).
    pub fn is_blank(cells: &dyn Cells) -> bool {
        (0..cells.count()).all(|i| cells.text(i).map(|t| t.trim().is_empty()).unwrap_or(false))
    }

    fn raw(cells: &dyn Cells, col: Option<usize>) -> Option<String> {
        let t = cells.text(col?).ok()?.trim();
        (!t.is_empty()).then(|| t.to_string())
    }

    /// Parses one row.
    pub fn row(&self, rules: &RuleSet, row: usize, cells: &dyn Cells) -> TableRow {
        TableRow {
            row,
            key: Self::raw(cells, self.key_col),
            parent: Self::raw(cells, self.parent_col),
            result: self.record(rules, cells),
        }
    }

    fn record(&self, rules: &RuleSet, cells: &dyn Cells) -> Result<Record, BadRow> {
        let info = &rules.entities[self.entity];
        let width = self.names.len();
        if cells.count() < width {
            return Err(BadRow {
                column: None,
                message: format!(
                    "the row has {} cells but the header has {width} columns",
                    cells.count()
                ),
            });
        }
        for i in width..cells.count() {
            if !cells.text(i).map(|t| t.trim().is_empty()).unwrap_or(false) {
                return Err(BadRow {
                    column: None,
                    message: format!(
                        "the row has {} cells but the header has {width} columns",
                        cells.count()
                    ),
                });
            }
        }
        let mut values: Vec<Value> = info
            .fields
            .iter()
            .map(|f| match f.ty {
                FieldType::List(_) => Value::List(Vec::new()),
                _ => Value::Missing,
            })
            .collect();
        for (c, field) in self.fields.iter().enumerate() {
            let Some(fi) = *field else { continue };
            let text = cells.text(c).map_err(|why| BadRow {
                column: Some(self.names[c].clone()),
                message: why,
            })?;
            let ty = info.fields[fi].ty;
            if !self.keep[fi] && matches!(ty, FieldType::Text | FieldType::CreditCode) {
                values[fi] = elide_text(ty, text).map_err(|why| BadRow {
                    column: Some(self.names[c].clone()),
                    message: format!("value {} is not valid: {why}", text.trim()),
                })?;
                continue;
            }
            values[fi] = parse_cell(rules, ty, text).map_err(|why| BadRow {
                column: Some(self.names[c].clone()),
                message: format!("value {} is not valid: {why}", text.trim()),
            })?;
        }
        for (fi, f) in info.fields.iter().enumerate() {
            if !f.optional && matches!(values[fi], Value::Missing) {
                let column = self
                    .fields
                    .iter()
                    .position(|x| *x == Some(fi))
                    .map(|c| self.names[c].clone())
                    .unwrap_or_else(|| f.name.clone());
                return Err(BadRow {
                    column: Some(column),
                    message: format!(
                        "required field `{}` has no value (expected {})",
                        f.name,
                        expected(rules, f.ty)
                    ),
                });
            }
        }
        Ok(Record { values })
    }
}

/// Checks a text cell no rule reads, without keeping (or allocating) it.
fn elide_text(ty: FieldType, text: &str) -> Result<Value, String> {
    let t = text.trim();
    if t.is_empty() {
        return Ok(Value::Missing);
    }
    if ty == FieldType::CreditCode {
        super::credit_code::validate(t)?;
    }
    Ok(Value::Elided)
}

#[cfg(test)]
pub(crate) mod tests {
    use super::*;
    use crate::ir::RuleSet;

    /// The shipped Beijing plan, compiled.
    pub(crate) fn beijing() -> RuleSet {
        let path = std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
            .join("policies/beijing/manufacturing-2023.policy");
        crate::compile::compile_file(&path, "manufacturing-2023.policy")
            .expect("the plan reads")
            .rules
            .expect("the plan compiles")
    }

    fn names(v: &[&str]) -> Vec<String> {
        v.iter().map(|s| s.to_string()).collect()
    }

    pub(crate) const FIRM_HEADER: &[&str] = &[
        "统一社会信用代码",
        "企业名称",
        "所在区",
        "行业",
        "绩效等级",
        "涉气排放",
        "应急减排清单",
        "保障类别",
        "涉密",
    ];

    #[test]
    fn aliases_map_and_unknown_columns_warn_once() {
        let rules = beijing();
        let cols = ColumnIndex::new(&rules);
        let firm = rules.entity_index("企业").unwrap();
        let mut header = FIRM_HEADER.to_vec();
        header.push("备注");
        header.push("联系人");
        let mut warnings = Vec::new();
        let h = Header::new(&cols, "f.csv", firm, names(&header), None, &mut warnings).unwrap();
        assert_eq!(warnings.len(), 1, "{warnings:?}");
        assert!(warnings[0].contains("`备注`, `联系人`"), "{warnings:?}");
        let row = [
            "91310110666007217T",
            "甲公司",
            "朝阳区",
            "家具制造",
            "A",
            "是",
            "黄色、橙色",
            "",
            "否",
            "x",
            "",
        ];
        let r = h.row(&rules, 2, &row[..].to_vec());
        let rec = r.result.unwrap();
        assert_eq!(r.key.as_deref(), Some("91310110666007217T"));
        let name = rules.entities[firm]
            .fields
            .iter()
            .position(|f| f.name == "名称")
            .unwrap();
        // No rule of the Beijing plan reads 名称: it is checked, not kept; the key is kept.
        assert_eq!(rec.values[name], Value::Elided);
        let key = rules.entities[firm].key;
        assert_eq!(rec.values[key], Value::Text("91310110666007217T".into()));
    }

    #[test]
    fn missing_required_column_and_duplicate_field_are_file_errors() {
        let rules = beijing();
        let cols = ColumnIndex::new(&rules);
        let firm = rules.entity_index("企业").unwrap();
        let header: Vec<&str> = FIRM_HEADER
            .iter()
            .copied()
            .filter(|h| *h != "行业")
            .collect();
        let e =
            Header::new(&cols, "f.csv", firm, names(&header), None, &mut Vec::new()).unwrap_err();
        assert!(e.message.contains("`行业`"), "{}", e.message);
        let mut header = FIRM_HEADER.to_vec();
        header.push("名称");
        let e =
            Header::new(&cols, "f.csv", firm, names(&header), None, &mut Vec::new()).unwrap_err();
        assert!(e.message.contains("`企业名称` and `名称`"), "{}", e.message);
    }

    #[test]
    fn item_tables_need_a_parent_column() {
        let rules = beijing();
        let cols = ColumnIndex::new(&rules);
        let machine = rules.entity_index("机械").unwrap();
        let link = parent_of(&rules, machine).unwrap();
        assert_eq!(rules.entities[link.entity].name, "企业");
        let h = Header::new(
            &cols,
            "m.csv",
            machine,
            names(&["企业", "编号", "动力"]),
            Some(link),
            &mut Vec::new(),
        )
        .unwrap();
        assert_eq!(h.parent_col, Some(0));
        let mut w = Vec::new();
        let h = Header::new(
            &cols,
            "m.csv",
            machine,
            names(&["编号", "动力", "统一社会信用代码"]),
            Some(link),
            &mut w,
        )
        .unwrap();
        assert_eq!(h.parent_col, Some(2));
        assert!(
            w.is_empty(),
            "the parent column is not an unknown column: {w:?}"
        );
        let e = Header::new(
            &cols,
            "m.csv",
            machine,
            names(&["编号", "动力"]),
            Some(link),
            &mut Vec::new(),
        )
        .unwrap_err();
        assert!(
            e.message.contains("no column names the `企业`"),
            "{}",
            e.message
        );
        assert_eq!(first_top_level(&rules), rules.entity_index("企业"));
    }

    #[test]
    fn bad_cells_and_ragged_rows_are_row_errors() {
        let rules = beijing();
        let cols = ColumnIndex::new(&rules);
        let firm = rules.entity_index("企业").unwrap();
        let h = Header::new(
            &cols,
            "f.csv",
            firm,
            names(FIRM_HEADER),
            None,
            &mut Vec::new(),
        )
        .unwrap();
        let row = [
            "91310110666007217T",
            "甲公司",
            "朝阳区",
            "家具制造",
            "E",
            "是",
            "",
            "",
            "否",
        ];
        let e = h.row(&rules, 5, &row[..].to_vec()).result.unwrap_err();
        assert_eq!(e.column.as_deref(), Some("绩效等级"));
        assert!(
            e.message.contains("value E is not valid: expected one of"),
            "{}",
            e.message
        );
        let e = h.row(&rules, 5, &row[..4].to_vec()).result.unwrap_err();
        assert_eq!(e.column, None);
        assert!(e.message.contains("4 cells"), "{}", e.message);
        let mut long = row.to_vec();
        long[4] = "A";
        long.push("");
        assert!(
            h.row(&rules, 5, &long[..].to_vec()).result.is_ok(),
            "an empty extra cell is fine"
        );
        long.push("x");
        assert!(h.row(&rules, 5, &long[..].to_vec()).result.is_err());
        let mut empty = long[..9].to_vec();
        empty[3] = " ";
        let e = h.row(&rules, 5, &empty[..].to_vec()).result.unwrap_err();
        assert_eq!(e.column.as_deref(), Some("行业"));
        assert!(e.message.contains("required field `行业`"), "{}", e.message);
    }
}
