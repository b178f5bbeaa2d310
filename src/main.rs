use std::process::ExitCode;

/// Loading a list allocates many small values across threads; mimalloc handles that pattern
/// markedly faster than the system allocator (see docs/performance.md).
#[global_allocator]
static GLOBAL: mimalloc::MiMalloc = mimalloc::MiMalloc;

fn main() -> ExitCode {
    policyc::cli::run()
}
