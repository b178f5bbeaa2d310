//! Writes a synthetic plan of N measures over one entity, to measure how `check` grows with
//! the number of measures (the plans of `gen_plan` grow by whole copies of the Beijing plan,
//! with an entity per copy). Per 10 measures: six mandatory production limits from yellow
//! with distinct thresholds (one of them looking up a grading table), an advisory measure,
//! a mandatory yellow measure replaced from orange (`替代`), and a red-level stop with a local
//! exception; per 100 measures an exemption. With `--repeat K` every K-th measure repeats the
//! one before it word for word (W0304 each). Without it the plan checks clean.
//!
//!     cargo run --release --example gen_measures -- 100000 > /tmp/m100k.policy
//!     time target/release/policyc check /tmp/m100k.policy

use std::fmt::Write;

const HEADER: &str = r#"预警级别 { 黄色 (yellow) < 橙色 (orange) < 红色 (red) }
枚举 行业类别 { 行0, 行1, 行2, 行3, 行4, 行5, 行6, 行7 }
实体 企业 键 名称 {
  名称: 文本
  行业: 行业类别
  员工人数: 整数
  涉气排放: 布尔
}
表 分级 (行业类别, 级别) {
  行业类别 | 黄色     | 橙色     | 红色
  行0, 行1 | 限产 10% | 限产 20% | 限产 30%
  行2, 行3 | 限产 20% | 限产 30% | 停产
  行4, 行5, 行6, 行7 | 自主减排 | 限产 10% | 停产
}
"#;

/// The text of one measure, numbered `i`.
fn measure(i: usize) -> String {
    match i % 10 {
        5 => format!(
            "措施 m{i} 强制性 自 黄色 {{ 对象 企业 当 员工人数 > {i} 要求 分级[行业, 级别] 依据 \"{i}\" }}\n"
        ),
        6 => format!(
            "措施 m{i} 倡议性 自 橙色 {{ 对象 企业 当 行业 = 行{} 要求 自主减排 依据 \"{i}\" 内容 \"倡导减排 {i}\" }}\n",
            i % 8
        ),
        7 => format!(
            "措施 m{i} 强制性 黄色 {{ 对象 企业 当 员工人数 < {i} 要求 限产 10% 依据 \"{i}\" }}\n"
        ),
        8 => format!(
            "措施 m{i} 强制性 自 橙色 {{ 对象 企业 当 员工人数 < {i} 要求 限产 20% 替代 m{} 依据 \"{i}\" }}\n",
            i - 1
        ),
        9 => format!(
            "措施 m{i} 强制性 红色 {{ 对象 企业 当 涉气排放 除外 当 员工人数 < {i} 依据 \"{i}\" 要求 停产 依据 \"{i}\" }}\n"
        ),
        _ => format!(
            "措施 m{i} 强制性 自 黄色 {{ 对象 企业 当 员工人数 > {i} 要求 限产 {}% 依据 \"{i}\" }}\n",
            5 + i % 40
        ),
    }
}

/// A plan of `n` measures; with `repeat = Some(k)`, measure `i` (for `i % k == k - 1`)
/// repeats measure `i - 1` under its own name.
pub fn plan(n: usize, repeat: Option<usize>) -> String {
    let mut out = String::from(HEADER);
    for i in 0..n {
        match repeat {
            Some(k) if k > 1 && i % k == k - 1 && !matches!(i % 10, 0 | 7 | 8 | 9) => {
                // The previous measure's text under this one's name (never a replacement's
                // target or replacer, so the repeat is all there is to find).
                let prev = measure(i - 1);
                out.push_str(&prev.replacen(&format!("m{} ", i - 1), &format!("m{i} "), 1));
            }
            _ => out.push_str(&measure(i)),
        }
        if i % 100 == 99 {
            let _ = writeln!(
                out,
                "豁免 x{i} {{ 对象 企业 当 员工人数 = {i} 解除 m{} 依据 \"豁免 {i}\" }}",
                i - 99
            );
        }
    }
    out
}

// Unused when this file is included as a module by a benchmark.
#[allow(dead_code)]
fn main() {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let n = args.first().and_then(|a| a.parse::<usize>().ok());
    let repeat = match args.get(1).map(String::as_str) {
        None => Ok(None),
        Some("--repeat") => args
            .get(2)
            .and_then(|k| k.parse::<usize>().ok())
            .filter(|k| *k >= 2)
            .map(Some)
            .ok_or(()),
        Some(_) => Err(()),
    };
    match (n, repeat) {
        (Some(n), Ok(repeat)) if n >= 1 => print!("{}", plan(n, repeat)),
        _ => {
            eprintln!("usage: gen_measures N [--repeat K]   (N ≥ 1 measures; K ≥ 2)");
            std::process::exit(2);
        }
    }
}
