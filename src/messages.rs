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
    // ------------------------------------------------------------ the run's summary
    SUMMARY {
        zh: "读取 {0} 条记录：已评估 {1}，失败 {2}，跳过 {3}",
        en: "records {0}, evaluated {1}, failed {2}, skipped {3}",
    }
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
    ABOUT_NONE { zh: "（无）", en: "(none)" }
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
