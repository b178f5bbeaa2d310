//! A progress indicator on standard error, for runs longer than about a second, only when
//! standard error is a terminal (never in pipes, files or CI).

use std::io::IsTerminal;
use std::time::{Duration, Instant};

use indicatif::{ProgressBar, ProgressDrawTarget, ProgressStyle};

use policyc::data::source::{Item, LoadError, RecordSource};
use policyc::messages::Lang;
use policyc::msg;

/// How long a run goes before the indicator shows.
const AFTER: Duration = Duration::from_secs(1);

/// A record source that counts the records passing through it on a spinner.
pub(crate) struct Progress<'a> {
    inner: Box<dyn RecordSource + 'a>,
    bar: Option<ProgressBar>,
    shown: bool,
    start: Instant,
    read: u64,
    lang: Lang,
}

impl<'a> Progress<'a> {
    pub(crate) fn wrap(inner: Box<dyn RecordSource + 'a>, lang: Lang) -> Progress<'a> {
        let enabled = std::io::stderr().is_terminal() && std::env::var_os("CI").is_none();
        Progress {
            inner,
            bar: enabled.then(|| ProgressBar::with_draw_target(None, ProgressDrawTarget::hidden())),
            shown: false,
            start: Instant::now(),
            read: 0,
            lang,
        }
    }

    /// Clears the indicator (before the summary is printed).
    pub(crate) fn finish(&mut self) {
        if let Some(bar) = self.bar.take() {
            bar.finish_and_clear();
        }
    }

    pub(crate) fn as_mut(&mut self) -> &mut (dyn RecordSource + 'a) {
        self
    }
}

impl RecordSource for Progress<'_> {
    fn next_batch(&mut self, max: usize, out: &mut Vec<Item>) -> Result<bool, LoadError> {
        let before = out.len();
        let more = self.inner.next_batch(max, out)?;
        self.read += (out.len() - before) as u64;
        if let Some(bar) = &self.bar {
            if !self.shown && self.start.elapsed() >= AFTER {
                bar.set_draw_target(ProgressDrawTarget::stderr());
                bar.set_style(
                    ProgressStyle::with_template("{spinner} {msg} [{elapsed}]")
                        .unwrap_or_else(|_| ProgressStyle::default_spinner()),
                );
                bar.enable_steady_tick(Duration::from_millis(120));
                self.shown = true;
            }
            if self.shown {
                bar.set_message(msg!(self.lang, PROGRESS, self.read));
            }
        }
        Ok(more)
    }

    fn take_warnings(&mut self) -> Vec<String> {
        self.inner.take_warnings()
    }
}
