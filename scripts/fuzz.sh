#!/usr/bin/env bash
# Runs boardemu's libFuzzer targets (tests/fuzz) for a given time and reports what they found.
#
# Usage: scripts/fuzz.sh [--time SECONDS] [--jobs N] [--scratch DIR] [--build-dir DIR] [--list]
#                        [TARGET...]
#   TARGET          gdb_rsp, board_file, elf_loader, ... (default: all, one after another)
#   --time S        seconds per target (default 60)
#   --jobs N        N fuzzing processes per target in parallel (libFuzzer -jobs=N -workers=N);
#                   default 1
#   --scratch DIR   where the growing corpus and the findings go (default
#                   ${TMPDIR:-/tmp}/boardemu-fuzz); never inside the repository
#   --build-dir DIR the CMake build directory (default build); configured and built if needed
#   --list          print the targets and exit
#
# Each target starts from its committed corpus (tests/fuzz/corpus/<target>, read only) and its
# scratch corpus (DIR/<target>/corpus, where new inputs are kept from run to run). Findings
# (crash, leak, timeout and out-of-memory inputs) are written to DIR/<target>/findings-<time>/;
# libFuzzer stops at the first one. Replay one with the binary:
#   build/tests/fuzz/libfuzzer_<target> DIR/<target>/findings-.../crash-...
# Printed per target: executions, executions per second, coverage (edges, features), corpus
# size and how many inputs this run added, and the findings with their paths.
#
# Exit status: 0 no findings, 1 a target found something (or libFuzzer failed), 2 usage error or
# no libFuzzer build (clang++ with libclang-rt-14-dev is needed).
set -euo pipefail

root=$(cd "$(dirname "$0")/.." && pwd)
time_s=60
jobs=1
scratch=${TMPDIR:-/tmp}/boardemu-fuzz
build=$root/build
list=0
targets=()
usage() { sed -n '2,/^set -euo/p' "$0" | sed '$d; s/^# \{0,1\}//'; exit 2; }
while [[ $# -gt 0 ]]; do
  case $1 in
    --time) time_s=$2; shift 2 ;;
    --jobs) jobs=$2; shift 2 ;;
    --scratch) scratch=$2; shift 2 ;;
    --build-dir) build=$2; shift 2 ;;
    --list) list=1; shift ;;
    -h|--help) usage ;;
    -*) echo "fuzz.sh: unknown option $1" >&2; usage ;;
    *) targets+=("$1"); shift ;;
  esac
done
[[ $time_s =~ ^[0-9]+$ && $time_s -gt 0 ]] || { echo "fuzz.sh: --time needs a positive number of seconds" >&2; exit 2; }
[[ $jobs =~ ^[0-9]+$ && $jobs -gt 0 ]] || { echo "fuzz.sh: --jobs needs a positive number" >&2; exit 2; }
mkdir -p "$scratch"
scratch=$(cd "$scratch" && pwd)
case $scratch/ in
  "$root"/*) echo "fuzz.sh: the scratch directory must be outside the repository ($scratch)" >&2; exit 2 ;;
esac

# The build directory lists the targets it built (tests/fuzz/CMakeLists.txt writes the list).
list_file=$build/tests/fuzz/fuzz_targets.txt
if [[ ! -f $build/build.ninja ]]; then
  cmake -S "$root" -B "$build" -G Ninja -DCMAKE_BUILD_TYPE=RelWithDebInfo \
    -DMICROPYTHON_DIR="$root/build/deps/micropython" >/dev/null
fi
if [[ ! -s $list_file ]]; then
  echo "fuzz.sh: no libFuzzer targets in $build (is clang++ with libFuzzer installed? see the CMake output)" >&2
  exit 2
fi
declare -A bin corpus maxlen
all=()
while IFS=$'\t' read -r name b c m; do
  all+=("$name"); bin[$name]=$b; corpus[$name]=$c; maxlen[$name]=$m
done < "$list_file"
if [[ $list == 1 ]]; then printf '%s\n' "${all[@]}"; exit 0; fi
[[ ${#targets[@]} -gt 0 ]] || targets=("${all[@]}")
for t in "${targets[@]}"; do
  [[ -n ${bin[$t]:-} ]] || { echo "fuzz.sh: unknown target '$t' (targets: ${all[*]})" >&2; exit 2; }
done
cmake --build "$build" --target $(printf 'fuzz_%s ' "${targets[@]}") >/dev/null

status=0
summary=()
for t in "${targets[@]}"; do
  dir=$scratch/$t
  stamp=$(date +%Y%m%d-%H%M%S)
  findings=$dir/findings-$stamp
  work=$dir/run-$stamp          # libFuzzer's logs (fuzz-N.log with --jobs) and our own log
  mkdir -p "$dir/corpus" "$findings" "$work"
  before=$(find "$dir/corpus" -type f | wc -l)
  echo "fuzz.sh: $t for ${time_s} s ($jobs job(s)); scratch $dir"
  args=(-max_total_time="$time_s" -max_len="${maxlen[$t]}" -timeout=25 -print_final_stats=1
        -artifact_prefix="$findings/" "$dir/corpus" "${corpus[$t]}")
  [[ $jobs -gt 1 ]] && args=(-jobs="$jobs" -workers="$jobs" "${args[@]}")
  rc=0
  start=$(date +%s)
  (cd "$work" && "${bin[$t]}" "${args[@]}") > "$work/fuzz.log" 2>&1 || rc=$?
  elapsed=$(( $(date +%s) - start ))
  if [[ $jobs -gt 1 ]]; then logs=("$work"/fuzz-*.log); else logs=("$work/fuzz.log"); fi
  # Sums over the jobs: executions and their rate; the best coverage any job reached.
  # A job that stopped on a finding prints no final stats: its last status line counts then.
  read -r execs rate cov ft < <(awk '
    /^stat::number_of_executed_units:/ { e[FILENAME] = $2 }
    /^stat::average_exec_per_sec:/ { r[FILENAME] = $2 }
    /^#[0-9]+/ { n = substr($1, 2) + 0; if (n > last[FILENAME]) last[FILENAME] = n }
    /^#[0-9]+/ && / cov: / {
      for (i = 1; i <= NF; i++) { if ($i == "cov:" && $(i+1) > c) c = $(i+1); if ($i == "ft:" && $(i+1) > f) f = $(i+1) }
    }
    END {
      for (file in last) { te += (file in e) ? e[file] : last[file]; tr += r[file] }
      printf "%d %d %d %d\n", te, tr, c, f
    }' "${logs[@]}")
  # Without final stats (a run that stopped on a finding), the rate over the wall time.
  [[ $rate -eq 0 && $elapsed -gt 0 ]] && rate=$(( execs / elapsed ))
  after=$(find "$dir/corpus" -type f | wc -l)
  mapfile -t found < <(find "$findings" -type f \( -name 'crash-*' -o -name 'leak-*' -o -name 'timeout-*' -o -name 'oom-*' \) | sort)
  line="$t: $execs executions, $rate exec/s, coverage $cov edges / $ft features, corpus $after inputs (+$((after - before)) this run), "
  if [[ ${#found[@]} -gt 0 ]]; then
    line+="${#found[@]} finding(s):"
    for f in "${found[@]}"; do line+=$'\n'"    $f"; done
    status=1
  elif [[ $rc -ne 0 ]]; then
    line+="libFuzzer exited with status $rc (log: $work/fuzz.log)"
    status=1
  else
    line+="no findings"
    rmdir "$findings" 2>/dev/null || true
  fi
  echo "$line" >> "$scratch/summary.log"
  echo "  $line"
  [[ $status -ne 0 && ${#found[@]} -gt 0 ]] && grep -m1 -E '^(==[0-9]+==ERROR|SUMMARY)' "${logs[@]}" | sed 's/^/    /' || true
  summary+=("$line")
done

echo "fuzz.sh summary ($(date -u +%Y-%m-%dT%H:%MZ), ${time_s} s per target, $jobs job(s)):"
printf '  %s\n' "${summary[@]}"
exit $status
