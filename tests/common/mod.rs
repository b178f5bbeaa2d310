//! Running the real binary, shared by the integration tests.
#![allow(dead_code)] // each test crate uses its own subset

pub mod officer;

use std::io::Write;
use std::path::{Path, PathBuf};
use std::process::{Command, Output, Stdio};

pub const BEIJING: &str = "policies/beijing/manufacturing-2023.policy";
pub const NATIONAL: &str = "policies/national/grading-2020.policy";
pub const FIRMS: &str = "policies/beijing/examples/firms.json";

/// Runs `policyc` with `args`, no colour, no standard input.
pub fn policyc(args: &[&str]) -> Output {
    policyc_stdin(args, None)
}

/// Runs `policyc` with `args`, feeding `stdin` when given.
pub fn policyc_stdin(args: &[&str], stdin: Option<&[u8]>) -> Output {
    let mut child = Command::new(env!("CARGO_BIN_EXE_policyc"))
        .args(args)
        .env("NO_COLOR", "1")
        .stdin(if stdin.is_some() {
            Stdio::piped()
        } else {
            Stdio::null()
        })
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("the binary runs");
    if let Some(bytes) = stdin {
        child
            .stdin
            .take()
            .expect("piped")
            .write_all(bytes)
            .expect("stdin written");
    }
    child.wait_with_output().expect("the binary finishes")
}

pub fn code(o: &Output) -> i32 {
    o.status.code().expect("exited normally, not by a signal")
}

pub fn stdout(o: &Output) -> String {
    String::from_utf8_lossy(&o.stdout).into_owned()
}

pub fn stderr(o: &Output) -> String {
    String::from_utf8_lossy(&o.stderr).into_owned()
}

/// A fresh directory under the target's temporary directory.
pub fn tmp(name: &str) -> PathBuf {
    let d = Path::new(env!("CARGO_TARGET_TMPDIR")).join(name);
    let _ = std::fs::remove_dir_all(&d);
    std::fs::create_dir_all(&d).expect("temporary directory");
    d
}
