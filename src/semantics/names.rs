//! Declared names that look the same but are not: two names of one namespace whose
//! confusable skeletons (Unicode TR39, as rustc's `confusable_idents` lint computes them)
//! are equal while the names differ, such as `停工` written with a Cyrillic letter or with the
//! Katakana `エ` for `工`. Each pair is an error pointing at both, so a reference can never mean
//! one while showing the other.
//!
//! Namespaces: the top-level declarations of the whole program (enums, entities,
//! restrictions, measures, exemptions, tables, imports included), the alert levels with
//! their aliases, the values of one enum, the fields of one entity. Mixing scripts in one
//! name (`B级`, `国四重卡`) is normal and not looked at; identical names are duplicates,
//! reported as such elsewhere (E0102).

use std::collections::HashMap;

use crate::diagnostics::{Code, Diagnostic};
use crate::syntax::ast::{Decl, Name};
use crate::syntax::chars::code_point;

use super::resolve::Program;

/// Every look-alike pair of declared names, each reported on the later name.
pub fn look_alike_names(prog: &Program) -> Vec<Diagnostic> {
    let mut diags = Vec::new();
    let mut top = Namespace::new("declarations");
    for module in &prog.modules {
        for decl in &module.decls {
            match decl {
                Decl::Enum(e) => {
                    top.add(&e.name, &mut diags);
                    let mut values = Namespace::new("values of one enum");
                    e.variants.iter().for_each(|v| values.add(v, &mut diags));
                }
                Decl::Entity(e) => {
                    top.add(&e.name, &mut diags);
                    let mut fields = Namespace::new("fields of one entity");
                    e.fields
                        .iter()
                        .for_each(|f| fields.add(&f.name, &mut diags));
                }
                Decl::Restriction(r) => top.add(&r.name, &mut diags),
                Decl::Measure(m) => top.add(&m.name, &mut diags),
                Decl::Exemption(x) => top.add(&x.name, &mut diags),
                Decl::Table(t) => top.add(&t.name, &mut diags),
                Decl::Rule(r) => top.add(&r.name, &mut diags),
                Decl::Public(d) => top.add(&d.name, &mut diags),
                Decl::Model(d) => top.add(&d.name, &mut diags),
                Decl::Levels(l) => {
                    let mut levels = Namespace::new("alert levels and their aliases");
                    for def in &l.levels {
                        levels.add(&def.name, &mut diags);
                        if let Some(alias) = &def.alias {
                            levels.add(alias, &mut diags);
                        }
                    }
                }
                Decl::Plan(_) | Decl::Import(_) => {}
            }
        }
    }
    diags
}

/// The TR39 skeleton: the string every look-alike of `text` maps to.
pub fn skeleton(text: &str) -> String {
    unicode_security::skeleton(text).collect()
}

struct Namespace<'a> {
    what: &'static str,
    seen: HashMap<String, &'a Name>,
}

impl<'a> Namespace<'a> {
    fn new(what: &'static str) -> Self {
        Namespace {
            what,
            seen: HashMap::new(),
        }
    }

    fn add(&mut self, name: &'a Name, diags: &mut Vec<Diagnostic>) {
        let first = *self.seen.entry(skeleton(&name.text)).or_insert(name);
        if first.text == name.text {
            return; // the same name, or a duplicate: not a look-alike
        }
        diags.push(
            Diagnostic::new(
                Code::E0120,
                format!(
                    "`{}` looks the same as `{}` but is another name",
                    name.text, first.text
                ),
            )
            .primary(name.span, "this name")
            .secondary(first.span, "looks the same as this one")
            .note(format!(
                "`{}` is written {}; `{}` is written {}",
                name.text,
                spelled(&name.text),
                first.text,
                spelled(&first.text)
            ))
            .help(format!(
                "rename one of them, or write both with the same characters: among the {}, names that look alike must be one name, so that a reference cannot name the one it does not show",
                self.what
            )),
        );
    }
}

/// `U+0410 U+7EA7`: the code points of a name, at most 16 of them.
fn spelled(text: &str) -> String {
    let mut out: Vec<String> = text.chars().take(16).map(code_point).collect();
    if text.chars().count() > 16 {
        out.push("…".into());
    }
    out.join(" ")
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::semantics::resolve::load_program_text;
    use std::path::Path;

    fn codes(text: &str) -> Vec<Code> {
        let (_, diags) = load_program_text(Path::new("a.policy"), "a.policy", text.into());
        diags.iter().map(|d| d.code).collect()
    }

    #[test]
    fn skeletons_join_look_alikes_and_keep_mixed_scripts_apart() {
        assert_eq!(skeleton("A级"), skeleton("\u{0410}级"), "Cyrillic A");
        assert_eq!(skeleton("停\u{30A8}"), skeleton("停工"), "Katakana エ");
        assert_eq!(skeleton("\u{03BF}k"), skeleton("ok"), "Greek omicron");
        assert_ne!(skeleton("B级"), skeleton("B"));
        assert_ne!(skeleton("国四重卡"), skeleton("国五重卡"));
    }

    #[test]
    fn look_alike_declarations_are_errors_in_each_namespace() {
        // Two measures, one with a Cyrillic letter.
        let d = "措施 A停工 强制性 黄色 {}\n措施 \u{0410}停工 强制性 黄色 {}";
        assert_eq!(codes(d), [Code::E0120]);
        // Across kinds: a table and a restriction share the namespace.
        assert_eq!(
            codes("限制 停\u{30A8} \"x\"\n表 停工 (级别) {}"),
            [Code::E0120]
        );
        assert_eq!(codes("枚举 E { A, \u{0410} }"), [Code::E0120]);
        assert_eq!(
            codes("预警级别 { 黄色 (o) < 橙色 (\u{043E}) }"),
            [Code::E0120]
        );
        assert_eq!(
            codes("实体 企业 键 码 { 码: 文本\n c码: 文本\n \u{0441}码: 文本 }"),
            [Code::E0120]
        );
        // Different namespaces may hold look-alikes; identical names are not look-alikes.
        assert!(codes("枚举 E { A }\n枚举 F { \u{0410} }").is_empty());
        assert!(codes("枚举 E { A, B, B-, 引领性 }\n枚举 G { A级, B级 }").is_empty());
        assert_eq!(codes("枚举 E { x }\n枚举 E { y }"), [Code::E0102]);
    }
}
