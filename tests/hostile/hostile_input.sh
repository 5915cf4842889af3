#!/usr/bin/env bash
# Tries ntk-explorer the way a hostile user would (issue 11) and counts what goes wrong:
#   a hang      the case outlived its time limit (killed)
#   a crash     ended by a signal other than the one the case sent, or an exit code the
#               documentation does not list (0, 2, 3, 130)
#   truncated   a *.partial file left behind, or a file that was there before changed or cut
#   unexpected  a documented exit code, but not the one this case must give
# Classes: truncated and malformed .npy, absurd and zero-size shapes, special files, bad JSON
# sessions, bad CSV, bad flags, signals, a full disk, a read-only folder, and --screenshot
# runs that are refused or too long. The full disk and the read-only folder need root (a small
# tmpfs is mounted); without it they are reported as skipped.
#
# usage: hostile_input.sh PATH/TO/ntk-explorer [WORK_DIR]      exit 0 only when every count is 0
set -uo pipefail

exe=$(realpath "$1")
work=${2:-$(mktemp -d)}
mkdir -p "$work"
work=$(realpath "$work")
cd "$work" || exit 2
export QT_QPA_PLATFORM=offscreen
unset DISPLAY WAYLAND_DISPLAY

cases=0 hangs=0 crashes=0 truncated=0 unexpected=0 skipped=0
declare -a problems=()

now_ms() { echo $(($(date +%s%N) / 1000000)); }

note() {  # KIND NAME DETAIL
  problems+=("$1: $2 ($3)")
  case $1 in
    hang) hangs=$((hangs + 1)) ;;
    crash) crashes=$((crashes + 1)) ;;
    truncated) truncated=$((truncated + 1)) ;;
    unexpected) unexpected=$((unexpected + 1)) ;;
  esac
}

# Leftover temporary files anywhere under the work folder.
check_partials() {  # NAME
  local left
  left=$(find "$work" -name '*.partial' 2>/dev/null | head -3)
  if [[ -n $left ]]; then
    note truncated "$1" "left: $left"
    find "$work" -name '*.partial' -delete 2>/dev/null
  fi
}

# expect NAME CODES SECONDS -- COMMAND...: runs COMMAND with a time limit, checks its exit code is
# one of CODES (space-separated) and that a failure says why on stderr.
expect() {
  local name=$1 codes=$2 limit=$3
  shift 4
  cases=$((cases + 1))
  timeout -s KILL "$limit" "$@" >"$work/out.txt" 2>"$work/err.txt" </dev/null
  local rc=$?
  if [[ $rc -eq 137 ]]; then
    note hang "$name" "killed after ${limit} s"
  elif [[ ! " 0 2 3 130 " =~ " $rc " ]]; then
    note crash "$name" "exit $rc: $(tail -c 200 "$work/err.txt" | tr '\n' ' ')"
  elif [[ ! " $codes " =~ " $rc " ]]; then
    note unexpected "$name" "exit $rc, expected $codes: $(tail -c 200 "$work/err.txt" | tr '\n' ' ')"
  elif [[ $rc -ne 0 && ! -s $work/err.txt ]]; then
    note unexpected "$name" "exit $rc with nothing on stderr"
  fi
  check_partials "$name"
  return 0
}

# --- .npy files -------------------------------------------------------------------------------

# npy FILE DICT [DATA_BYTES]: a version 1.0 header with DICT, then DATA_BYTES zero bytes.
npy() {
  local file=$1 dict=$2 bytes=${3:-0}
  local unpadded=$((10 + ${#dict} + 1))
  local pad=$(((64 - unpadded % 64) % 64))
  local header
  header="$dict$(printf '%*s' "$pad" '')"$'\n'
  local len=${#header}
  {
    printf '\x93NUMPY\x01\x00'
    printf "\\x$(printf '%02x' $((len & 255)))\\x$(printf '%02x' $((len >> 8)))"
    printf '%s' "$header"
    [[ $bytes -gt 0 ]] && head -c "$bytes" /dev/zero
  } >"$file"
}

"$exe" generate --L 8 --d 4 --m 32 --out "$work/good" >/dev/null 2>&1 || {
  echo "hostile_input: cannot generate the base workload" >&2
  exit 2
}
inputs_case() {  # NAME FILE: compare --inputs with FILE (already written into bad/) replacing one array
  expect "$1" 2 30 -- "$exe" compare --inputs "$work/bad"
  rm -rf "$work/bad"
}
fresh_bad() { rm -rf "$work/bad" && cp -r "$work/good" "$work/bad"; }

for file in Q KP; do
  size=$(stat -c %s "$work/good/$file.npy")
  for cut in 0 5 9 10 60 100 $((size - 8)) $((size - 1)); do
    fresh_bad
    head -c "$cut" "$work/good/$file.npy" >"$work/bad/$file.npy"
    inputs_case "npy: $file.npy cut to $cut bytes"
  done
done
declare -A shapes=(
  [huge_zero]="(9223372036854775807, 0)" [zero_huge]="(0, 9223372036854775807)" [zero_rows]="(0, 4)"
  [zero_cols]="(8, 0)" [huge_square]="(4611686018427387904, 4611686018427387904)" [negative]="(-8, 4)"
  [three_d]="(2, 2, 2)" [overflowing]="(99999999999999999999999, 4)" [text]="('a', 4)" [empty]="()"
)
for key in "${!shapes[@]}"; do
  for file in Q KP; do
    fresh_bad
    npy "$work/bad/$file.npy" "{'descr': '<f8', 'fortran_order': False, 'shape': ${shapes[$key]}, }" 64
    inputs_case "npy: $file.npy shape $key"
  done
done
for dict in "{'descr': '<i8', 'fortran_order': False, 'shape': (8, 4), }" \
            "{'descr': '|O', 'fortran_order': False, 'shape': (8, 4), }" \
            "{'fortran_order': False, 'shape': (8, 4), }" "not a dict at all" ""; do
  fresh_bad
  npy "$work/bad/Q.npy" "$dict" 256
  inputs_case "npy: header '$dict'"
done
fresh_bad
printf 'NaN' | dd of="$work/bad/KP.npy" bs=1 seek=200 conv=notrunc 2>/dev/null
expect "npy: garbage bytes in the data" "0 2 3" 30 -- "$exe" compare --inputs "$work/bad"
rm -rf "$work/bad"

# --- special files ---------------------------------------------------------------------------

fresh_bad
rm "$work/bad/KP.npy" && mkfifo "$work/bad/KP.npy"
inputs_case "special: KP.npy is a FIFO"
fresh_bad
rm "$work/bad/Q.npy" && ln -s /dev/zero "$work/bad/Q.npy"
inputs_case "special: Q.npy is /dev/zero"
fresh_bad
rm "$work/bad/VP.npy" && mkdir "$work/bad/VP.npy"
inputs_case "special: VP.npy is a directory"
expect "special: --inputs is a file" 2 30 -- "$exe" compare --inputs "$work/good/Q.npy"
expect "special: --omega is /dev/urandom" 2 30 -- "$exe" compare --feature favor --omega /dev/urandom
# .npz archives: special files, a cut archive, garbage, a missing member (a sound one must pass).
python3 -c "import sys, zipfile; z = zipfile.ZipFile(sys.argv[1], 'w'); [z.write(f'{sys.argv[2]}/{a}.npy', f'{a}.npy') for a in 'Q K V KP VP'.split()]" \
  "$work/in.npz" "$work/good"
"$exe" compare --inputs "$work/good" --out "$work/good.npz" >/dev/null 2>&1
expect "npz: a sound archive is read" 0 30 -- "$exe" compare --inputs "$work/in.npz" --json
mkfifo "$work/fifo.npz"
for f in "$work/fifo.npz" /dev/zero "$work"; do
  expect "special: --inputs $f as .npz" 2 30 -- bash -c "ln -sfn '$f' '$work/link.npz' && '$exe' compare --inputs '$work/link.npz'"
done
rm -f "$work/fifo.npz" "$work/link.npz"
head -c 300 "$work/in.npz" >"$work/cut.npz"
expect "npz: cut archive" 2 30 -- "$exe" compare --inputs "$work/cut.npz"
head -c 5000 /dev/urandom >"$work/noise.npz"
expect "npz: random bytes" 2 30 -- "$exe" compare --inputs "$work/noise.npz"
expect "npz: arrays of another name (the output archive)" 2 30 -- "$exe" compare --inputs "$work/good.npz"
rm -f "$work/cut.npz" "$work/noise.npz" "$work/good.npz" "$work/in.npz"
mkfifo "$work/fifo.ntksession"
for s in /dev/zero /dev/urandom "$work/fifo.ntksession" "$work" /nonexistent.ntksession; do
  expect "special: session $s" 2 30 -- "$exe" --open "$s" --screenshot "$work/never.png"
done
rm -f "$work/fifo.ntksession"
for out in /dev/full /dev/null "$work"; do
  expect "special: --out $out for sweep" 2 30 -- "$exe" sweep --vary m=16,32 --L 4 --out "$out"
done

# --- bad JSON sessions -------------------------------------------------------------------------

head='"format": "ntk-explorer session", "schema_version": 1'
i=0
for body in 'not json' '[]' '5' 'null' '{}' "{$head, \"parameters\": \"x\"}" "{$head, \"parameters\": []}" \
            "{$head, \"ntk\": 5}" "{$head, \"view\": null}" "{$head, \"parameters\": {\"L\": -1}}" \
            "{$head, \"parameters\": {\"m\": 1e300}}" "{$head, \"parameters\": {\"seed\": 9007199254740993}}" \
            "{$head, \"parameters\": {\"feature\": \"nope\"}}" "{\"format\": \"ntk-explorer session\", \"schema_version\": 99}" \
            "{$head, \"parameters\": {\"L\": 4" "$(head -c 3000 /dev/zero | tr '\0' '[')" \
            "{$head, \"parameters\": {\"d\": 512, \"degree\": 12}}"; do
  i=$((i + 1))
  printf '%s' "$body" >"$work/bad$i.ntksession"
  expect "session: bad JSON #$i" 2 60 -- "$exe" --open "$work/bad$i.ntksession" --screenshot "$work/never.png"
  [[ -e $work/never.png ]] && note unexpected "session: bad JSON #$i" "wrote a picture" && rm -f "$work/never.png"
done
# Settings the window refuses: a picture with the refusal on it, and exit 2.
for body in "{$head, \"parameters\": {\"d\": 64, \"feature\": \"taylor\", \"degree\": 4}}" \
            "{$head, \"ntk\": {\"n\": 2000, \"m\": 65536}}"; do
  i=$((i + 1))
  printf '%s' "$body" >"$work/refused$i.ntksession"
  expect "session: refused settings #$i" 2 120 -- "$exe" --open "$work/refused$i.ntksession" --screenshot "$work/refused.png"
  [[ -s $work/refused.png ]] || note unexpected "session: refused settings #$i" "no picture of the refusal"
  rm -f "$work/refused.png"
done
# Too long for the watchdog: exit 2 with a message, no picture, well before the case's limit.
printf '%s' "{$head, \"ntk\": {\"n\": 1000, \"m\": 16384}}" >"$work/slow.ntksession"
expect "session: watchdog" 2 30 -- "$exe" --open "$work/slow.ntksession" --screenshot "$work/slow.png" --timeout 3
[[ -e $work/slow.png ]] && note truncated "session: watchdog" "a picture was written" && rm -f "$work/slow.png"

# --- bad CSV -----------------------------------------------------------------------------------

"$exe" sweep --vary m=16,32,64 --L 4 --shard 1/2 --out "$work/s1.csv" >/dev/null 2>&1
"$exe" sweep --vary m=16,32,64 --L 4 --shard 2/2 --out "$work/s2.csv" >/dev/null 2>&1
header=$(head -1 "$work/s1.csv")
row=$(sed -n 2p "$work/s1.csv")
i=0
for body in '' 'garbage' "$header" "$header"$'\n'"${row/#0,/-1,}" "$header"$'\n'"${row/#0,/99,}" \
            "$header"$'\n'"${row/#0,/0abc,}" "$header"$'\n'"${row%,*}" "$header"$'\n'"$row"$'\n'"$row" \
            "${header/point/pointless}"$'\n'"$row" "$header"$'\n'"$(head -c 200 /dev/zero | tr '\0' ',')"; do
  i=$((i + 1))
  printf '%s\n' "$body" >"$work/bad$i.csv"
  expect "csv: merge bad shard #$i" 2 30 -- "$exe" merge "$work/bad$i.csv" "$work/s2.csv" --out "$work/merged.csv"
  expect "csv: resume from bad shard #$i" "0 2" 60 -- "$exe" sweep --vary m=16,32,64 --L 4 --shard 1/2 --resume --out "$work/bad$i.csv"
done
expect "csv: merge a directory" 2 30 -- "$exe" merge "$work" --out "$work/merged.csv"
expect "csv: merge a FIFO" 2 30 -- bash -c "mkfifo '$work/f.csv' && '$exe' merge '$work/f.csv' --out '$work/merged.csv'; rc=\$?; rm -f '$work/f.csv'; exit \$rc"
expect "csv: merge is fine" 0 30 -- "$exe" merge "$work/s1.csv" "$work/s2.csv" --out "$work/merged.csv"

# --- bad flags ---------------------------------------------------------------------------------

while IFS= read -r line; do
  [[ -z $line ]] && continue
  read -ra argv <<<"$line"
  expect "flags: $line" 2 30 -- "$exe" "${argv[@]}"
done <<'EOF'
compare --no-such-flag
compare --L
compare --L 0
compare --L -5
compare --L 99999999999999999999
compare --d 0
compare --m -1
compare --m 17179869184
compare --m 4000000000 --work-budget 10
compare --scale nan
compare --scale inf
compare --scale -1
compare --seed 9007199254740993
compare --seed -1
compare --degree 99
compare --feature nope
compare --threads 1024
compare --threads 0
compare --memory-budget 0
compare --memory-budget abc
compare --causal maybe
compare false
compare --rank 100
compare --out
train --lr 0.5abc --out x
train --lr 1e300 --out x
train --target ntk-attention --degree 12 --d 64 --out x
sweep --vary m=16..17179869184:log2 --out x.csv
sweep --vary L=1..16384 --out x.csv
sweep --vary m=1..inf:log2 --out x.csv
sweep --vary m=nan..1 --out x.csv
sweep --vary m=16..64:log --out x.csv
sweep --vary m=16,32 --shard 0/2 --out x.csv
sweep --vary bogus=1,2 --out x.csv
ntk --n 1 --out x
ntk --n 999999 --out x
generate --m 99999999999 --out x
merge --out x.csv
nosuchcommand
--screenshot x.unknown
--timeout 5
EOF
rm -rf "$work/x" "$work/x.csv"

# --- signals -----------------------------------------------------------------------------------

# signal_case NAME OUT_DIR -- COMMAND...: SIGTERM after 0.7 s; it must end within 5 s with 130
# and leave nothing but what OUT_DIR had before.
signal_case() {
  local name=$1 out=$2
  shift 3
  cases=$((cases + 1))
  rm -rf "$out" && mkdir -p "$out"
  "$@" >/dev/null 2>"$work/err.txt" </dev/null &
  local pid=$!
  sleep 0.7
  local sent
  sent=$(now_ms)
  kill -TERM "$pid" 2>/dev/null
  local waited=0
  while kill -0 "$pid" 2>/dev/null && [[ $waited -lt 100 ]]; do
    sleep 0.05
    waited=$((waited + 1))
  done
  if kill -0 "$pid" 2>/dev/null; then
    kill -KILL "$pid"
    wait "$pid" 2>/dev/null
    note hang "$name" "still running 5 s after SIGTERM"
    return
  fi
  wait "$pid"
  local rc=$? took=$(($(now_ms) - sent))
  # No limit on how fast it stops (that would fail on a loaded machine): one that ignored the
  # signal either ran past the 5 s above or finished and left its files (checked below).
  if [[ $rc -ne 130 ]]; then
    note unexpected "$name" "exit $rc after SIGTERM, expected 130 (after $took ms)"
  fi
  check_partials "$name"
  if [[ $name != *sweep* && -n $(find "$out" -type f) ]]; then
    note truncated "$name" "left $(find "$out" -type f | tr '\n' ' ')"
  fi
}
signal_case "signal: compare" "$work/sig" -- "$exe" compare --m 8000000 --out "$work/sig/c"
signal_case "signal: generate" "$work/sig" -- "$exe" generate --m 8000000 --out "$work/sig/g"
signal_case "signal: ntk" "$work/sig" -- "$exe" ntk --n 2000 --out "$work/sig/n"
signal_case "signal: train prefix" "$work/sig" -- "$exe" train --target prefix --steps 1000000 --out "$work/sig/t"
signal_case "signal: train ntk-attention" "$work/sig" -- "$exe" train --target ntk-attention --sweep-m 1024..1048576:log2 --out "$work/sig/a"
signal_case "signal: sweep" "$work/sig" -- "$exe" sweep --vary m=1024..1073741824:log2 --L 4 --d 4 --out "$work/sig/s.csv"
signal_case "signal: lessons --check" "$work/sig" -- "$exe" lessons --check
signal_case "signal: bench" "$work/sig" -- "$exe" bench
if [[ -s $work/sig/s.csv ]]; then  # the rows a sweep finished are whole
  widths=$(awk -F, '{ print NF }' "$work/sig/s.csv" | sort -u | wc -l)
  [[ $widths -eq 1 ]] || note truncated "signal: sweep" "rows of different widths in s.csv"
fi
rm -rf "$work/sig"

# --- a full disk and a read-only folder (root: a 64 KB tmpfs) ----------------------------------

if [[ $(id -u) -eq 0 ]] && mkdir -p "$work/disk" && mount -t tmpfs -o size=64k tmpfs "$work/disk" 2>/dev/null; then
  trap 'umount "$work/disk" 2>/dev/null; umount "$work/ro" 2>/dev/null' EXIT
  # full_case NAME FILE -- COMMAND...: FILE holds a precious text before; it must be intact.
  full_case() {
    local name=$1 file=$2
    shift 3
    echo precious >"$file"
    head -c 70000 /dev/zero >"$work/disk/filler" 2>/dev/null  # the rest of the disk
    expect "$name" 2 60 -- "$@"
    [[ $(cat "$file" 2>/dev/null) == precious ]] || note truncated "$name" "$file was changed"
    grep -q "$(basename "$file")\|disk\|space\|write" "$work/err.txt" || note unexpected "$name" "the message does not say what failed"
    rm -f "$work/disk/filler" "$file"
  }
  mkdir -p "$work/disk/c" "$work/disk/n" "$work/disk/t" "$work/disk/g"
  full_case "full disk: compare" "$work/disk/c/exact.npy" -- "$exe" compare --out "$work/disk/c"
  full_case "full disk: compare --out .npz" "$work/disk/c.npz" -- "$exe" compare --out "$work/disk/c.npz"
  full_case "full disk: ntk" "$work/disk/n/H_empirical.npy" -- "$exe" ntk --out "$work/disk/n"
  full_case "full disk: train" "$work/disk/t/loss.csv" -- "$exe" train --target prefix --steps 50 --out "$work/disk/t"
  full_case "full disk: generate" "$work/disk/g/KP.npy" -- "$exe" generate --out "$work/disk/g"
  full_case "full disk: sweep" "$work/disk/s.csv" -- "$exe" sweep --vary m=16..65536:log2 --L 4 --out "$work/disk/s.csv"
  full_case "full disk: merge" "$work/disk/m.csv" -- "$exe" merge "$work/s1.csv" "$work/s2.csv" --out "$work/disk/m.csv"
  full_case "full disk: screenshot" "$work/disk/shot.png" -- "$exe" --screenshot "$work/disk/shot.png"
  mkdir -p "$work/ro" && mount -t tmpfs -o size=64k tmpfs "$work/ro" && echo precious >"$work/ro/m.csv" &&
    mount -o remount,ro "$work/ro"
  for c in "compare --out $work/ro/c" "compare --out $work/ro/c.npz" "sweep --vary m=16,32 --L 4 --out $work/ro/m.csv" \
           "merge $work/s1.csv $work/s2.csv --out $work/ro/m.csv" "--screenshot $work/ro/shot.png"; do
    read -ra argv <<<"$c"
    expect "read-only: ${argv[0]}" 2 60 -- "$exe" "${argv[@]}"
    grep -qi "read-only\|permission" "$work/err.txt" || note unexpected "read-only: ${argv[0]}" "does not say read-only: $(tr '\n' ' ' <"$work/err.txt")"
  done
  [[ $(cat "$work/ro/m.csv") == precious ]] || note truncated "read-only" "m.csv was changed"
  umount "$work/ro" "$work/disk"
  trap - EXIT
else
  skipped=$((skipped + 12))
  echo "hostile_input: the full-disk and read-only cases need root (they mount a small tmpfs): skipped"
fi

echo "hostile_input: $cases cases: $hangs hangs, $crashes crashes, $truncated truncated outputs," \
     "$unexpected unexpected exit codes${skipped:+, $skipped skipped}"
for p in "${problems[@]}"; do echo "  $p"; done
[[ $((hangs + crashes + truncated + unexpected)) -eq 0 ]]
