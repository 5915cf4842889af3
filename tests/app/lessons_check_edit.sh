#!/usr/bin/env bash
# A number changed by hand in the lessons file makes `lessons --check` exit 1 and name the card
# and both numbers; the untouched file passes. Usage: lessons_check_edit.sh PROGRAM LESSONS.json
set -u
program=$1 lessons=$2
out=$(mktemp -d)
trap 'rm -rf "$out"' EXIT
"$program" lessons --check --file "$lessons" || { echo "the untouched file fails"; exit 1; }
sed 's/0\.996/0.997/g' "$lessons" > "$out/edited.json"
"$program" lessons --check --file "$out/edited.json" 2> "$out/err"
code=$?
cat "$out/err"
[[ $code -eq 1 ]] || { echo "expected exit 1, got $code"; exit 1; }
grep -q 'card 1\.3: .*the card says 0\.997, computed 0\.996' "$out/err" || { echo "card or numbers not named"; exit 1; }
# Only the text edited, the recorded quote left: still caught.
sed 's/, 0\.996 here/, 0.9 here/' "$lessons" > "$out/text_only.json"
"$program" lessons --check --file "$out/text_only.json" 2> "$out/err"
code=$?
cat "$out/err"
[[ $code -eq 1 ]] && grep -q 'card 1\.3: .*no longer quote 0\.996' "$out/err" || { echo "a text-only edit passed"; exit 1; }
echo "lessons --check catches edited numbers"
