//! XLSX output: the CSV rows of a run, as a workbook with one sheet.

use rust_xlsxwriter::{DocProperties, ExcelDateTime, Format, Workbook, XlsxError};

/// Builds a workbook from CSV text (as written by [`super::decisions::Csv`]). Cells are
/// written as strings, so nothing in them is ever run as a formula; the document's dates are
/// fixed so identical input gives identical bytes.
pub fn from_csv(csv_text: &[u8], sheet_name: &str) -> Result<Vec<u8>, XlsxError> {
    let mut workbook = Workbook::new();
    let fixed = ExcelDateTime::from_ymd(2000, 1, 1)?;
    workbook.set_properties(&DocProperties::new().set_creation_datetime(&fixed));
    let sheet = workbook.add_worksheet();
    sheet.set_name(sheet_name)?;
    let bold = Format::new().set_bold();
    let mut reader = csv::ReaderBuilder::new()
        .has_headers(false)
        .from_reader(csv_text);
    let mut widths: Vec<usize> = Vec::new();
    for (r, row) in reader.records().enumerate() {
        let row = row.map_err(|e| XlsxError::ParameterError(e.to_string()))?;
        for (c, cell) in row.iter().enumerate() {
            if r == 0 {
                sheet.write_string_with_format(r as u32, c as u16, cell, &bold)?;
            } else {
                sheet.write_string(r as u32, c as u16, cell)?;
            }
            let w = cell
                .chars()
                .map(|ch| if ch.is_ascii() { 1 } else { 2 })
                .sum::<usize>();
            if widths.len() <= c {
                widths.resize(c + 1, 0);
            }
            widths[c] = widths[c].max(w.min(60));
        }
    }
    for (c, w) in widths.iter().enumerate() {
        sheet.set_column_width(c as u16, (*w as f64 + 2.0).max(6.0))?;
    }
    sheet.set_freeze_panes(1, 0)?;
    workbook.save_to_buffer()
}
