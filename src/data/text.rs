//! Opening text inputs (CSV, JSON Lines): files or standard input, the encoding decided from
//! a byte-order mark, `--encoding`, or the first 64 KiB, and decoded to UTF-8 as it streams.
//!
//! Detection: a BOM wins (UTF-8, UTF-16); else `--encoding`; else UTF-8 when the first
//! 64 KiB are valid UTF-8, GB18030 otherwise (what Chinese office software writes).

use std::io::{Cursor, Read};

use encoding_rs::{CoderResult, Decoder, Encoding, GB18030, UTF_8};

use super::source::LoadError;
use crate::messages::Lang;
use crate::msg;

/// How much of a text input is looked at to decide its encoding.
pub const SNIFF: usize = 64 * 1024;

/// A text input, decoded to UTF-8 as it is read.
pub struct TextInput {
    pub reader: Box<dyn Read + Send>,
    pub encoding: &'static Encoding,
    /// True when bytes go through a decoder, which replaces malformed sequences with U+FFFD:
    /// readers then report cells that contain U+FFFD.
    pub decoded: bool,
}

/// Opens a file, or standard input for `-`, as raw bytes.
pub fn open_bytes(lang: Lang, path: &str, name: &str) -> Result<Box<dyn Read + Send>, LoadError> {
    if path == "-" {
        return Ok(Box::new(std::io::stdin()));
    }
    match std::fs::File::open(path) {
        Ok(f) if f.metadata().map(|m| m.is_dir()).unwrap_or(false) => {
            Err(LoadError::new(msg!(lang, IS_DIRECTORY, name)))
        }
        Ok(f) => Ok(Box::new(f)),
        Err(e) => {
            Err(LoadError::new(msg!(lang, CANNOT_READ, name, e)).with_help(msg!(lang, CHECK_PATH)))
        }
    }
}

fn read_error(lang: Lang, name: &str, e: std::io::Error) -> LoadError {
    LoadError::new(msg!(lang, CANNOT_READ, name, e))
}

/// Reads up to `limit` bytes (fewer only at the end of the input).
fn read_prefix(
    lang: Lang,
    r: &mut dyn Read,
    limit: usize,
    name: &str,
) -> Result<(Vec<u8>, bool), LoadError> {
    let mut buf = vec![0u8; limit];
    let mut n = 0;
    while n < limit {
        match r.read(&mut buf[n..]) {
            Ok(0) => {
                buf.truncate(n);
                return Ok((buf, true));
            }
            Ok(k) => n += k,
            Err(e) if e.kind() == std::io::ErrorKind::Interrupted => {}
            Err(e) => return Err(read_error(lang, name, e)),
        }
    }
    Ok((buf, false))
}

/// True when `prefix` is UTF-8, allowing a character cut at the end when more input follows.
pub fn looks_utf8(prefix: &[u8], at_end: bool) -> bool {
    match std::str::from_utf8(prefix) {
        Ok(_) => true,
        Err(e) => e.error_len().is_none() && !at_end,
    }
}

/// The encoding a label names (`utf-8`, `gb18030`, `gbk`, …).
pub fn encoding_for_label(lang: Lang, label: &str) -> Result<&'static Encoding, LoadError> {
    Encoding::for_label(label.trim().as_bytes()).ok_or_else(|| {
        LoadError::new(msg!(lang, UNKNOWN_ENCODING, label))
            .with_help(msg!(lang, UNKNOWN_ENCODING_HELP))
    })
}

/// Opens a text input. `what` names the format for messages ("CSV", "JSON Lines").
pub fn open(
    lang: Lang,
    path: &str,
    name: &str,
    label: Option<&str>,
    what: &str,
) -> Result<TextInput, LoadError> {
    let label = label.map(|l| encoding_for_label(lang, l)).transpose()?;
    let mut raw = open_bytes(lang, path, name)?;
    let (prefix, at_end) = read_prefix(lang, raw.as_mut(), SNIFF, name)?;
    if prefix.starts_with(b"PK\x03\x04") {
        return Err(LoadError::new(msg!(lang, ZIP_NOT_TEXT, name, what))
            .with_help(msg!(lang, ZIP_NOT_TEXT_HELP)));
    }
    let (encoding, skip) = match Encoding::for_bom(&prefix) {
        Some((enc, len)) => (enc, len),
        None => match label {
            Some(enc) => (enc, 0),
            None if prefix.contains(&0) => {
                return Err(LoadError::new(msg!(lang, NUL_BYTES, name, what))
                    .with_help(msg!(lang, EXPORT_HELP)))
            }
            None if looks_utf8(&prefix, at_end) => (UTF_8, 0),
            None => (GB18030, 0),
        },
    };
    let mut head = Cursor::new(prefix);
    head.set_position(skip as u64);
    let chained = head.chain(raw);
    if encoding == UTF_8 {
        return Ok(TextInput {
            reader: Box::new(chained),
            encoding,
            decoded: false,
        });
    }
    Ok(TextInput {
        reader: Box::new(DecodingReader::new(
            chained,
            encoding.new_decoder_without_bom_handling(),
        )),
        encoding,
        decoded: true,
    })
}

/// A `Read` adapter that decodes its input to UTF-8 in small chunks.
pub struct DecodingReader<R> {
    inner: R,
    decoder: Decoder,
    input: Box<[u8]>,
    start: usize,
    end: usize,
    eof: bool,
    output: Box<[u8]>,
    out_start: usize,
    out_end: usize,
    finished: bool,
}

impl<R: Read> DecodingReader<R> {
    pub fn new(inner: R, decoder: Decoder) -> Self {
        DecodingReader {
            inner,
            decoder,
            input: vec![0; 16 * 1024].into_boxed_slice(),
            start: 0,
            end: 0,
            eof: false,
            output: vec![0; 32 * 1024].into_boxed_slice(),
            out_start: 0,
            out_end: 0,
            finished: false,
        }
    }
}

impl<R: Read> Read for DecodingReader<R> {
    fn read(&mut self, buf: &mut [u8]) -> std::io::Result<usize> {
        loop {
            if self.out_start < self.out_end {
                let n = buf.len().min(self.out_end - self.out_start);
                buf[..n].copy_from_slice(&self.output[self.out_start..self.out_start + n]);
                self.out_start += n;
                return Ok(n);
            }
            if self.finished || buf.is_empty() {
                return Ok(0);
            }
            if self.start == self.end && !self.eof {
                match self.inner.read(&mut self.input) {
                    Ok(0) => self.eof = true,
                    Ok(n) => {
                        self.start = 0;
                        self.end = n;
                    }
                    Err(e) if e.kind() == std::io::ErrorKind::Interrupted => continue,
                    Err(e) => return Err(e),
                }
            }
            let (result, read, written, _) = self.decoder.decode_to_utf8(
                &self.input[self.start..self.end],
                &mut self.output,
                self.eof,
            );
            self.start += read;
            self.out_start = 0;
            self.out_end = written;
            if self.eof && result == CoderResult::InputEmpty {
                self.finished = true;
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn decode_all(bytes: &[u8], enc: &'static Encoding, chunk: usize) -> String {
        struct Trickle<'a>(&'a [u8], usize);
        impl Read for Trickle<'_> {
            fn read(&mut self, buf: &mut [u8]) -> std::io::Result<usize> {
                let n = self.1.min(buf.len()).min(self.0.len());
                buf[..n].copy_from_slice(&self.0[..n]);
                self.0 = &self.0[n..];
                Ok(n)
            }
        }
        let mut r = DecodingReader::new(
            Trickle(bytes, chunk),
            enc.new_decoder_without_bom_handling(),
        );
        let mut out = String::new();
        r.read_to_string(&mut out).unwrap();
        out
    }

    #[test]
    fn gb18030_decodes_across_chunk_boundaries() {
        let text =
            "统一社会信用代码,企业名称\n91310110666007217T,北京燕房水泥有限公司\n".repeat(50);
        let (bytes, _, _) = GB18030.encode(&text);
        assert!(std::str::from_utf8(&bytes).is_err());
        for chunk in [1, 3, 7, 4096] {
            assert_eq!(decode_all(&bytes, GB18030, chunk), text);
        }
    }

    #[test]
    fn utf8_detection_allows_a_character_cut_at_the_sniff_boundary() {
        let s = "企业".as_bytes();
        assert!(looks_utf8(s, true));
        assert!(
            looks_utf8(&s[..4], false),
            "cut in the middle of 业, more follows"
        );
        assert!(!looks_utf8(&s[..4], true), "cut at the real end is invalid");
        let (gb, _, _) = GB18030.encode("企业名称");
        assert!(!looks_utf8(&gb, false));
    }

    fn detect(bytes: &[u8], label: Option<&str>) -> Result<(&'static Encoding, String), LoadError> {
        let dir = std::env::temp_dir().join(format!("policyc-text-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        let path = dir.join(format!("t{}.csv", bytes.len() + label.map_or(0, str::len)));
        std::fs::write(&path, bytes).unwrap();
        let p = path.to_str().unwrap();
        let r = open(Lang::En, p, "t.csv", label, "CSV").map(|mut t| {
            let mut s = String::new();
            t.reader.read_to_string(&mut s).unwrap();
            (t.encoding, s)
        });
        let _ = std::fs::remove_file(&path);
        r
    }

    #[test]
    fn encodings_are_detected_from_bom_content_or_label() {
        let (enc, s) = detect("\u{feff}名称\n甲".as_bytes(), None).unwrap();
        assert_eq!((enc, s.as_str()), (UTF_8, "名称\n甲"));
        let (enc, s) = detect("名称,x\n".as_bytes(), None).unwrap();
        assert_eq!((enc, s.as_str()), (UTF_8, "名称,x\n"));
        let (gb, _, _) = GB18030.encode("名称,所在区\n海淀区,1\n");
        let (enc, s) = detect(&gb, None).unwrap();
        assert_eq!((enc, s.as_str()), (GB18030, "名称,所在区\n海淀区,1\n"));
        let (enc, s) = detect(&gb, Some("GBK")).unwrap();
        assert_eq!(s, "名称,所在区\n海淀区,1\n");
        assert_eq!(enc.name(), "GBK");
        let e = detect(b"a,b\n", Some("klingon")).unwrap_err();
        assert!(e.message.contains("unknown text encoding `klingon`"));
        let e = detect(b"PK\x03\x04rest", None).unwrap_err();
        assert!(e.message.contains("zip archive"), "{}", e.message);
        let e = detect(b"\x7fELF\x02\x01\x01\x00\x00", None).unwrap_err();
        assert!(e.message.contains("NUL"), "{}", e.message);
    }
}
