//! The `policyc` command line: arguments → library calls → exit code (see `cli`).

use std::process::ExitCode;

mod cli;

/// Loading a list allocates many small values across threads; mimalloc handles that pattern
/// markedly faster than the system allocator (see docs/performance.md).
#[global_allocator]
static GLOBAL: mimalloc::MiMalloc = mimalloc::MiMalloc;

fn main() -> ExitCode {
    cli::run()
}
