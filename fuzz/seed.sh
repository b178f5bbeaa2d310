#!/usr/bin/env bash
# Builds the seed corpora of the fuzz targets from the repository's own files, and the
# policy-text dictionary from the keyword table. Run from anywhere; writes
# fuzz/corpus/<target>/ (not committed) and fuzz/policy.dict. `seed.sh --dict` writes only
# the dictionary.
set -euo pipefail
cd "$(dirname "$0")"
top=..

# Dictionary: every spelling of every keyword (the rows of src/keywords.rs, which a
# unit test holds against the grammar and against this file), and the punctuation a Chinese
# keyboard types (libFuzzer wants bytes outside printable ASCII written as \xNN).
write_dict() {
python3 - "$top/src/keywords.rs" > policy.dict <<'PY'
import re, sys
text = open(sys.argv[1], encoding="utf-8").read()
words = set()
for spellings in re.findall(r'^\s*[A-Z_]+: \w+, \w+, \[([^\]]*)\]', text, re.M):
    words.update(re.findall(r'"([^"]+)"', spellings))
if len(words) < 50:
    sys.exit(f"found only {len(words)} keyword spellings in {sys.argv[1]}")
words.update("{ } ( ) [ ] \" ， ； ： （ ） 、 “ ” ％ % .. // /* */ \r \n \r\n".split(" "))
def esc(w):
    return "".join(chr(b) if 0x20 <= b < 0x7f and chr(b) not in '"\\' else f"\\x{b:02x}"
                   for b in w.encode("utf-8"))
for w in sorted(words):
    print(f'"{esc(w)}"')
PY
}

write_dict
if [ "${1:-}" = "--dict" ]; then
  echo "$(wc -l < policy.dict) dictionary entries"
  exit 0
fi

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

echo "corpora in fuzz/corpus, $(wc -l < policy.dict) dictionary entries"
