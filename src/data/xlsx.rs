//! XLSX input (calamine): one sheet per entity, items of list fields in their own sheet
//! joined to their parents by key, in any order. A workbook is read whole (the format is a
//! zip archive), so unlike CSV this is not streamed.
//!
//! A sheet holds the entity it is named after. When no sheet is named after an entity, the
//! sheets go by position: the first holds the file's entity, the second the items of that
//! entity's first list field. Row numbers are the sheet's row numbers, as Excel shows them
//! (the header is usually row 1).

use std::collections::HashMap;
use std::io::Cursor;

use calamine::{Data, Reader, Xlsx};

use super::json::{key_text, ColumnIndex};
use super::source::{Item, LoadError, MemorySource};
use super::table::{parent_of, Cells, Header, ParentLink, TableRow};
use super::{LoadedRecord, RowError};
use crate::ir::{FieldType, RuleSet, Value};

/// The text a cell of any type stands for; an Excel error value is an error of the cell.
pub fn cell_text(d: &Data) -> Result<String, String> {
    Ok(match d {
        Data::Empty => String::new(),
        Data::String(s) => s.clone(),
        Data::Int(i) => i.to_string(),
        Data::Float(f) if f.fract() == 0.0 && f.abs() < 1e15 => format!("{}", *f as i64),
        Data::Float(f) => f.to_string(),
        Data::Bool(b) => b.to_string(),
        Data::DateTime(dt) if dt.is_datetime() => {
            let (y, m, d, ..) = dt.to_ymd_hms_milli();
            format!("{y:04}-{m:02}-{d:02}")
        }
        Data::DateTime(dt) => dt.as_f64().to_string(),
        Data::DateTimeIso(s) => match s.get(..10) {
            Some(date) if crate::dates::parse(date).is_some() => date.to_string(),
            _ => s.clone(),
        },
        Data::DurationIso(s) => s.clone(),
        Data::Error(e) => return Err(format!("the cell holds the Excel error {e}")),
    })
}

struct SheetRow(Vec<Result<String, String>>);

impl Cells for SheetRow {
    fn count(&self) -> usize {
        self.0.len()
    }
    fn text(&self, i: usize) -> Result<&str, String> {
        match self.0.get(i) {
            None => Ok(""),
            Some(Ok(s)) => Ok(s),
            Some(Err(e)) => Err(e.clone()),
        }
    }
}

/// One sheet read into rows: the header and the parsed rows.
struct Sheet {
    name: String,
    entity: usize,
    header: Header,
    rows: Vec<TableRow>,
}

fn read_sheet(
    cols: &ColumnIndex,
    table: &str,
    entity: usize,
    parent: Option<ParentLink>,
    range: &calamine::Range<Data>,
    warnings: &mut Vec<String>,
) -> Result<Option<(Header, Vec<TableRow>)>, LoadError> {
    let rules = cols.rules();
    let first_row = range.start().map(|(r, _)| r as usize).unwrap_or(0);
    let mut rows = range.rows().enumerate();
    let Some((_, head)) = rows.next() else {
        return Ok(None);
    };
    let names = head
        .iter()
        .map(|c| cell_text(c).unwrap_or_default())
        .collect();
    let header = Header::new(cols, table, entity, names, parent, warnings)?;
    let mut out = Vec::new();
    for (i, cells) in rows {
        let row = SheetRow(cells.iter().map(cell_text).collect());
        if Header::is_blank(&row) {
            continue;
        }
        out.push(header.row(rules, first_row + i + 1, &row));
    }
    Ok(Some((header, out)))
}

fn open_workbook(name: &str, bytes: Vec<u8>) -> Result<Xlsx<Cursor<Vec<u8>>>, LoadError> {
    let opened = std::panic::catch_unwind(|| Xlsx::new(Cursor::new(bytes)));
    match opened {
        Ok(Ok(wb)) => Ok(wb),
        Ok(Err(e)) => Err(
            LoadError::new(format!("{name}: not a readable XLSX workbook: {e}"))
                .with_help("save the list from Excel or WPS as .xlsx, or export it as CSV"),
        ),
        Err(_) => Err(LoadError::new(format!(
            "{name}: not a readable XLSX workbook (the reader failed on it)"
        ))),
    }
}

/// Reads a workbook. `file_entity` is the entity of the first sheet when no sheet is named
/// after an entity.
pub fn load(
    rules: &RuleSet,
    name: &str,
    file_index: usize,
    bytes: Vec<u8>,
    file_entity: usize,
) -> Result<MemorySource, LoadError> {
    let mut wb = open_workbook(name, bytes)?;
    let cols = ColumnIndex::new(rules);
    let mut warnings = Vec::new();
    let sheet_names = wb.sheet_names();
    let named: Vec<Option<usize>> = sheet_names
        .iter()
        .map(|s| rules.entity_index(s.trim()))
        .collect();
    let mapping: Vec<Option<usize>> = if named.iter().any(Option::is_some) {
        for (s, e) in sheet_names.iter().zip(&named) {
            if e.is_none() {
                warnings.push(format!(
                    "{name}: sheet `{s}` is not named after an entity of the policy; ignored"
                ));
            }
        }
        named
    } else {
        let items = rules.entities[file_entity]
            .fields
            .iter()
            .find_map(|f| match f.ty {
                FieldType::List(e) => Some(e),
                _ => None,
            });
        sheet_names
            .iter()
            .enumerate()
            .map(|(i, s)| {
                let e = match i {
                    0 => Some(file_entity),
                    1 => items,
                    _ => None,
                };
                if e.is_none() {
                    warnings.push(format!(
                        "{name}: sheet `{s}` is not named after an entity of the policy; ignored"
                    ));
                }
                e
            })
            .collect()
    };
    let mut sheets = Vec::new();
    for (s, entity) in sheet_names.iter().zip(&mapping) {
        let Some(entity) = *entity else { continue };
        let range =
            std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| wb.worksheet_range(s)));
        let range = match range {
            Ok(Ok(r)) => r,
            Ok(Err(e)) => {
                return Err(LoadError::new(format!(
                    "{name}: cannot read sheet `{s}`: {e}"
                )))
            }
            Err(_) => {
                return Err(LoadError::new(format!(
                    "{name}: cannot read sheet `{s}` (the reader failed on it)"
                )))
            }
        };
        let has_parent_sheet = |link: &ParentLink| mapping.contains(&Some(link.entity));
        let parent = parent_of(rules, entity).filter(has_parent_sheet);
        if parent.is_none() && parent_of(rules, entity).is_some() {
            let link = parent_of(rules, entity).expect("checked");
            return Err(LoadError::new(format!(
                "{name}: sheet `{s}` holds `{}` items of `{}`, but the workbook has no `{}` sheet",
                rules.entities[entity].name,
                rules.entities[link.entity].name,
                rules.entities[link.entity].name
            ))
            .with_help("put the parent records in a sheet of the same workbook"));
        }
        let table = format!("{name} [{s}]");
        match read_sheet(&cols, &table, entity, parent, &range, &mut warnings)? {
            Some((header, rows)) => sheets.push((
                Sheet {
                    name: table,
                    entity,
                    header,
                    rows,
                },
                parent,
            )),
            None => warnings.push(format!("{name}: sheet `{s}` is empty")),
        }
    }
    // Item rows by parent key, per list field; each item is taken by the first parent of its key.
    type ItemSheet = (ParentLink, Sheet, HashMap<String, Vec<usize>>, Vec<bool>);
    let mut item_sheets: Vec<ItemSheet> = Vec::new();
    let mut top = Vec::new();
    for (sheet, parent) in sheets {
        match parent {
            Some(link) => {
                let mut by_key: HashMap<String, Vec<usize>> = HashMap::new();
                for (i, r) in sheet.rows.iter().enumerate() {
                    if let Some(k) = &r.parent {
                        by_key.entry(k.clone()).or_default().push(i);
                    }
                }
                let taken = vec![false; sheet.rows.len()];
                item_sheets.push((link, sheet, by_key, taken));
            }
            None => top.push(sheet),
        }
    }
    let mut items = Vec::new();
    for sheet in top {
        let info = &rules.entities[sheet.entity];
        for row in sheet.rows {
            let mut result = row.result.map_err(|bad| RowError {
                file: sheet.name.clone(),
                sheet: None,
                value: None,
                entity: info.name.clone(),
                row: row.row,
                column: bad.column,
                key: row.key.clone(),
                message: bad.message,
            });
            for (link, isheet, by_key, taken) in &mut item_sheets {
                if link.entity != sheet.entity {
                    continue;
                }
                let Some(indexes) = row.key.as_ref().and_then(|k| by_key.remove(k)) else {
                    continue;
                };
                for i in indexes {
                    taken[i] = true;
                    let item = &isheet.rows[i];
                    let Ok(rec) = &mut result else { continue };
                    match &item.result {
                        Ok(r) => {
                            if let Value::List(list) = &mut rec.values[link.field] {
                                list.push(r.clone());
                            }
                        }
                        Err(bad) => {
                            result = Err(RowError {
                                file: isheet.name.clone(),
                                sheet: None,
                                value: None,
                                entity: info.name.clone(),
                                row: item.row,
                                column: bad.column.clone(),
                                key: row.key.clone(),
                                message: format!(
                                    "`{}` {} of this `{}` ({} row {}): {}",
                                    rules.entities[isheet.entity].name,
                                    item.key.as_deref().unwrap_or(""),
                                    info.name,
                                    sheet.name,
                                    row.row,
                                    bad.message
                                ),
                            })
                        }
                    }
                }
            }
            items.push(match result {
                Ok(record) => Item::Record(LoadedRecord {
                    entity: sheet.entity,
                    file: file_index,
                    row: row.row,
                    key: key_text(record.get(info.key)),
                    record,
                }),
                Err(e) => Item::Error(e),
            });
        }
    }
    for (link, isheet, _, taken) in item_sheets {
        let pname = &rules.entities[link.entity].name;
        let column = isheet
            .header
            .parent_col
            .map(|c| isheet.header.names[c].clone());
        for (row, taken) in isheet.rows.into_iter().zip(taken) {
            if taken {
                continue;
            }
            items.push(Item::Error(RowError {
                file: isheet.name.clone(),
                sheet: None,
                value: None,
                entity: rules.entities[isheet.entity].name.clone(),
                row: row.row,
                column: column.clone(),
                message: match &row.parent {
                    Some(k) => {
                        format!("no parent record with key {k}: no `{pname}` of that key was read")
                    }
                    None => format!("no parent record: the `{pname}` cell is empty"),
                },
                key: row.key,
            }));
        }
    }
    Ok(MemorySource::new(items, warnings))
}

#[cfg(test)]
mod tests {
    use super::*;
    use calamine::{CellErrorType, ExcelDateTime, ExcelDateTimeType};

    #[test]
    fn cells_of_every_type_become_text() {
        assert_eq!(cell_text(&Data::Empty).unwrap(), "");
        assert_eq!(cell_text(&Data::Int(42)).unwrap(), "42");
        assert_eq!(cell_text(&Data::Float(20.0)).unwrap(), "20");
        assert_eq!(cell_text(&Data::Float(12.5)).unwrap(), "12.5");
        assert_eq!(cell_text(&Data::Bool(true)).unwrap(), "true");
        assert_eq!(cell_text(&Data::String("是".into())).unwrap(), "是");
        let dt = ExcelDateTime::new(45224.0, ExcelDateTimeType::DateTime, false);
        assert_eq!(cell_text(&Data::DateTime(dt)).unwrap(), "2023-10-25");
        let dt = ExcelDateTime::new(45224.75, ExcelDateTimeType::DateTime, false);
        assert_eq!(cell_text(&Data::DateTime(dt)).unwrap(), "2023-10-25");
        assert_eq!(
            cell_text(&Data::DateTimeIso("2023-10-25T08:00:00".into())).unwrap(),
            "2023-10-25"
        );
        let e = cell_text(&Data::Error(CellErrorType::NA)).unwrap_err();
        assert!(e.contains("#N/A"), "{e}");
    }

    #[test]
    fn garbage_and_truncated_workbooks_are_errors() {
        let rules = crate::data::table::tests::beijing();
        let e = load(&rules, "x.xlsx", 0, b"not a zip".to_vec(), 0).unwrap_err();
        assert!(
            e.message.contains("not a readable XLSX workbook"),
            "{}",
            e.message
        );
        let mut wb = rust_xlsxwriter::Workbook::new();
        let ws = wb.add_worksheet();
        ws.set_name("企业").unwrap();
        ws.write(0, 0, "名称").unwrap();
        let bytes = wb.save_to_buffer().unwrap();
        for cut in [bytes.len() / 3, bytes.len() / 2, bytes.len() - 10] {
            assert!(load(&rules, "x.xlsx", 0, bytes[..cut].to_vec(), 0).is_err());
        }
    }
}
