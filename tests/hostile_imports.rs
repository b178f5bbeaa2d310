//! Nothing reaches outside the plan: imports stay inside the import root, policies,
//! imports and rule sets are regular files of bounded size, and a file that is not policy
//! text is never echoed. Every case runs the real binary, with a timeout where a bug
//! would hang it.

use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

mod common;

use common::{tmp, BEIJING, FIRMS, NATIONAL};

/// What a run of the binary left.
struct Run {
    code: i32,
    out: String,
    err: String,
}

impl Run {
    fn all(&self) -> String {
        format!("{}{}", self.out, self.err)
    }
}

/// Runs `policyc` in `cwd` with `envs` added, killing it (and failing the test) when it has
/// not finished within 30 seconds: a FIFO or `/dev/zero` must never hang it. Output goes to
/// files, so a flood cannot block the child on a full pipe.
fn run_in(cwd: &Path, args: &[&str], envs: &[(&str, &str)]) -> Run {
    static N: std::sync::atomic::AtomicUsize = std::sync::atomic::AtomicUsize::new(0);
    let n = N.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
    let logs = Path::new(env!("CARGO_TARGET_TMPDIR")).join("hostile-imports-logs");
    std::fs::create_dir_all(&logs).unwrap();
    let out_path = logs.join(format!("{}-{n}.out", std::process::id()));
    let err_path = logs.join(format!("{}-{n}.err", std::process::id()));
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_policyc"));
    cmd.args(args)
        .current_dir(cwd)
        .env("NO_COLOR", "1")
        .env("LC_ALL", "C")
        .stdin(Stdio::null())
        .stdout(std::fs::File::create(&out_path).unwrap())
        .stderr(std::fs::File::create(&err_path).unwrap());
    for (k, v) in envs {
        cmd.env(k, v);
    }
    let mut child = cmd.spawn().expect("the binary runs");
    let start = Instant::now();
    let status = loop {
        if let Some(s) = child.try_wait().unwrap() {
            break s;
        }
        if start.elapsed() > Duration::from_secs(30) {
            let _ = child.kill();
            let _ = child.wait();
            panic!("policyc {args:?} still ran after 30 s: it hangs");
        }
        std::thread::sleep(Duration::from_millis(20));
    };
    Run {
        code: status.code().expect("exited normally, not by a signal"),
        out: String::from_utf8_lossy(&std::fs::read(&out_path).unwrap()).into_owned(),
        err: String::from_utf8_lossy(&std::fs::read(&err_path).unwrap()).into_owned(),
    }
}

/// Runs `policyc` in the repository.
fn run(args: &[&str]) -> Run {
    run_in(Path::new(env!("CARGO_MANIFEST_DIR")), args, &[])
}

fn repo(path: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join(path)
}

fn s(p: &Path) -> &str {
    p.to_str().unwrap()
}

const LIB: &str = "预警级别 { 黄色 (yellow) < 橙色 (orange) < 红色 (red) }\n枚举 外部秘密 { 甲 }\n";
const USES_LIB: &str = "实体 企业 键 名称 { 名称: 文本  类: 外部秘密 }\n措施 一般限产 强制性 自 黄色 { 对象 企业 要求 限产 10% 依据 \"1\" }\n";

/// A project: `dir/policyc.toml` (when `marker`), `dir/plan/plan.policy` importing
/// `import`, and a valid library at `dir/../lib.policy` (outside the project).
fn project(name: &str, import: &str, marker: bool) -> (PathBuf, PathBuf) {
    project_in(&tmp(name), import, marker)
}

/// As [`project`], in `base`.
fn project_in(base: &Path, import: &str, marker: bool) -> (PathBuf, PathBuf) {
    let top = base.join("proj");
    std::fs::create_dir_all(top.join("plan")).unwrap();
    if marker {
        std::fs::write(top.join("policyc.toml"), "# project root\n").unwrap();
    }
    std::fs::write(base.join("lib.policy"), LIB).unwrap();
    let plan = top.join("plan/plan.policy");
    std::fs::write(&plan, format!("导入 \"{import}\"\n{USES_LIB}")).unwrap();
    (top, plan)
}

fn mkfifo(path: &Path) {
    let st = Command::new("mkfifo")
        .arg(path)
        .status()
        .expect("mkfifo runs");
    assert!(st.success(), "mkfifo {}", path.display());
}

/// A file of `len` bytes that takes no disk space (only its size is ever looked at).
fn sparse(path: &Path, len: u64) {
    std::fs::File::create(path).unwrap().set_len(len).unwrap();
}

#[test]
fn an_absolute_import_is_refused() {
    let base = tmp("imp-absolute");
    std::fs::write(base.join("policyc.toml"), "").unwrap();
    let lib = base.join("lib.policy");
    std::fs::write(&lib, LIB).unwrap();
    let plan = base.join("plan.policy");
    // Even a file inside the root is refused when named absolutely.
    for target in [s(&lib), "/etc/passwd"] {
        std::fs::write(&plan, format!("导入 \"{target}\"\n{USES_LIB}")).unwrap();
        let r = run(&["check", s(&plan)]);
        assert_eq!(r.code, 1, "{}", r.all());
        assert!(r.out.contains("error[E0107]"), "{}", r.out);
        assert!(
            r.out.contains("plan.policy:1:4"),
            "at the import's path: {}",
            r.out
        );
        assert!(r.out.contains("help:"), "{}", r.out);
        assert!(
            !r.out.contains("root:x:0"),
            "nothing of /etc/passwd: {}",
            r.out
        );
    }
}

#[test]
fn dot_dot_leaving_the_root_is_refused() {
    let (_, plan) = project("imp-dotdot", "../../lib.policy", true);
    let r = run(&["check", s(&plan)]);
    assert_eq!(r.code, 1, "{}", r.all());
    assert!(r.out.contains("error[E0108]"), "{}", r.out);
    assert!(r.out.contains("plan.policy:1:4"), "{}", r.out);
    assert!(
        r.out.contains("--import-root"),
        "the help names the way out: {}",
        r.out
    );
    // Not a cascade of unknown names: the import's declarations are missing, that is all.
    assert!(!r.out.contains("E0101"), "{}", r.out);
    // eval and compile refuse the same policy.
    let r = run(&[
        "eval",
        "--lang",
        "en",
        s(&plan),
        "--data",
        FIRMS,
        "--level",
        "all",
    ]);
    assert_eq!(r.code, 1, "{}", r.all());
    assert!(r.err.contains("E0108"), "{}", r.err);
}

#[cfg(unix)]
#[test]
fn a_symbolic_link_leaving_the_root_is_refused() {
    let (top, plan) = project("imp-symlink", "lib.policy", true);
    std::os::unix::fs::symlink(
        top.parent().unwrap().join("lib.policy"),
        top.join("plan/lib.policy"),
    )
    .unwrap();
    let r = run(&["check", s(&plan)]);
    assert_eq!(r.code, 1, "{}", r.all());
    assert!(r.out.contains("error[E0108]"), "{}", r.out);
    assert!(r.out.contains("symbolic link"), "{}", r.out);
    // A link to a directory outside is refused the same way.
    std::os::unix::fs::symlink(top.parent().unwrap(), top.join("plan/up")).unwrap();
    std::fs::write(&plan, format!("导入 \"up/lib.policy\"\n{USES_LIB}")).unwrap();
    let r = run(&["check", s(&plan)]);
    assert_eq!(r.code, 1, "{}", r.all());
    assert!(r.out.contains("error[E0108]"), "{}", r.out);
    // A link that stays inside the root is followed.
    std::fs::write(top.join("real.policy"), LIB).unwrap();
    std::os::unix::fs::symlink(top.join("real.policy"), top.join("plan/inside.policy")).unwrap();
    std::fs::write(&plan, format!("导入 \"inside.policy\"\n{USES_LIB}")).unwrap();
    let r = run(&["check", s(&plan)]);
    assert_eq!(r.code, 0, "{}", r.all());
}

#[cfg(target_os = "linux")]
#[test]
fn the_process_environment_is_never_printed() {
    const SECRET: &str = "policyc-test-secret-4f1c9e27";
    let env = [("POLICYC_TEST_SECRET", SECRET)];
    let base = tmp("imp-environ");
    std::fs::write(base.join("policyc.toml"), "").unwrap();
    std::os::unix::fs::symlink("/proc/self/environ", base.join("env.policy")).unwrap();
    let plan = base.join("plan.policy");
    let depth = "../".repeat(s(&base).matches('/').count());
    let check = |import: &str, root: Option<&str>| {
        std::fs::write(&plan, format!("导入 \"{import}\"\n")).unwrap();
        let mut args = vec!["check"];
        if let Some(r) = root {
            args.extend(["--import-root", r]);
        }
        args.push(s(&plan));
        let r = run_in(&base, &args, &env);
        assert!(
            !r.all().contains(SECRET),
            "{import}: the environment leaked:\n{}",
            r.all()
        );
        r
    };
    // Absolute, `..` and a link: refused before reading.
    assert!(check("/proc/self/environ", None).out.contains("E0107"));
    assert!(check(&format!("{depth}proc/self/environ"), None)
        .out
        .contains("E0108"));
    assert!(check("env.policy", None).out.contains("E0108"));
    // With the whole machine as the root it is read, and named without its text.
    for import in [
        format!("{depth}proc/self/environ"),
        "env.policy".to_string(),
    ] {
        let r = check(&import, Some("/"));
        assert_eq!(r.code, 1, "{}", r.all());
        assert!(r.out.contains("error[E0110]"), "{}", r.out);
        assert!(r.out.contains("not policy text"), "{}", r.out);
    }
    // As the policy itself, in every command that compiles one.
    for args in [
        vec!["check", "/proc/self/environ"],
        vec!["check", "--format", "json", "/proc/self/environ"],
        vec![
            "eval",
            "--lang",
            "en",
            "/proc/self/environ",
            "--data",
            FIRMS,
            "--level",
            "all",
        ],
        vec!["compile", "/proc/self/environ", "-o", "/dev/null"],
    ] {
        let r = run_in(&repo("."), &args, &env);
        assert_eq!(r.code, 1, "{args:?}: {}", r.all());
        assert!(r.all().contains("E0110"), "{args:?}: {}", r.all());
        assert!(
            !r.all().contains(SECRET),
            "{args:?}: the environment leaked:\n{}",
            r.all()
        );
        assert!(!r.all().contains("PATH="), "{args:?}: {}", r.all());
    }
}

#[test]
fn text_that_is_not_policy_text_is_named_without_an_excerpt() {
    let base = tmp("imp-not-policy");
    let cases: [(&str, &[u8], &str); 4] = [
        (
            "config.policy",
            b"API_TOKEN=marker-b81f\nOTHER=1\n",
            "E0110",
        ),
        (
            "nul.policy",
            b"\xe6\x8e\xaa\xe6\x96\xbd marker-b81f \0 x",
            "E0110",
        ),
        ("latin1.policy", b"// marker-b81f\n\xe9t\xe9\n", "E0003"),
        ("comment.policy", b"/* marker-b81f never closed", "E0110"),
    ];
    for (name, bytes, expected) in cases {
        let p = base.join(name);
        std::fs::write(&p, bytes).unwrap();
        for format in ["human", "json", "sarif"] {
            let r = run(&["check", "--format", format, s(&p)]);
            assert_eq!(r.code, 1, "{name}: {}", r.all());
            assert!(r.out.contains(expected), "{name} {format}: {}", r.out);
            assert!(
                r.out.contains(name),
                "{name} {format}: the file is named: {}",
                r.out
            );
            assert!(
                !r.all().contains("marker-b81f"),
                "{name} {format}: echoed:\n{}",
                r.out
            );
        }
        // As an import: the diagnostic is on the import, the file's text is not shown.
        let plan = base.join(format!("imports-{name}"));
        std::fs::write(&plan, format!("导入 \"{name}\"\n")).unwrap();
        let r = run(&["check", s(&plan)]);
        assert_eq!(r.code, 1, "{name}: {}", r.all());
        assert!(r.out.contains(expected), "{name}: {}", r.out);
        assert!(r.out.contains(&format!("imports-{name}:1:4")), "{}", r.out);
        assert!(
            !r.all().contains("marker-b81f"),
            "{name}: echoed:\n{}",
            r.out
        );
    }
    // The line of a bad byte is kept, its text is not.
    let r = run(&["check", "--format", "json", s(&base.join("latin1.policy"))]);
    let doc: serde_json::Value = serde_json::from_str(&r.out).unwrap();
    assert_eq!(doc["diagnostics"][0]["line"], 2);
}

#[cfg(unix)]
#[test]
fn a_fifo_as_policy_or_import_does_not_hang() {
    let base = tmp("imp-fifo");
    let fifo = base.join("pipe.policy");
    mkfifo(&fifo);
    for args in [
        vec!["check", s(&fifo)],
        vec!["compile", s(&fifo), "-o", "/dev/null"],
        vec![
            "eval",
            "--lang",
            "en",
            s(&fifo),
            "--data",
            FIRMS,
            "--level",
            "all",
        ],
        vec!["map", "--lang", "en", s(&fifo), "--data", FIRMS],
    ] {
        let r = run(&args);
        assert_eq!(r.code, 2, "{args:?}: {}", r.all());
        assert!(r.err.contains("named pipe"), "{args:?}: {}", r.err);
        assert!(r.err.contains("regular file"), "{args:?}: {}", r.err);
    }
    let r = run(&[
        "eval",
        "--lang",
        "zh",
        s(&fifo),
        "--data",
        FIRMS,
        "--level",
        "all",
    ]);
    assert_eq!(r.code, 2, "{}", r.all());
    assert!(
        r.err.contains("命名管道"),
        "the catalogue's Chinese: {}",
        r.err
    );
    // As an import.
    let plan = base.join("plan.policy");
    std::fs::write(&plan, format!("导入 \"pipe.policy\"\n{USES_LIB}")).unwrap();
    let r = run(&["check", s(&plan)]);
    assert_eq!(r.code, 1, "{}", r.all());
    assert!(r.out.contains("error[E0109]"), "{}", r.out);
    assert!(r.out.contains("named pipe"), "{}", r.out);
    // As a rule set.
    let rules = base.join("rules.json");
    mkfifo(&rules);
    let r = run(&[
        "eval",
        "--lang",
        "en",
        s(&rules),
        "--data",
        FIRMS,
        "--level",
        "all",
    ]);
    assert_eq!(r.code, 2, "{}", r.all());
    assert!(r.err.contains("named pipe"), "{}", r.err);
}

#[cfg(unix)]
#[test]
fn dev_zero_as_policy_import_or_rules_is_refused() {
    let r = run(&["check", "/dev/zero"]);
    assert_eq!(r.code, 2, "{}", r.all());
    assert!(
        r.err.contains("not a regular file but a device"),
        "{}",
        r.err
    );
    let r = run(&[
        "eval",
        "--lang",
        "en",
        "/dev/zero",
        "--data",
        FIRMS,
        "--level",
        "all",
    ]);
    assert_eq!(r.code, 2, "{}", r.all());
    assert!(r.err.contains("a device"), "{}", r.err);
    let base = tmp("imp-zero");
    std::fs::write(base.join("policyc.toml"), "").unwrap();
    let rules = base.join("rules.json");
    std::os::unix::fs::symlink("/dev/zero", &rules).unwrap();
    let r = run(&[
        "eval",
        "--lang",
        "en",
        s(&rules),
        "--data",
        FIRMS,
        "--level",
        "all",
    ]);
    assert_eq!(r.code, 2, "{}", r.all());
    assert!(
        r.err.contains("rule set") || r.err.contains("a device"),
        "{}",
        r.err
    );
    assert!(r.err.contains("a device"), "{}", r.err);
    // A link inside the root to /dev/zero leaves the root; with `/` as the root it is a device.
    std::os::unix::fs::symlink("/dev/zero", base.join("zero.policy")).unwrap();
    let plan = base.join("plan.policy");
    std::fs::write(&plan, format!("导入 \"zero.policy\"\n{USES_LIB}")).unwrap();
    let r = run(&["check", s(&plan)]);
    assert!(r.out.contains("error[E0108]"), "{}", r.out);
    let r = run(&["check", "--import-root", "/", s(&plan)]);
    assert_eq!(r.code, 1, "{}", r.all());
    assert!(r.out.contains("error[E0109]"), "{}", r.out);
    assert!(r.out.contains("a device"), "{}", r.out);
}

#[test]
fn files_over_the_size_limits_are_refused_before_reading() {
    use policyc::limits::{MAX_POLICY_BYTES, MAX_RULES_FILE_BYTES};
    let base = tmp("imp-large");
    let big = base.join("big.policy");
    sparse(&big, MAX_POLICY_BYTES + 1);
    let r = run(&["check", s(&big)]);
    assert_eq!(r.code, 2, "{}", r.all());
    assert!(
        r.err
            .contains(&format!("larger than {MAX_POLICY_BYTES} bytes")),
        "{}",
        r.err
    );
    let r = run(&[
        "eval",
        "--lang",
        "zh",
        s(&big),
        "--data",
        FIRMS,
        "--level",
        "all",
    ]);
    assert_eq!(r.code, 2, "{}", r.all());
    assert!(r.err.contains("超过"), "{}", r.err);
    // At the limit it is read (and is not policy text: all NUL).
    let at = base.join("at-limit.policy");
    sparse(&at, MAX_POLICY_BYTES);
    let r = run(&["check", s(&at)]);
    assert_eq!(r.code, 1, "{}", r.all());
    assert!(r.out.contains("E0110"), "{}", r.out);
    // An import larger than the text left for the program.
    let plan = base.join("plan.policy");
    std::fs::write(&plan, format!("导入 \"at-limit.policy\"\n{USES_LIB}")).unwrap();
    let r = run(&["check", s(&plan)]);
    assert_eq!(r.code, 1, "{}", r.all());
    assert!(r.out.contains("error[E0109]"), "{}", r.out);
    assert!(r.out.contains("bytes of policy text left"), "{}", r.out);
    // A rule set over its limit.
    let rules = base.join("rules.json");
    sparse(&rules, MAX_RULES_FILE_BYTES + 1);
    let r = run(&[
        "eval",
        "--lang",
        "en",
        s(&rules),
        "--data",
        FIRMS,
        "--level",
        "all",
    ]);
    assert_eq!(r.code, 2, "{}", r.all());
    assert!(r.err.contains("a rule set file"), "{}", r.err);
}

#[test]
fn import_root_widens_and_narrows_the_root() {
    // No marker (a directory outside the repository, which has one at its top): the root is
    // the plan's own directory, and `../` leaves it.
    let outside = tempfile::tempdir().unwrap();
    let base = outside.path().canonicalize().unwrap();
    let (top, plan) = project_in(&base, "../lib/lib.policy", false);
    std::fs::create_dir_all(top.join("lib")).unwrap();
    std::fs::write(top.join("lib/lib.policy"), LIB).unwrap();
    let r = run(&["check", s(&plan)]);
    assert_eq!(r.code, 1, "{}", r.all());
    assert!(r.out.contains("E0108"), "{}", r.out);
    // Widened to the project, on every command that compiles a policy.
    let r = run(&["check", "--import-root", s(&top), s(&plan)]);
    assert_eq!(r.code, 0, "{}", r.all());
    let out = top.join("rules.json");
    let r = run(&["compile", "--import-root", s(&top), s(&plan), "-o", s(&out)]);
    assert_eq!(r.code, 0, "{}", r.all());
    let data = top.join("firms.json");
    std::fs::write(&data, r#"{"企业": [{"名称": "甲厂", "类": "甲"}]}"#).unwrap();
    let r = run(&[
        "eval",
        "--lang",
        "en",
        "--import-root",
        s(&top),
        s(&plan),
        "--data",
        s(&data),
        "--level",
        "all",
    ]);
    assert_eq!(r.code, 0, "{}", r.all());
    assert!(r.out.contains("甲厂"), "{}", r.out);
    let r = run(&[
        "map",
        "--lang",
        "en",
        "--import-root",
        s(&top),
        s(&plan),
        "--data",
        s(&data),
    ]);
    assert_eq!(r.code, 0, "{}", r.all());
    // A marker does the same without the option.
    std::fs::write(top.join("policyc.toml"), "").unwrap();
    let r = run(&["check", s(&plan)]);
    assert_eq!(r.code, 0, "{}", r.all());
    // Narrowed below the shipped plans' common top: Beijing cannot reach the national file.
    let r = run(&["check", "--import-root", "policies/beijing", BEIJING]);
    assert_eq!(r.code, 1, "{}", r.all());
    assert!(r.out.contains("error[E0108]"), "{}", r.out);
    assert!(r.out.contains("grading-2020.policy"), "{}", r.out);
    let r = run(&[
        "eval",
        "--lang",
        "en",
        "--import-root",
        "policies/beijing",
        BEIJING,
        "--data",
        FIRMS,
        "--level",
        "all",
    ]);
    assert_eq!(r.code, 1, "{}", r.all());
    assert!(r.err.contains("E0108"), "{}", r.err);
    // A root that is not a directory is a usage error.
    for bad in ["no/such/dir", NATIONAL] {
        let r = run(&["check", "--import-root", bad, BEIJING]);
        assert_eq!(r.code, 2, "{bad}: {}", r.all());
        assert!(r.err.contains("import root"), "{bad}: {}", r.err);
        let r = run(&[
            "eval",
            "--lang",
            "zh",
            "--import-root",
            bad,
            BEIJING,
            "--data",
            FIRMS,
            "--level",
            "all",
        ]);
        assert_eq!(r.code, 2, "{bad}: {}", r.all());
        assert!(r.err.contains("导入根目录"), "{bad}: {}", r.err);
    }
}

#[test]
fn the_shipped_plans_work_from_any_working_directory() {
    let elsewhere = tmp("imp-elsewhere");
    let beijing = repo(BEIJING);
    let national = repo(NATIONAL);
    let firms = repo(FIRMS);
    let r = run_in(&elsewhere, &["check", s(&beijing), s(&national)], &[]);
    assert_eq!(r.code, 0, "{}", r.all());
    assert_eq!(r.out, "");
    let here = run(&[
        "eval", "--lang", "en", BEIJING, "--data", FIRMS, "--level", "all",
    ]);
    assert_eq!(here.code, 0, "{}", here.all());
    let there = run_in(
        &elsewhere,
        &[
            "eval",
            "--lang",
            "en",
            s(&beijing),
            "--data",
            s(&firms),
            "--level",
            "all",
        ],
        &[],
    );
    assert_eq!(there.code, 0, "{}", there.all());
    assert_eq!(
        here.out, there.out,
        "the same decisions from another directory"
    );
    // From the plan's own directory, by its relative name; and compiled from elsewhere.
    let r = run_in(
        &repo("policies/beijing"),
        &["check", "manufacturing-2023.policy"],
        &[],
    );
    assert_eq!(r.code, 0, "{}", r.all());
    let rules = elsewhere.join("rules.json");
    let r = run_in(
        &elsewhere,
        &["compile", s(&beijing), "-o", "rules.json"],
        &[],
    );
    assert_eq!(r.code, 0, "{}", r.all());
    let r = run_in(
        &elsewhere,
        &[
            "eval",
            "--lang",
            "en",
            s(&rules),
            "--data",
            s(&firms),
            "--level",
            "all",
        ],
        &[],
    );
    assert_eq!(r.code, 0, "{}", r.all());
    assert_eq!(here.out, r.out);
}

#[test]
fn in_memory_policies_are_confined_to_their_explicit_root() {
    use policyc::compile::compile_source_in;
    use policyc::compile::ImportRoot;
    let (top, _) = project("imp-memory", "x", true);
    std::fs::write(top.join("plan/lib.policy"), LIB).unwrap();
    let root = ImportRoot::new(&top).unwrap();
    let text = format!("导入 \"lib.policy\"\n{USES_LIB}");
    let c = compile_source_in("plan/mem.policy", &text, &root);
    assert!(c.diagnostics.is_empty(), "{:?}", c.diagnostics);
    assert!(c.rules.is_some());
    let c = compile_source_in("plan/mem.policy", "导入 \"../../lib.policy\"\n", &root);
    assert_eq!(
        c.diagnostics.iter().map(|d| d.code).collect::<Vec<_>>(),
        ["E0108"]
    );
    let narrow = ImportRoot::new(&top.join("plan")).unwrap();
    let c = compile_source_in("mem.policy", "导入 \"../lib.policy\"\n", &narrow);
    assert_eq!(
        c.diagnostics.iter().map(|d| d.code).collect::<Vec<_>>(),
        ["E0108"]
    );
}
