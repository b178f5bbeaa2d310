#!/usr/bin/env bash
# Builds the seed corpora of the fuzz targets from the repository's own files, and the
# policy-text dictionary from the grammar's keyword table. Run from anywhere; writes
# fuzz/corpus/<target>/ (not committed) and fuzz/policy.dict.
set -euo pipefail
cd "$(dirname "$0")"
top=..
rm -rf corpus && mkdir -p corpus/{compile_policy,load_rules,data_csv,data_jsonl,data_json,data_xlsx}

# Policy text: every .policy file of the repository.
n=0
while IFS= read -r -d '' f; do cp "$f" "corpus/compile_policy/$n.policy"; n=$((n + 1)); done \
  < <(find "$top/policies" "$top/tests" -name '*.policy' -print0)

# Rule sets: the shipped plans, compiled.
cargo run -q --release --manifest-path "$top/Cargo.toml" -- compile \
  "$top/policies/beijing/manufacturing-2023.policy" -o corpus/load_rules/beijing.json
cargo run -q --release --manifest-path "$top/Cargo.toml" -- compile \
  "$top/tests/fixtures/schema.policy" -o corpus/load_rules/schema.json 2>/dev/null || true

# Data: the example and test files of each format.
cp "$top"/tests/data/*.csv corpus/data_csv/
cp "$top"/tests/data/*.jsonl corpus/data_jsonl/
cp "$top"/tests/data/*.json "$top"/policies/beijing/examples/firms.json corpus/data_json/
python3 seed_xlsx.py corpus/data_xlsx

# Dictionary: both spellings of every keyword, and the punctuation a Chinese keyboard types
# (libFuzzer wants bytes outside printable ASCII written as \xNN).
python3 - "$top/src/syntax/parser.rs" > policy.dict <<'PY'
import re, sys
text = open(sys.argv[1], encoding="utf-8").read()
words = set()
for zh, en in re.findall(r'^\s*\("([^"]+)", "([^"]+)"', text, re.M):
    words.update([zh, en])
words.update("{ } ( ) [ ] \" ， ； ： （ ） 、 “ ” ％ % .. // /* */ \r \n \r\n".split(" "))
def esc(w):
    return "".join(chr(b) if 0x20 <= b < 0x7f and chr(b) not in '"\\' else f"\\x{b:02x}"
                   for b in w.encode("utf-8"))
for w in sorted(words):
    print(f'"{esc(w)}"')
PY
echo "corpora in fuzz/corpus, $(wc -l < policy.dict) dictionary entries"
