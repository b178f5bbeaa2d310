//! Generates the diagnostic code enum from `src/diagnostics/codes.in`, the one table of
//! stable codes: `Code::E0201` exists exactly when the table explains `E0201`, so a
//! diagnostic cannot carry a code that `policyc explain` does not know.

use std::fmt::Write as _;
use std::path::Path;

fn main() {
    let table = "src/diagnostics/codes.in";
    println!("cargo:rerun-if-changed={table}");
    let text = std::fs::read_to_string(table).expect("src/diagnostics/codes.in is readable");
    let codes: Vec<&str> = text
        .lines()
        .filter_map(|l| l.trim().strip_prefix("code: \""))
        .map(|rest| rest.split('"').next().unwrap_or(""))
        .collect();
    for c in &codes {
        let ok = c.len() == 5
            && (c.starts_with('E') || c.starts_with('W'))
            && c[1..].bytes().all(|b| b.is_ascii_digit());
        assert!(
            ok,
            "codes.in: `{c}` is not a code of the form E0123 or W0123"
        );
    }
    let distinct: std::collections::HashSet<&str> = codes.iter().copied().collect();
    assert_eq!(
        distinct.len(),
        codes.len(),
        "codes.in: a code is listed twice"
    );

    let mut out = String::new();
    out.push_str(
        "/// A stable diagnostic code, one for each entry of `src/diagnostics/codes.in`.\n",
    );
    out.push_str("#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]\n");
    out.push_str("pub enum Code {\n");
    for c in &codes {
        let _ = writeln!(out, "    /// `{c}`: see `policyc explain {c}`.\n    {c},");
    }
    out.push_str("}\n\nimpl Code {\n");
    out.push_str(
        "    /// Every code, in the order of the table.\n    pub const ALL: &'static [Code] = &[",
    );
    for c in &codes {
        let _ = write!(out, "Code::{c}, ");
    }
    out.push_str("];\n\n    /// The code as written (`\"E0201\"`).\n");
    out.push_str("    pub fn as_str(self) -> &'static str {\n        match self {\n");
    for c in &codes {
        let _ = writeln!(out, "            Code::{c} => \"{c}\",");
    }
    out.push_str("        }\n    }\n}\n\n");
    // The table itself, with each entry's code as the enum value.
    let entries = codes.iter().fold(text.clone(), |t, c| {
        t.replace(&format!("code: \"{c}\","), &format!("code: Code::{c},"))
    });
    out.push_str(
        "/// Every stable code with its summary and explanation, in the order of [`Code`].\n",
    );
    out.push_str("pub const CODES: &[CodeInfo] = &");
    out.push_str(&entries);
    out.push_str(";\n");

    let dir = std::env::var("OUT_DIR").expect("cargo sets OUT_DIR");
    std::fs::write(Path::new(&dir).join("codes.rs"), out).expect("OUT_DIR is writable");
}
