//! The message catalogue: every message a person reads from `eval` and `map` (data errors,
//! notes, warnings, the summary, help lines, output headers), in Chinese and English, in
//! one place. Machine-readable fields (JSON keys, codes, statuses) never come from here.
//!
//! A message is a pair of templates with positional placeholders `{0}`, `{1}`, … so that each
//! language orders the arguments its own way. A test checks that both templates of every
//! message use the same placeholders.

use std::fmt::Display;

/// The language of the interface.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default)]
pub enum Lang {
    /// 中文.
    #[default]
    Zh,
    /// English.
    En,
}

impl Lang {
    /// `zh` or `en` (also `zh-CN`, `zh_CN.UTF-8`, `english`, …).
    pub fn parse(text: &str) -> Option<Lang> {
        let t = text.trim().to_ascii_lowercase();
        if t.starts_with("zh") || t == "中文" || t == "chinese" {
            Some(Lang::Zh)
        } else if t.starts_with("en") {
            Some(Lang::En)
        } else {
            None
        }
    }

    /// The language when `--lang` is not given: Chinese when the policy is written with
    /// Chinese keywords or the locale (`LC_ALL`, `LC_MESSAGES`, `LANG`) is Chinese, else English.
    pub fn default_for(policy_is_chinese: bool) -> Lang {
        if policy_is_chinese {
            return Lang::Zh;
        }
        let locale = ["LC_ALL", "LC_MESSAGES", "LANG"]
            .iter()
            .find_map(|v| std::env::var(v).ok().filter(|s| !s.is_empty()));
        match locale {
            Some(l) if l.to_ascii_lowercase().starts_with("zh") => Lang::Zh,
            _ => Lang::En,
        }
    }
}

/// One message of the catalogue: a template per language.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Msg {
    /// A stable name, for tests and for finding the message in the code.
    pub id: &'static str,
    /// The Chinese template.
    pub zh: &'static str,
    /// The English template.
    pub en: &'static str,
}

impl Msg {
    /// The template of `lang`.
    pub fn template(&self, lang: Lang) -> &'static str {
        match lang {
            Lang::Zh => self.zh,
            Lang::En => self.en,
        }
    }

    /// The message in `lang` with `{0}`, `{1}`, … replaced by `args`.
    pub fn fmt(&self, lang: Lang, args: &[&dyn Display]) -> String {
        fill(self.template(lang), args)
    }

    /// The message without arguments.
    pub fn text(&self, lang: Lang) -> &'static str {
        self.template(lang)
    }
}

/// A name quoted the way the language quotes: “名称” in Chinese, `name` in English.
pub fn quoted(lang: Lang, name: &str) -> String {
    match lang {
        Lang::Zh => format!("“{name}”"),
        Lang::En => format!("`{name}`"),
    }
}

/// The separator of a list of names: 、 in Chinese, a comma in English.
pub fn list_sep(lang: Lang) -> &'static str {
    match lang {
        Lang::Zh => "、",
        Lang::En => ", ",
    }
}

/// The word between alternatives: 或 in Chinese, ` or ` in English.
pub fn or_sep(lang: Lang) -> String {
    match lang {
        Lang::Zh => m::OR.text(lang).to_string(),
        Lang::En => format!(" {} ", m::OR.text(lang)),
    }
}

/// Replaces `{N}` in `template` by `args[N]`; `{{` and `}}` stand for braces.
fn fill(template: &str, args: &[&dyn Display]) -> String {
    use std::fmt::Write;
    let mut out = String::with_capacity(template.len() + 16 * args.len());
    let mut rest = template;
    while let Some(i) = rest.find(['{', '}']) {
        out.push_str(&rest[..i]);
        let tail = &rest[i..];
        if tail.starts_with("{{") || tail.starts_with("}}") {
            out.push_str(&tail[..1]);
            rest = &tail[2..];
            continue;
        }
        if let Some(end) = tail.find('}').filter(|_| tail.starts_with('{')) {
            if let Ok(n) = tail[1..end].parse::<usize>() {
                if let Some(a) = args.get(n) {
                    let _ = write!(out, "{a}");
                }
                rest = &tail[end + 1..];
                continue;
            }
        }
        out.push_str(&tail[..1]);
        rest = &tail[1..];
    }
    out.push_str(rest);
    out
}

/// Formats a catalogue message: `msg!(lang, NAME, arg0, arg1, …)`.
#[macro_export]
macro_rules! msg {
    ($lang:expr, $id:ident $(, $arg:expr)* $(,)?) => {
        $crate::messages::m::$id.fmt($lang, &[$(&$arg as &dyn ::std::fmt::Display),*])
    };
}

macro_rules! catalogue {
    ($($(#[$doc:meta])* $id:ident { zh: $zh:literal, en: $en:literal $(,)? })*) => {
        /// The messages, by name.
        #[allow(missing_docs)]
        pub mod m {
            use super::Msg;
            $($(#[$doc])* pub const $id: Msg = Msg { id: stringify!($id), zh: $zh, en: $en };)*
        }
        /// Every message of the catalogue.
        pub const ALL: &[Msg] = &[$(m::$id),*];
    };
}

catalogue! {
    // ------------------------------------------------------------ data: values
    VALUE_NOT_VALID {
        zh: "值 {0} 无效：{1}",
        en: "value {0} is not valid: {1}",
    }
    EXPECTED {
        zh: "应为{0}",
        en: "expected {0}",
    }
    EXPECT_TEXT { zh: "文本", en: "text" }
    EXPECT_BOOL {
        zh: "是/否（也可写 √/×、Y/N、有/无、1/0）",
        en: "yes/no (是/否, √/×, Y/N, 有/无, true/false, 1/0)",
    }
    EXPECT_INTEGER { zh: "整数", en: "an integer" }
    EXPECT_NUMBER { zh: "数字", en: "a number" }
    EXPECT_PERCENT { zh: "百分比，如 20% 或 20", en: "a percentage such as 20% or 20" }
    EXPECT_DATE { zh: "日期 YYYY-MM-DD", en: "a date YYYY-MM-DD" }
    EXPECT_CREDIT_CODE {
        zh: "18 位统一社会信用代码",
        en: "an 18-character unified social credit code",
    }
    EXPECT_LEVEL { zh: "预警级别（{0}）", en: "an alert level ({0})" }
    EXPECT_ONE_OF { zh: "以下之一：{0}", en: "one of {0}" }
    EXPECT_LEVELS {
        zh: "以“、”或“,”分隔的预警级别（{0}）",
        en: "alert levels separated by `,` ({0})",
    }
    EXPECT_VALUES {
        zh: "以“、”或“,”分隔的取值，取自 {0}",
        en: "values separated by `,` from {0}",
    }
    EXPECT_LIST { zh: "“{0}”记录的列表", en: "a list of `{0}` records" }
    EXPECT_ACTION { zh: "措施，如 限产 30% 或 停产", en: "an action such as 限产 30% or 停产" }
    SET_PART_NOT { zh: "“{0}”不是{1}", en: "`{0}` is not {1}" }
    CREDIT_LENGTH {
        zh: "统一社会信用代码应为 18 位，此处为 {0} 位",
        en: "a credit code has 18 characters, this has {0}",
    }
    CREDIT_CHAR {
        zh: "统一社会信用代码中不能出现“{0}”（不使用字母 I、O、S、V、Z 和小写字母）",
        en: "`{0}` cannot appear in a credit code (letters I, O, S, V, Z and lower case are not used)",
    }
    CREDIT_CHECK {
        zh: "校验码为“{0}”，但前 17 位对应的校验码应为“{1}”",
        en: "check character is `{0}`, but the first 17 characters call for `{1}`",
    }
    CREDIT_EXCEL_HELP {
        zh: "这个代码看起来被 Excel 当成了数字（数字只保留 15 位有效数字，末几位已丢失）：请把该列设为“文本”格式，重新录入代码后再导出",
        en: "this code looks like a number Excel made of an all-digit code (a number keeps only 15 significant digits, so the last ones are lost): format the column as text, enter the codes again and export anew",
    }
    CELL_NOT_UTF8 {
        zh: "该单元格不是 UTF-8 文本（如果文件是 GB18030 编码，请加 --encoding gb18030）",
        en: "the cell is not UTF-8 text (if the file is GB18030, pass --encoding gb18030)",
    }
    CELL_BAD_BYTES {
        zh: "该单元格含有不是有效 {0} 文本的字节",
        en: "the cell holds bytes that are not valid {0} text",
    }
    CELL_EXCEL_ERROR {
        zh: "该单元格是 Excel 错误值 {0}",
        en: "the cell holds the Excel error {0}",
    }
    OUTSIDE_FIELD_RANGE {
        zh: "字段“{0}”的值 {1} 不在 {2} 至 {3} 之间（含两端）",
        en: "field `{0}` holds {1}, outside {2} to {3} (both ends included)",
    }
    REQUIRED_EMPTY {
        zh: "必填字段“{0}”没有值（应为{1}）",
        en: "required field `{0}` has no value (expected {1})",
    }
    ROW_TOO_WIDE {
        zh: "该行有 {0} 个单元格，但表头只有 {1} 列",
        en: "the row has {0} cells but the header has {1} columns",
    }
    // ------------------------------------------------------------ data: the mapping file
    MAP_INVALID {
        zh: "{0}：不是有效的对照表文件：{1}",
        en: "{0}: not a valid mapping file: {1}",
    }
    MAP_HELP {
        zh: "格式见 docs/cli.md“对照表文件”一节；`policyc map 预案 --data 文件…` 会写出一份供修改",
        en: "the format is in docs/cli.md, 'The mapping file'; `policyc map POLICY --data FILE…` writes one to start from",
    }
    UNKNOWN_ENTITY {
        zh: "“{0}”不是预案中的实体（实体有：{1}）",
        en: "`{0}` is not an entity of the plan (entities: {1})",
    }
    MAP_NOT_TABLE { zh: "“{0}”应是一个表（[…]）", en: "`{0}` must be a table ([…])" }
    MAP_HEADER_ROW {
        zh: "“{0}.header_row”应是行号（1 或更大）",
        en: "`{0}.header_row` must be a row number (1 or more)",
    }
    MAP_COLUMN_TEXT { zh: "“{0}”的值应是文本", en: "the value for `{0}` must be text" }
    MAP_NO_FIELD {
        zh: "列“{0}”：“{1}”不是“{2}”的字段（字段有：{3}），也不是“字段:级别”、上级实体名或“-”",
        en: "column `{0}`: `{1}` is not a field of `{2}` (fields: {3}), nor `field:level`, the parent entity or `-`",
    }
    MAP_BAD_VALUE {
        zh: "字段“{2}”的写法“{0}”→“{1}”：{3}",
        en: "spelling `{0}` → `{1}` of field `{2}`: {3}",
    }
    MAP_UNKNOWN_KEY {
        zh: "[{1}] 中有未知的键“{0}”（应为 header_row、columns 或 values）",
        en: "unknown key `{0}` in `[{1}]` (expected header_row, columns or values)",
    }
    MAP_HOW_NAME { zh: "字段名", en: "field name" }
    MAP_HOW_ALIAS { zh: "别名", en: "alias" }
    MAP_HOW_LEVEL { zh: "按级别的是/否列", en: "yes/no column of a level" }
    MAP_HOW_INFERRED { zh: "推断", en: "inferred" }
    MAP_HOW_MAPPED { zh: "对照表指定", en: "mapping file" }
    OUT_NOT_READ {
        zh: "未能读取（见“错误”工作表）",
        en: "not read (see the errors sheet)",
    }
    MAP_HOW_GUESSED {
        zh: "推测，请核对：不改则 eval 也按此读取",
        en: "guessed, check it: eval reads it so unless you change it",
    }
    MAP_FILE_PROBLEM {
        zh: "# 注意：{0}",
        en: "# check: {0}",
    }
    MAP_HOW_UNMATCHED { zh: "不读取", en: "not read" }
    MAP_FILE_INTRO {
        zh: "# policyc 对照表：数据中的哪一列对应预案中的哪个字段。\n# 请核对，改正有误之处，然后用 `policyc eval … --map 本文件` 使用。\n# “-”表示该列不读取；“字段:级别”表示该级别的是/否列；上级实体名（如“企业”）表示该列是所属企业的代码。\n# 预案：{0}\n",
        en: "# policyc mapping: which column of the data holds which field of the plan.\n# Review it, correct what is wrong, and use it with `policyc eval … --map THIS_FILE`.\n# `-` means the column is not read; `field:level` a yes/no column of that level; the parent entity's name (e.g. `企业`) a column holding the parent's key.\n# plan: {0}\n",
    }
    MAP_FILE_TABLE {
        zh: "# {0}：{1}，表头在第 {2} 行",
        en: "# {0}: {1}, header at row {2}",
    }
    MAP_FILE_VALUES {
        zh: "# 预案不认识的写法，改成预案中的取值（\"\" 表示无值）：",
        en: "# spellings the plan does not know, mapped to one of its values (\"\" for no value):",
    }
    MAP_FILE_UNKNOWN_VALUE {
        zh: "{0} 行；可选：{1}",
        en: "{0} rows; values: {1}",
    }
    MAP_WRITTEN {
        zh: "对照表已写入 {0}：请核对后用 --map {0} 运行 eval",
        en: "mapping written to {0}: review it, then run eval with --map {0}",
    }
    // ------------------------------------------------------------ data: headers and rows
    NO_HEADER {
        zh: "{0}：前 {1} 行中找不到表头：没有一行写出“{2}”的字段",
        en: "{0}: no header row in the first {1} rows: no row names the fields of `{2}`",
    }
    NO_HEADER_HELP {
        zh: "表头应写出 {0} 等字段；如果表头在更下面，请加 --header-row 行号，或在对照表（--map）中写明各列对应的字段",
        en: "a header row names fields such as {0}; if it is further down, pass --header-row N, or say which column holds which field in a mapping file (--map)",
    }
    NO_TABLE_IN_WORKBOOK {
        zh: "{0}：没有一个工作表的表头写出预案中实体的字段",
        en: "{0}: no sheet has a header row that names the fields of an entity of the plan",
    }
    MISSING_FIELD {
        zh: "{0}：没有列对应“{2}”的必填字段{1}",
        en: "{0}: no column for required field {1} of `{2}`",
    }
    DID_YOU_MEAN {
        zh: "是否指{0}？请在对照表（--map）中写明哪一列是“{1}”；`policyc map` 可写出一份对照表",
        en: "did you mean {0}? Say which column holds `{1}` in a mapping file (--map); `policyc map` writes one to start from",
    }
    COLUMNS_FOUND {
        zh: "表头写出“{0}”的字段名或别名；找到的列：{1}",
        en: "the header row names each field of `{0}` by its name or a declared alias; columns found: {1}",
    }
    NONE { zh: "无", en: "none" }
    AMBIGUOUS_FIELD {
        zh: "{0}：列{1}都可能是“{3}”的字段“{2}”",
        en: "{0}: columns {1} could each be field `{2}` of `{3}`",
    }
    AMBIGUOUS_HELP {
        zh: "请在对照表（--map）中写明，例如 {0} = \"{1}\"，其余列写 \"-\"",
        en: "say which in a mapping file (--map), e.g. {0} = \"{1}\", and \"-\" for the others",
    }
    TWO_COLUMNS {
        zh: "{0}：列“{1}”和“{2}”都给出“{4}”的字段“{3}”",
        en: "{0}: columns `{1}` and `{2}` both give field `{3}` of `{4}`",
    }
    TWO_COLUMNS_HELP {
        zh: "只保留其中一列，或在对照表中把其中一列写为 \"-\"",
        en: "keep one of the two columns, or map one of them to \"-\" in a mapping file",
    }
    NO_PARENT_COLUMN {
        zh: "{0}：没有列写明每个“{2}”属于哪个“{1}”",
        en: "{0}: no column names the `{1}` each `{2}` belongs to",
    }
    NO_PARENT_COLUMN_HELP {
        zh: "加一列 {0}（或“{1}”），填写所属记录的代码，或在对照表中写明",
        en: "add a column {0} (or `{1}`) holding the parent's key, or name it in a mapping file",
    }
    OR { zh: "或", en: "or" }
    NOTE_INFERRED {
        zh: "{0}：列“{1}”按字段“{2}”读取（推断；如有误，请用 --map 指定）",
        en: "{0}: column `{1}` read as field `{2}` (inferred; if wrong, fix it with --map)",
    }
    NOTE_LEVEL_ACTION_COLUMN {
        zh: "{0}：列“{1}”是{2}预警的“{3}”",
        en: "{0}: column `{1}` is `{3}` at {2}",
    }
    NOTE_LEVEL_COLUMN {
        zh: "{0}：列“{1}”为“是”即列入{2}清单（字段“{3}”）",
        en: "{0}: column `{1}`: 是 puts the record on the {2} list (field `{3}`)",
    }
    NOTE_PARENT_COLUMN {
        zh: "{0}：列“{1}”按所属“{2}”的代码读取",
        en: "{0}: column `{1}` read as the key of the `{2}` each record belongs to",
    }
    NOTE_IGNORED {
        zh: "{0}：列{1}不是“{2}”的字段，不读取",
        en: "{0}: column(s) {1} not fields of `{2}`; not read",
    }
    NOTE_LIST_COLUMN {
        zh: "{0}：列 {1} 是“{2}”的列表字段，其各项来自单独的文件或工作表；不读取",
        en: "{0}: column {1} is a list field of `{2}`, whose items come from their own file or sheet; not read",
    }
    NOTE_HEADER_AT {
        zh: "{0}：表头在第 {1} 行",
        en: "{0}: header in row(s) {1}",
    }
    NOTE_SHEET_ENTITY {
        zh: "{0}：工作表“{1}”按“{2}”读取",
        en: "{0}: sheet `{1}` read as `{2}`",
    }
    NOTE_SHEET_IGNORED {
        zh: "{0}：工作表“{1}”中没有预案的表格（没有表头写出其字段），不读取",
        en: "{0}: sheet `{1}` holds no table of the plan (no header row names its fields); not read",
    }
    NOTE_TOTAL_ROW {
        zh: "{0} 第 {1} 行：“{2}”是合计或说明行，不是记录；已跳过",
        en: "{0} row {1}: `{2}` is a total or note row, not a record; skipped",
    }
    NOTE_BLANK_ROWS {
        zh: "{0}：跳过空行 {1} 行",
        en: "{0}: {1} blank rows skipped",
    }
    NOTE_PARENT_FAILED {
        zh: "{0} 第 {1} 行：“{2}”{3} 已跳过：其所属“{4}”（{5} 第 {6} 行）未能读取",
        en: "{0} row {1}: `{2}` {3} skipped: its `{4}` ({5} row {6}) could not be read",
    }
    NOTE_FILLED_DOWN {
        zh: "{0}：{1} 行的所属代码为空，按上一行的所属记录读取（工作簿中向下合并的单元格导出后即如此）",
        en: "{0}: {1} rows with an empty parent key read as belonging to the record of the row above (as cells merged down in a workbook export)",
    }
    ORPHAN {
        zh: "找不到上级记录 {0}：没有读到这个代码的“{1}”",
        en: "no parent record with key {0}: no `{1}` of that key was read",
    }
    ORPHAN_EMPTY {
        zh: "找不到上级记录：“{0}”一栏为空",
        en: "no parent record: the `{0}` cell is empty",
    }
    ITEM_BAD {
        zh: "本“{2}”的“{0}”{1}（{3} 第 {4} 行）：{5}",
        en: "`{0}` {1} of this `{2}` ({3} row {4}): {5}",
    }
    FLAG_NOT_BOOL {
        zh: "按级别的清单列应填“是”或“否”（或留空）",
        en: "a level's list column holds 是 or 否 (or nothing)",
    }
    // ------------------------------------------------------------ data: files
    CANNOT_READ {
        zh: "无法读取数据文件“{0}”：{1}",
        en: "cannot read data file `{0}`: {1}",
    }
    CHECK_PATH { zh: "请检查数据文件的路径", en: "check the path of the data file" }
    IS_DIRECTORY {
        zh: "无法读取数据文件“{0}”：这是一个目录",
        en: "cannot read data file `{0}`: it is a directory",
    }
    EMPTY_FILE {
        zh: "{0}：文件为空，应有表头行",
        en: "{0}: the file is empty; expected a header row",
    }
    EMPTY_FILE_HELP {
        zh: "CSV 文件的表头行写出各列的名称",
        en: "the header row of a CSV file names its columns",
    }
    ZIP_NOT_TEXT {
        zh: "{0}：这是 zip 压缩包（XLSX 工作簿？），不是 {1} 文本",
        en: "{0}: this is a zip archive (an XLSX workbook?), not {1} text",
    }
    ZIP_NOT_TEXT_HELP {
        zh: "把文件命名为 .xlsx，或加 --data-format xlsx",
        en: "name the file .xlsx or pass --data-format xlsx",
    }
    NUL_BYTES {
        zh: "{0}：这不是 {1} 文本（含有 NUL 字节）",
        en: "{0}: this is not {1} text (it contains NUL bytes)",
    }
    EXPORT_HELP {
        zh: "请把清单导出为 CSV（UTF-8 或 GB18030）或 XLSX",
        en: "export the list as CSV (UTF-8 or GB18030) or XLSX",
    }
    NOT_UTF8 {
        zh: "{0}：不是 UTF-8 文本（第 {1} 个字节无效）",
        en: "{0}: not UTF-8 text (invalid byte at offset {1})",
    }
    CSV_UNREADABLE {
        zh: "{0}：无法按 CSV 读取（第 {1} 行）：{2}",
        en: "{0}: not readable as CSV (row {1}): {2}",
    }
    UNKNOWN_ENCODING {
        zh: "未知的文本编码“{0}”",
        en: "unknown text encoding `{0}`",
    }
    UNKNOWN_ENCODING_HELP {
        zh: "请用 --encoding utf-8 或 --encoding gb18030（gbk、gb2312 按 gb18030 读取）",
        en: "use --encoding utf-8 or --encoding gb18030 (gbk and gb2312 are read as gb18030)",
    }
    STDIN_TWICE {
        zh: "标准输入（-）只能读取一次",
        en: "standard input (`-`) can be read only once",
    }
    FORMAT_OF_STDIN {
        zh: "无法判断标准输入的格式",
        en: "cannot tell the format of standard input",
    }
    FORMAT_OF_STDIN_HELP {
        zh: "请加 --data-format csv、json、jsonl 或 xlsx",
        en: "pass --data-format csv, json, jsonl or xlsx",
    }
    FORMAT_OF_FILE {
        zh: "无法从文件名判断“{0}”的格式",
        en: "cannot tell the format of `{0}` from its name",
    }
    FORMAT_OF_FILE_HELP {
        zh: "请把文件命名为 .json、.jsonl、.csv、.xlsx 或 .xls，或加 --data-format",
        en: "name it .json, .jsonl, .csv, .xlsx or .xls, or pass --data-format",
    }
    NOT_AN_ENTITY {
        zh: "--data {0}={1}：“{0}”不是预案中的实体",
        en: "--data {0}={1}: `{0}` is not an entity of the policy",
    }
    ENTITIES { zh: "实体有：{0}", en: "entities: {0}" }
    NO_ENTITY {
        zh: "{0}：预案没有声明可读取的实体",
        en: "{0}: the policy declares no entity to read",
    }
    JSONL_ITEMS {
        zh: "{0}：“{1}”记录是“{2}”的明细项；在 JSON Lines 中应写在每个“{2}”对象内",
        en: "{0}: `{1}` records are items of `{2}`; in JSON Lines they go inline in each `{2}` object",
    }
    ITEMS_WITHOUT_PARENT_FILE {
        zh: "{0}：其中是“{2}”的“{1}”明细，但没有给出“{2}”的 CSV 文件",
        en: "{0}: holds `{1}` items of `{2}`, but no CSV file of `{2}` was given",
    }
    ITEMS_WITHOUT_PARENT_FILE_HELP {
        zh: "把“{0}”文件一并给出：--data {0}.csv --data {1}",
        en: "give the `{0}` file too: --data {0}.csv --data {1}",
    }
    ITEMS_WITHOUT_PARENT_SHEET {
        zh: "{0}：工作表“{1}”中是“{3}”的“{2}”明细，但工作簿中没有“{3}”工作表",
        en: "{0}: sheet `{1}` holds `{2}` items of `{3}`, but the workbook has no `{3}` sheet",
    }
    ITEMS_WITHOUT_PARENT_SHEET_HELP {
        zh: "把上级记录放在同一工作簿的一个工作表中",
        en: "put the parent records in a sheet of the same workbook",
    }
    XLSX_UNREADABLE {
        zh: "{0}：不是可读取的 Excel 工作簿：{1}",
        en: "{0}: not a readable Excel workbook: {1}",
    }
    XLSX_UNREADABLE_HELP {
        zh: "请用 Excel 或 WPS 另存为 .xlsx，或导出为 CSV",
        en: "save the list from Excel or WPS as .xlsx, or export it as CSV",
    }
    SHEET_UNREADABLE {
        zh: "{0}：无法读取工作表“{1}”：{2}",
        en: "{0}: cannot read sheet `{1}`: {2}",
    }
    READER_FAILED { zh: "读取程序出错", en: "the reader failed on it" }
    WORKBOOK_READER_FAILED {
        zh: "无法读取工作簿“{0}”：读取程序在其内容上中止，已读出的记录不作为完整结果（请用 Excel 打开后另存为 .xlsx 再试）",
        en: "the workbook `{0}` could not be read: the reader stopped on its content, so the run is not taken as complete (open it in Excel and save it again as .xlsx)",
    }
    STOPPED_AT_FIRST_ERROR {
        zh: "按 --on-error fail 的要求，在第一条无法读取的记录处停止（{0} 第 {1} 行）；其后的记录未读取",
        en: "stopped at the first record that could not be loaded ({0} row {1}), as --on-error fail asks; the records after it were not read",
    }
    HEADER_ROW_PAST_END {
        zh: "{0}：--header-row {1} 超出了文件的行数",
        en: "{0}: --header-row {1} is past the end of the table",
    }
    // ------------------------------------------------------------ data: JSON and JSON Lines
    JSON_EXPECTED_OBJECT { zh: "应为“{0}”对象", en: "expected a `{0}` object" }
    JSON_FOUND {
        zh: "应为“{0}”对象，实为{1}",
        en: "expected a `{0}` object, found {1}",
    }
    JSON_LINE_NOT_JSON { zh: "该行不是 JSON：{0}", en: "the line is not JSON: {0}" }
    LINE_NOT_UTF8 { zh: "该行不是 UTF-8 文本", en: "the line is not UTF-8 text" }
    ENTITY_KEY_BAD {
        zh: "“{0}”应为实体名，实为 {1}",
        en: "`{0}` must be an entity name, found {1}",
    }
    UNDECLARED_KEY {
        zh: "{0}：“{1}”有预案未声明的字段“{2}”，不读取",
        en: "{0}: `{1}` has a field `{2}` that the policy does not declare; it is ignored",
    }
    JSON_SHAPE { zh: "{0}：{1}", en: "{0}: {1}" }
    JSON_INVALID { zh: "{0}：不是有效的 JSON：{1}", en: "{0}: not valid JSON: {1}" }
    JSON_HELP {
        zh: "JSON 数据是一个对象，每个实体一个数组；见 docs/cli.md",
        en: "JSON data is an object with one array per entity; see docs/cli.md",
    }
    CANNOT_READ_AT_LINE {
        zh: "无法读取数据文件“{0}”第 {1} 行：{2}",
        en: "cannot read data file `{0}` at line {1}: {2}",
    }
    KIND_ARRAY { zh: "数组", en: "an array" }
    KIND_STRING { zh: "字符串", en: "a string" }
    KIND_NUMBER { zh: "数字", en: "a number" }
    KIND_BOOL { zh: "布尔值", en: "a boolean" }
    KIND_NULL { zh: "null", en: "null" }
    // ------------------------------------------------------------ the command line
    UNKNOWN_LEVEL { zh: "未知的预警级别“{0}”", en: "unknown level `{0}`" }
    LEVELS_HELP { zh: "级别有：{0}，或 all（全部）", en: "levels: {0}, or `all`" }
    XLSX_NEEDS_FILE { zh: "xlsx 输出需要写入文件", en: "xlsx output needs a file" }
    XLSX_NEEDS_FILE_HELP { zh: "加上 -o 结果.xlsx", en: "add `-o decisions.xlsx`" }
    CANNOT_WRITE { zh: "无法写入“{0}”：{1}", en: "cannot write `{0}`: {1}" }
    OUTPUT_IS_INPUT {
        zh: "输出文件“{0}”就是输入文件“{1}”：写入会毁掉正在读取的数据",
        en: "the output `{0}` is the input `{1}`: writing it would destroy the data being read",
    }
    OUTPUT_IS_INPUT_HELP {
        zh: "用 -o 指定另一个文件名",
        en: "name another file with -o",
    }
    CANNOT_WRITE_OUTPUT { zh: "无法写出结果：{0}", en: "cannot write the output: {0}" }
    CANNOT_READ_RULES {
        zh: "无法读取规则集“{0}”：{1}",
        en: "cannot read rule set `{0}`: {1}",
    }
    CANNOT_USE_RULES {
        zh: "无法使用规则集“{0}”：{1}",
        en: "cannot use rule set `{0}`: {1}",
    }
    COMPILE_AGAIN_HELP {
        zh: "请用本版 policyc 重新编译预案：`policyc compile 预案 -o rules.json`",
        en: "compile the policy again with this policyc: `policyc compile POLICY -o rules.json`",
    }
    CHECK_THE_PATH { zh: "请检查路径", en: "check the path" }
    POLICY_HAS_ERRORS {
        zh: "policyc：预案有错误，未进行评估",
        en: "policyc: the policy has errors; nothing was evaluated",
    }
    CANNOT_READ_MAP {
        zh: "无法读取对照表“{0}”：{1}",
        en: "cannot read mapping file `{0}`: {1}",
    }
    PROGRESS { zh: "已读取 {0} 条记录", en: "{0} records read" }
    STANDARD_OUTPUT { zh: "标准输出", en: "standard output" }
    ERRORS_SHEET { zh: "{0} 的“错误”工作表", en: "the 错误 (errors) sheet of {0}" }
    // ------------------------------------------------------------ evaluation
    EVAL_MISSING_CELL {
        zh: "表“{0}”没有（{1}）的单元格，措施“{2}”需要它",
        en: "table `{0}` has no cell for ({1}), needed by measure `{2}`",
    }
    /// A measure binds a record whose value (an industry) its table declares `未编码`.
    EVAL_NOT_ENCODED {
        zh: "未编码{0}的绩效分级表",
        en: "no grading table is encoded for {0}",
    }
    /// The effective action of a record bound by such a measure, with the reasons.
    EVAL_UNDETERMINED {
        zh: "未定，需人工确定：{0}",
        en: "undetermined, to be determined by hand: {0}",
    }
    EVAL_MISSING_KEY {
        zh: "字段“{0}”没有值，但措施“{1}”要用它查表“{2}”",
        en: "field `{0}` has no value, but measure `{1}` needs it to look up table `{2}`",
    }
    // ------------------------------------------------------------ the run's summary
    SUMMARY {
        zh: "读取 {0} 条记录：已评估 {1}，失败 {2}，跳过 {3}",
        en: "records {0}, evaluated {1}, failed {2}, skipped {3}",
    }
    /// `audit`'s summary: records read, checked, failed, skipped; findings: errors, warnings.
    AUDIT_SUMMARY {
        zh: "读取 {0} 条记录：已检查 {1}，失败 {2}，跳过 {3}；发现 {4} 个错误、{5} 个警告",
        en: "records {0}, checked {1}, failed {2}, skipped {3}; findings: {4} errors, {5} warnings",
    }
    AUDIT_FINDINGS_IN {
        zh: "发现明细见 {0}",
        en: "the findings are listed in {0}",
    }
    AUDIT_NO_RULES {
        zh: "方案没有声明规则（规则），没有可检查的内容",
        en: "the plan declares no rules (规则): there is nothing to check",
    }
    // ---- audit findings, as the text report writes them
    /// A finding's head: severity, rule, level (` @ 黄色` or nothing), citation.
    AUDIT_HEAD { zh: "{0} 规则“{1}”{2} — {3}", en: "{0} rule `{1}`{2} — {3}" }
    AUDIT_ERROR { zh: "错误", en: "error" }
    AUDIT_WARNING { zh: "警告", en: "warning" }
    /// Where: entity, key, file, row.
    AUDIT_RECORD { zh: "{0} {1}（{2} 第 {3} 行）", en: "{0} {1} ({2}, row {3})" }
    /// The item a finding concerns: its entity and key.
    AUDIT_ITEM { zh: "，{0} {1}", en: ", {0} {1}" }
    AUDIT_NO_MESSAGE { zh: "不满足规则“{0}”", en: "does not satisfy rule `{0}`" }
    AUDIT_READ { zh: "读取：{0}", en: "read: {0}" }
    AUDIT_NO_CITE { zh: "（无依据）", en: "(no citation)" }
    // ---- list rules: a group that fails a comparison of aggregates
    /// Which records: the entity and the group.
    AUDIT_LIST_GROUP { zh: "{0}，分组 {1}", en: "{0}, group {1}" }
    /// A rule without `分组`: its one group of all records.
    AUDIT_LIST_WHOLE { zh: "{0}（全部记录）", en: "{0} (all records)" }
    /// Both sides of the comparison not met.
    AUDIT_LIST_SIDES { zh: "（实际 {0}，要求 {1}）", en: " (achieved {0}, required {1})" }
    AUDIT_LIST_NOT_MET { zh: "未满足：{0}", en: "not met: {0}" }
    AUDIT_LIST_FIGURES { zh: "汇总：{0}", en: "figures: {0}" }
    /// An aggregate's records with the field empty, left out of it.
    AUDIT_BASE_DECLARED { zh: "（减排模型声明的总量）", en: " (the total the reduction model declares)" }
    AUDIT_BASE_DATA_TOTAL { zh: "（减排模型声明的总量：数据中 {0} 全部 {2} 条记录的 {1} 之和）", en: " (the total the reduction model declares: {1} summed over all {2} records of {0} in the data)" }
    AUDIT_BASE_DATA { zh: "（数据中全部 {0} 条记录之和，减排模型未声明总量）", en: " (the sum over all {0} records of the data; the reduction model declares no total)" }
    AUDIT_LIST_UNDETERMINED { zh: "（{0} 条记录的综合要求未确定，未计入）", en: " ({0} records whose effective action is undetermined, left out)" }
    AUDIT_LIST_MISSING { zh: "（{0} 条记录该字段为空，未计入）", en: " ({0} records with the field empty, left out)" }
    AUDIT_LIST_NO_RECORDS { zh: "无法计算：没有记录", en: "cannot be computed: no records" }
    AUDIT_LIST_NO_VALUES { zh: "无法计算：没有记录有值", en: "cannot be computed: no record has a value" }
    AUDIT_LIST_OVERFLOW { zh: "无法计算：超出可计算范围", en: "cannot be computed: the figure is out of range" }
    // ---- the census (`--census`): what in the plan never fired over the run
    /// The census's head: the evaluated levels.
    CENSUS_HEAD { zh: "普查（级别：{0}）", en: "census (levels: {0})" }
    CENSUS_MEASURES { zh: "从未适用的措施：{0} / {1}", en: "measures that never applied: {0} of {1}" }
    CENSUS_CELLS { zh: "从未使用的表格单元格：{0} / {1}", en: "table cells never used: {0} of {1}" }
    CENSUS_EXCEPTIONS { zh: "从未成立的除外：{0} / {1}", en: "exceptions that never held: {0} of {1}" }
    CENSUS_EXEMPTIONS {
        zh: "从未解除任何措施的豁免：{0} / {1}",
        en: "exemptions that never lifted a measure: {0} of {1}",
    }
    CENSUS_RECORDS { zh: "无措施涉及的记录：{0} / {1}", en: "records no measure concerns: {0} of {1}" }
    /// A citation after what it cites.
    CENSUS_CITE { zh: "（依据 {0}）", en: " ({0})" }
    /// Why a measure never applied, after its name.
    CENSUS_BECAUSE { zh: "：{0}", en: ": {0}" }
    CENSUS_NO_SUBJECT { zh: "没有可判定的对象", en: "nothing to decide it for" }
    CENSUS_CONDITION { zh: "条件从未成立", en: "its condition never held" }
    CENSUS_LIFTED { zh: "每次都被除外或豁免", en: "always excepted or exempted" }
    CENSUS_FAILED { zh: "每次判定都出错", en: "every decision of it failed" }
    /// An exception: its measure and its number among the measure's exceptions.
    CENSUS_EXCEPTION { zh: "措施“{0}”的第 {1} 项除外", en: "exception {1} of measure `{0}`" }
    /// Cells of a table that differ only in their last key: the table and the other keys,
    /// then the last keys.
    CENSUS_CELL_GROUP { zh: "{0}[{1}]：{2}", en: "{0}[{1}]: {2}" }
    /// Unconcerned records past those named.
    CENSUS_MORE { zh: "……另有 {0} 条", en: "… and {0} more" }
    // The census sheet of a workbook: kind of thing, the thing, its citation, what it says.
    SHEET_CENSUS { zh: "普查", en: "census" }
    CENSUS_COL_KIND { zh: "类别", en: "kind" }
    CENSUS_COL_ITEM { zh: "项目", en: "item" }
    CENSUS_COL_DETAIL { zh: "说明", en: "detail" }
    CENSUS_KIND_MEASURE { zh: "措施", en: "measure" }
    CENSUS_KIND_CELL { zh: "表格单元格", en: "table cell" }
    CENSUS_KIND_EXCEPTION { zh: "除外", en: "exception" }
    CENSUS_KIND_EXEMPTION { zh: "豁免", en: "exemption" }
    CENSUS_KIND_RECORD { zh: "记录", en: "record" }
    SUMMARY_ERRORS_IN {
        zh: "错误明细见 {0}",
        en: "the errors are listed in {0}",
    }
    WARNING {
        zh: "警告：{0}",
        en: "warning: {0}",
    }
    NOTE {
        zh: "提示：{0}",
        en: "note: {0}",
    }
    HELP {
        zh: "帮助：{0}",
        en: "help: {0}",
    }

    // ---- report: output headers, sheets, statuses
    // Column headers of the CSV rows and of the xlsx detail sheet.
    OUT_ENTITY { zh: "实体", en: "entity" }
    OUT_KEY { zh: "键", en: "key" }
    OUT_NAME { zh: "名称", en: "name" }
    OUT_LEVEL { zh: "级别", en: "level" }
    OUT_EFFECTIVE { zh: "综合要求", en: "effective_action" }
    OUT_MEASURE { zh: "措施", en: "measure" }
    OUT_KIND { zh: "类型", en: "kind" }
    OUT_STATUS { zh: "状态", en: "status" }
    OUT_SUBJECT { zh: "对象", en: "subject" }
    OUT_ACTION { zh: "要求", en: "action" }
    OUT_TEXT { zh: "内容", en: "text" }
    OUT_CITE { zh: "依据", en: "cite" }
    OUT_EXEMPTED_BY { zh: "豁免依据", en: "exempted_by" }
    // Statuses of a row.
    OUT_APPLIES { zh: "适用", en: "applies" }
    OUT_EXEMPT { zh: "豁免", en: "exempt" }
    OUT_NOT_ENCODED { zh: "未编码", en: "not encoded" }
    OUT_ERROR { zh: "错误", en: "error" }
    OUT_YES { zh: "是", en: "yes" }
    OUT_NO { zh: "否", en: "no" }
    // Measure kinds.
    OUT_ADVISORY { zh: "倡议性", en: "advisory" }
    OUT_MANDATORY { zh: "强制性", en: "mandatory" }
    // Sheet names of the xlsx workbook (at most 31 characters, no `[]:*?/\\`).
    SHEET_SUMMARY { zh: "汇总", en: "summary" }
    SHEET_DETAIL { zh: "明细", en: "detail" }
    SHEET_ERRORS { zh: "错误", en: "errors" }
    SHEET_ABOUT { zh: "说明", en: "about" }
    /// The audit workbook's sheet of findings, one row each.
    SHEET_FINDINGS { zh: "发现", en: "findings" }
    /// The summary sheet of records of another entity than the first: `汇总-单位`.
    SHEET_SUMMARY_OF { zh: "汇总-{0}", en: "summary-{0}" }
    /// A detail sheet after the first, when the first is full: `明细2`.
    SHEET_CONTINUED { zh: "{0}{1}", en: "{0}{1}" }
    // Summary sheet: per level, what the record must do and what lifted a measure.
    SUMMARY_LEVEL_ACTION { zh: "{0}要求", en: "{0} action" }
    SUMMARY_LEVEL_EXEMPT { zh: "{0}豁免", en: "{0} exempted by" }
    /// An item measure in a summary cell: the measure and how many items it binds.
    SUMMARY_ITEM_COUNT { zh: "{0}：{1} 项", en: "{0}: {1} items" }
    SUMMARY_JOIN { zh: "；", en: "; " }
    // Errors sheet.
    ERR_FILE { zh: "文件", en: "file" }
    ERR_SHEET { zh: "工作表", en: "sheet" }
    ERR_ROW { zh: "行", en: "row" }
    ERR_COLUMN { zh: "列", en: "column" }
    ERR_VALUE { zh: "值", en: "value" }
    ERR_MESSAGE { zh: "错误信息", en: "message" }
    // Findings sheet of the audit workbook (with OUT_* and ERR_* columns).
    FIND_SEVERITY { zh: "严重性", en: "severity" }
    FIND_RULE { zh: "规则", en: "rule" }
    /// The key of the list item a finding concerns (a machine's 编号).
    FIND_ITEM { zh: "所涉子项", en: "item" }
    FIND_VALUES { zh: "读取的值", en: "values read" }
    // About sheet.
    ABOUT_ITEM { zh: "项目", en: "item" }
    ABOUT_VALUE { zh: "内容", en: "value" }
    ABOUT_TITLE { zh: "预案", en: "plan" }
    ABOUT_RULES_HASH { zh: "规则集哈希", en: "rule set hash" }
    ABOUT_INPUT { zh: "输入文件", en: "input file" }
    ABOUT_MAPPING { zh: "列映射", en: "column mapping" }
    ABOUT_RECORDS { zh: "记录数", en: "records" }
    ABOUT_EVALUATED { zh: "已评估", en: "evaluated" }
    ABOUT_FAILED { zh: "失败", en: "failed" }
    ABOUT_SKIPPED { zh: "跳过", en: "skipped" }
    ABOUT_CHECKED { zh: "已检查", en: "checked" }
    ABOUT_ERROR_FINDINGS { zh: "错误发现", en: "error findings" }
    ABOUT_WARNING_FINDINGS { zh: "警告发现", en: "warning findings" }
    ABOUT_NONE { zh: "（无）", en: "(none)" }

    // ---- reading policies and rule sets: regular files, size limits, the import root
    CANNOT_READ_POLICY {
        zh: "无法读取预案文件“{0}”：{1}",
        en: "cannot read policy file `{0}`: {1}",
    }
    CANNOT_READ_POLICY_HELP {
        zh: "请检查路径；预案文件是 UTF-8 文本文件",
        en: "check the path; policy files are UTF-8 text files",
    }
    NOT_REGULAR_FILE {
        zh: "“{0}”不是普通文件，而是{1}：预案和规则集只从普通文件读取，读取前即拒绝",
        en: "`{0}` is not a regular file but {1}: policies and rule sets are read only from regular files, so it was refused before reading",
    }
    NOT_REGULAR_FILE_HELP {
        zh: "请给出预案或规则集文件本身，而不是管道、设备或目录",
        en: "name the policy or rule set file itself, not a pipe, a device or a directory",
    }
    FILE_KIND_DIRECTORY { zh: "目录", en: "a directory" }
    FILE_KIND_FIFO { zh: "命名管道（FIFO）", en: "a named pipe (FIFO)" }
    FILE_KIND_DEVICE { zh: "设备文件", en: "a device" }
    FILE_KIND_SOCKET { zh: "套接字", en: "a socket" }
    FILE_KIND_OTHER { zh: "特殊文件", en: "a special file" }
    FILE_TOO_LARGE {
        zh: "“{0}”超过 {1} 字节，这是{2}的上限",
        en: "`{0}` is larger than {1} bytes, the limit for {2}",
    }
    FILE_TOO_LARGE_HELP {
        zh: "请检查路径是否指向预案或规则集；没有哪份预案有这么大",
        en: "check that the path names a policy or a rule set; no plan is this large",
    }
    LIMIT_POLICY_TEXT {
        zh: "预案文本（入口文件及其导入的文件合计）",
        en: "policy text (a policy and its imports together)",
    }
    LIMIT_RULES_FILE { zh: "规则集文件", en: "a rule set file" }
    RULES_NOT_UTF8 { zh: "不是 UTF-8 文本", en: "it is not UTF-8 text" }
    IMPORT_ROOT_INVALID {
        zh: "导入根目录“{0}”不可用：{1}",
        en: "the import root `{0}` cannot be used: {1}",
    }
    IMPORT_ROOT_HELP {
        zh: "--import-root 应指向一个已存在的目录；导入的文件都须位于其中",
        en: "--import-root names an existing directory that every import must stay inside",
    }

    // ------------------------------------------------------------ validated rule sets and exact integers
    /// A rule set read from a file that is not well formed: the file and what is wrong.
    RULES_INVALID {
        zh: "规则集“{0}”结构无效（无论其哈希如何）：{1}",
        en: "the rule set `{0}` is not well formed (whatever its hash says): {1}",
    }
    RULES_INVALID_HELP {
        zh: "内容哈希只能发现意外损坏，不能防止篡改；请从预案重新编译：`policyc compile 预案 -o rules.json`",
        en: "the content hash detects accidents, not tampering; compile it again from the policy: `policyc compile POLICY -o rules.json`",
    }
    /// A rule set compiled from policy text that the evaluator cannot run.
    RULES_COMPILED_INVALID {
        zh: "预案“{0}”编译出的规则集无法评估：{1}",
        en: "the policy `{0}` compiles to a rule set that cannot be evaluated: {1}",
    }
    RULES_COMPILED_INVALID_HELP {
        zh: "请对照 docs/language.md 的“Limits”一节缩小预案的声明",
        en: "keep the plan's declarations within the limits of docs/language.md (\"Limits\")",
    }
    RULES_AT_RULE_SET { zh: "规则集", en: "the rule set" }
    RULES_AT_ENUM { zh: "枚举“{0}”", en: "enum `{0}`" }
    RULES_AT_ENTITY { zh: "实体“{0}”", en: "entity `{0}`" }
    RULES_AT_TABLE { zh: "表“{0}”", en: "table `{0}`" }
    RULES_AT_MEASURE { zh: "措施“{0}”", en: "measure `{0}`" }
    RULES_AT_EXEMPTION { zh: "豁免“{0}”", en: "exemption `{0}`" }
    RULES_AT_RECORD_RULE { zh: "规则“{0}”", en: "rule `{0}`" }
    /// The header of an item list's column holding its parent's key: entity, key field.
    PUBLIC_PARENT_KEY { zh: "所属{0}{1}", en: "{0} {1}" }
    PUBLISH_NO_DISCLOSURE { zh: "方案没有声明公开（公开），没有可公开的清单", en: "the plan declares no disclosure (公开): nothing may be published" }
    PUBLISH_NO_DISCLOSURE_HELP { zh: "在方案中声明公开的清单，例如 `公开 应急减排清单 { 对象 企业 字段 名称 除外 当 涉密 }`", en: "declare what is public in the plan, e.g. `公开 应急减排清单 { 对象 企业 字段 名称 除外 当 涉密 }`" }
    PUBLISH_FORMAT { zh: "无法从输出文件名判断格式", en: "the output's name does not tell its format" }
    PUBLISH_FORMAT_HELP { zh: "输出文件以 .xlsx、.csv 或 .json 结尾，或给出 --format xlsx|csv|json", en: "name the output *.xlsx, *.csv or *.json, or give --format xlsx|csv|json" }
    PUBLISH_UNKNOWN_LIST { zh: "方案没有名为“{0}”的公开清单", en: "the plan has no disclosure named `{0}`" }
    PUBLISH_LISTS { zh: "公开清单：{0}", en: "its disclosures: {0}" }
    PUBLISH_CSV_ONE_LIST { zh: "CSV 文件只能容纳一个清单，方案声明了多个", en: "a CSV file holds one list, and the plan declares several" }
    /// publish's summary: records, published, rows, withheld, unreadable, not listed, failed, skipped.
    PUBLISH_SUMMARY {
        zh: "读取 {0} 条记录：公开 {1}（共 {2} 行），不予公开 {3}，无法判断而不予公开 {4}，不在任何清单 {5}，失败 {6}，跳过 {7}",
        en: "records {0}: published {1} ({2} rows), withheld {3}, withheld as unreadable {4}, in no list {5}, failed {6}, skipped {7}",
    }
    PUBLIC_EVAL_SUMMARY {
        zh: "公开输出：列出 {0} 条记录，{1} 条不予公开（涉密、无法判断或不在任何公开清单）；错误行只在此处报告",
        en: "public output: {0} records shown, {1} kept out (withheld, unreadable or in no list); error rows are reported here only",
    }
    PUBLISH_UNREADABLE_NOTE {
        zh: "不予公开条件（除外）读取到空值的记录一律不予公开；请补全这些记录的相关列（如“涉密”）",
        en: "a record whose withholding condition (除外) reads an empty value is withheld; fill in those cells (such as 涉密)",
    }
    ABOUT_PUBLIC_ROWS { zh: "公开清单“{0}”行数", en: "rows of the public list `{0}`" }
    RULES_AT_DISCLOSURE { zh: "公开声明“{0}”", en: "disclosure `{0}`" }
    RULES_AT_MODEL { zh: "减排模型“{0}”", en: "reduction model `{0}`" }
    RULES_KIND_ENTITY { zh: "实体", en: "entity" }
    RULES_KIND_FIELD { zh: "字段", en: "field" }
    RULES_KIND_LEVEL { zh: "预警级别", en: "alert level" }
    RULES_KIND_ENUM { zh: "枚举", en: "enum" }
    RULES_KIND_ENUM_VALUE { zh: "枚举值", en: "enum value" }
    RULES_KIND_MEASURE { zh: "措施", en: "measure" }
    RULES_KIND_EXEMPTION { zh: "豁免", en: "exemption" }
    RULES_KIND_TABLE { zh: "表", en: "table" }
    RULES_KIND_TABLE_KEY { zh: "表的键", en: "table key" }
    RULES_KIND_RESTRICTION { zh: "限制", en: "restriction" }
    RULES_KIND_FRAME { zh: "嵌套作用域", en: "nested scope" }
    RULES_KIND_NESTING { zh: "条件嵌套层", en: "condition nesting level" }
    /// An index out of range: the place, the kind, the index, how many there are.
    RULES_BAD_INDEX {
        zh: "{0}引用了编号为 {2} 的{1}，但{1}只有 {3} 个（编号从 0 起）",
        en: "{0} refers to {1} number {2}, but there are only {3} (numbered from 0)",
    }
    /// Over a limit: the place, the kind, the count, the limit.
    RULES_TOO_MANY {
        zh: "{0}有 {2} 个{1}，上限为 {3}",
        en: "{0} has {2} of kind \"{1}\", more than the limit of {3}",
    }
    RULES_NOT_DENSE {
        zh: "{0}有 {1} 个格，但其维度相乘应为 {2} 个（表必须是稠密的）",
        en: "{0} has {1} cells, but its dimensions make {2} (a table must be dense)",
    }
    RULES_TABLE_TOO_LARGE {
        zh: "{0}的维度相乘超出可计数的范围（实有 {1} 个格）",
        en: "{0} has dimensions that multiply beyond any count (it has {1} cells)",
    }
    /// A mask with bits beyond its domain: the place, the mask, how many there are, the kind.
    RULES_BAD_MASK {
        zh: "{0}的位掩码 {1} 超出了其 {2} 个{3}",
        en: "{0} has the bit mask {1}, beyond its {2} of kind \"{3}\"",
    }
    RULES_MISMATCH { zh: "{0}：{1}", en: "{0}: {1}" }
    RULES_RULE_LEVEL {
        zh: "没有预警级别的规则读取了预警级别",
        en: "a rule without levels reads the alert level",
    }
    RULES_DISCLOSURE_LEVEL {
        zh: "公开声明的条件读取了预警级别",
        en: "a disclosure's condition reads the alert level",
    }
    RULES_DISCLOSURE_FIELDS {
        zh: "公开的字段不以键开头，或含有列表字段",
        en: "its published fields do not start with the key, or include a list",
    }
    AUDIT_NOT_AN_ACTION {
        zh: "“{0}”（不能识别为措施）",
        en: "“{0}” (does not read as an action)",
    }
    RULES_AT_LEAST {
        zh: "比较措施的规则读取的不是措施字段、其生产线没有减排模型声明的产能，或无级别的规则读取按级别措施或预案措施；或减排模型的加权字段不是列表条目的数值字段",
        en: "a rule comparing actions reads no action field, compares lines the model declares no capacity for, or reads an action per level or 预案措施 without levels; or a model weighs lines by a field that is no number field of a list's items",
    }
    RULES_MODEL {
        zh: "减排模型的排放基数不是数值字段、自主减排比例不是百分比、总量不属于排放基数或同一实体有两个减排模型；或减排量、基数读取的不是所在实体减排模型的排放基数",
        en: "a reduction model has a base that is not a number field, a voluntary figure that is not a percentage, a total of a field that is no base, or a second model of its entity; or a 减排量 or 基数 reads no base of its entity's model",
    }
    RULES_LIST_RULE_FIELD {
        zh: "清单规则汇总的字段不是数值，或分组字段是列表或集合",
        en: "a list rule aggregates a field that is not a number, or groups by a list or a set",
    }
    RULES_KIND_AGGREGATE {
        zh: "汇总项",
        en: "aggregate",
    }
    RULES_DISCLOSURE_PARENT {
        zh: "公开明细项，但没有公开其所属实体",
        en: "it publishes items, but no disclosure publishes their parent's entity",
    }
    RULES_FIELD_RANGE {
        zh: "字段的取值范围不在整数字段上，或者下限大于上限",
        en: "a field's range is on a field that is not an integer, or its lower end is above its upper end",
    }
    RULES_NOT_ENCODED {
        zh: "声明为未编码的值不属于作为第一维的枚举，或者有单元格",
        en: "the values it declares not encoded are not values of an enum first dimension, or have cells",
    }
    RULES_ENUM_SHAPE {
        zh: "其排序或别名不是每个值一项",
        en: "its ranks or aliases are not one per value",
    }
    RULES_NOT_A_LIST {
        zh: "所经由的字段不是该实体的列表",
        en: "the field it goes through is not a list of that entity",
    }
    RULES_NOT_A_SET {
        zh: "用“属于”检验的字段不是集合",
        en: "the field tested with `属于` is not a set",
    }
    RULES_TABLE_SIZES {
        zh: "维度的大小与其级别数或枚举值数不符",
        en: "its dimension sizes do not match the numbers of their levels or values",
    }
    RULES_KEY_TYPE {
        zh: "查表的键或条件中的值与表的维度或字段的类型不符",
        en: "a key or value does not match the table's dimension or the field's type",
    }
    RULES_PER_LEVEL {
        zh: "其措辞或要求不是每个预警级别一项",
        en: "its wordings or actions are not one per alert level",
    }
    RULES_PERCENT { zh: "百分比超过 100%", en: "a percentage is above 100%" }
    RULES_EXEMPTION_ENTITY {
        zh: "解除它的豁免针对另一个实体",
        en: "an exemption that lifts it concerns another entity",
    }
    RULES_LIFTS_NOT_MIRRORED {
        zh: "豁免的“解除”与措施记录的解除它的豁免不一致",
        en: "an exemption's lifted measures and the measure's lifting exemptions do not name each other",
    }
    RULES_NON_EXEMPTIBLE_LIFTED {
        zh: "它不可豁免，却被豁免解除",
        en: "it is non-exemptible, yet an exemption lifts it",
    }
    /// An integer cell outside the 64-bit range: a row error, never a rounding.
    INTEGER_OUT_OF_RANGE {
        zh: "整数超出范围（-9223372036854775808 至 9223372036854775807）",
        en: "an integer outside the range -9223372036854775808 to 9223372036854775807",
    }

    // ---- data limits, duplicate keys and safe output (issue 8: no record lost, no output
    // destroyed, no memory exhausted by data)
    /// A long cell echoed in a message: its first characters, then how long it is.
    ECHO_CUT { zh: "{0}…（共 {1} 个字符）", en: "{0}… ({1} characters in all)" }
    RECORD_TOO_LARGE {
        zh: "该行超过 {0} 字节的上限，未读取其余部分",
        en: "the row is longer than the limit of {0} bytes; the rest of it was not read",
    }
    ROW_TOO_MANY_CELLS {
        zh: "该行超过 {0} 个单元格的上限，未读取其余部分",
        en: "the row has more than the limit of {0} cells; the rest of it was not read",
    }
    CELL_TOO_LARGE {
        zh: "单元格有 {0} 字节，超过 {1} 字节的上限",
        en: "the cell holds {0} bytes, more than the limit of {1}",
    }
    DUPLICATE_KEY {
        zh: "{0}的键 {1} 重复：与 {2} 第 {3} 行相同，本行未评估",
        en: "{0} key {1} is repeated: {2} row {3} has it already; this row is not evaluated",
    }
    DUPLICATE_KEY_OF_FAILED {
        zh: "{0}的键 {1} 重复：{2} 第 {3} 行的错误已涉及这一键（那条记录未能读取），本行未评估",
        en: "{0} key {1} is repeated: the error at {2} row {3} concerns it already (that record could not be read); this row is not evaluated",
    }
    DUPLICATE_ITEM_KEY {
        zh: "{0} {1} 在{2} {3} 下重复：与 {4} 第 {5} 行相同",
        en: "{0} {1} appears twice under {2} {3}: {4} row {5} has it already",
    }
    /// Where a row is, for a duplicate key: the file, and the sheet of a workbook.
    PLACE_IN_SHEET { zh: "{0}（工作表“{1}”）", en: "{0} (sheet `{1}`)" }
    JSON_VALUE_BAD {
        zh: "不是可读取的 JSON 值：{0}",
        en: "not a readable JSON value: {0}",
    }
    DATA_FILE_TOO_LARGE {
        zh: "“{0}”超过 {1} 字节：整个读取的文件（JSON 文档、工作簿）以此为上限",
        en: "`{0}` is larger than {1} bytes, the limit for a file read whole (a JSON document, a workbook)",
    }
    DATA_FILE_TOO_LARGE_HELP {
        zh: "CSV 和 JSON Lines 按行流式读取，没有这一上限：请另存为其中一种格式",
        en: "CSV and JSON Lines are streamed row by row and have no such limit: save the list as one of them",
    }
    PART_TOO_LARGE {
        zh: "解压后超过 {0} 字节的上限",
        en: "it decompresses to more than the limit of {0} bytes",
    }
    PART_RATIO {
        zh: "解压后是压缩大小的 {0} 倍以上（压缩炸弹）",
        en: "it decompresses to more than {0} times its compressed size (a compression bomb)",
    }
    SHEET_TOO_MANY_ROWS {
        zh: "行号超过 {0} 行的上限",
        en: "it numbers a row past the limit of {0} rows",
    }
    SHEET_BAD_CELL_REF {
        zh: "单元格引用“{0}”不是工作表中的单元格（最后一个是 XFD{1}）",
        en: "the cell reference `{0}` is not a cell of a sheet (the last one is XFD{1})",
    }
    SHEET_CELL_TOO_LARGE {
        zh: "第 {0} 行有一个单元格超过 {1} 字节的上限",
        en: "a cell of row {0} holds more than the limit of {1} bytes",
    }
    SHARED_STRING_TOO_LARGE {
        zh: "共享字符串表中有一项超过 {0} 字节的上限",
        en: "a shared string holds more than the limit of {0} bytes",
    }
    DUPLICATE_IN_LIST {
        zh: "{0} {1} 在列表中重复：第 {2} 项已有",
        en: "{0} {1} appears twice in the list: item {2} has it already",
    }
    /// The shared strings of a workbook, named where a sheet would be.
    SHARED_STRINGS { zh: "共享字符串", en: "shared strings" }

    // ------------------------------------------------------------ library: records and decisions
    API_UNKNOWN_ENTITY { zh: "政策中没有名为{0}的实体", en: "the policy has no entity named {0}" }
    API_UNKNOWN_FIELD { zh: "实体{0}没有字段{1}", en: "entity {0} has no field {1}" }
    API_NOT_A_VARIANT {
        zh: "{1}不是字段{0}的取值；可取：{2}",
        en: "{1} is not a value of field {0}; it takes one of: {2}",
    }
    API_WRONG_TYPE { zh: "字段{0}不接受这种值：应为{1}", en: "field {0} does not take this kind of value: expected {1}" }
    API_INVALID_VALUE { zh: "字段{0}的值{1}无效：{2}", en: "value {1} of field {0} is not valid: {2}" }
    API_NOT_A_LIST { zh: "字段{0}不是列表，不能添加条目", en: "field {0} is not a list: no items can be added to it" }
    API_MISSING_FIELD { zh: "实体{0}的必填字段{1}没有值", en: "the required field {1} of entity {0} has no value" }
    API_FOREIGN_FIELD {
        zh: "该字段属于实体{0}，不能用于实体{1}的记录",
        en: "the field is one of entity {0}; it cannot be set in a record of entity {1}",
    }
    API_FOREIGN_RECORD {
        zh: "该记录是按另一项政策的结构建立的",
        en: "the record was built against another policy's schema",
    }
    API_EXCEPTED { zh: "除外", en: "excepted" }
    API_EXEMPTED_BY { zh: "由{0}豁免", en: "exempted by {0}" }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The placeholders a template uses, sorted.
    fn placeholders(t: &str) -> Vec<usize> {
        let mut v = Vec::new();
        let mut rest = t;
        while let Some(i) = rest.find('{') {
            let tail = &rest[i + 1..];
            if let Some(end) = tail.find('}') {
                if let Ok(n) = tail[..end].parse::<usize>() {
                    v.push(n);
                }
            }
            rest = tail;
        }
        v.sort_unstable();
        v.dedup();
        v
    }

    #[test]
    fn both_languages_use_the_same_placeholders() {
        for m in ALL {
            assert_eq!(placeholders(m.zh), placeholders(m.en), "message {}", m.id);
            assert!(!m.zh.is_empty() && !m.en.is_empty(), "message {}", m.id);
        }
    }

    #[test]
    fn message_names_are_unique() {
        let mut ids: Vec<&str> = ALL.iter().map(|m| m.id).collect();
        ids.sort_unstable();
        let n = ids.len();
        ids.dedup();
        assert_eq!(ids.len(), n);
    }

    #[test]
    fn placeholders_are_filled_by_position() {
        let m = Msg {
            id: "T",
            zh: "{1} 在 {0} {{x}}",
            en: "{0} then {1}",
        };
        assert_eq!(m.fmt(Lang::Zh, &[&"a", &2]), "2 在 a {x}");
        assert_eq!(m.fmt(Lang::En, &[&"a", &2]), "a then 2");
        assert_eq!(
            crate::msg!(Lang::En, SUMMARY, 3, 1, 1, 1),
            "records 3, evaluated 1, failed 1, skipped 1"
        );
    }

    #[test]
    fn lang_parses_common_spellings() {
        assert_eq!(Lang::parse("zh_CN.UTF-8"), Some(Lang::Zh));
        assert_eq!(Lang::parse("en"), Some(Lang::En));
        assert_eq!(Lang::parse("fr"), None);
        assert_eq!(Lang::default_for(true), Lang::Zh);
    }
}
