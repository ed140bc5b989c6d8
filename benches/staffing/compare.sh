#!/usr/bin/env bash
# Times interval staffing against the monthly queue, side by side (issue
# 26's goal: within 4x): the staffed Acme roadmap on models/acme-staffed.toml
# (one Erlang C queue a month) and the same roadmap on
# models/acme-staffed-interval.toml (the phone queue per half hour of a
# weekly profile, with Erlang A), alternately, REPS rounds, `--format csv`.
# Prints each run's wall and CPU seconds and peak memory, and the median
# ratio interval / monthly. Run it on a quiet machine.
#
#   benches/staffing/compare.sh [N] [THREADS]    default 100000, all cores
set -euo pipefail
cd "$(dirname "$0")/../.."
N=${1:-100000}
THREADS=${2:-$(nproc)}
REPS=${REPS:-3}
BIN=${COSTCAST:-target/release/costcast}
[ -n "${COSTCAST:-}" ] || cargo build --release --quiet
OUT=$(mktemp -d)
trap 'rm -rf "$OUT"' EXIT

run() { # label scenario
  local t
  t=$( { /usr/bin/time -f "%e %U %S %M" "$BIN" run "$2" -n "$N" --threads "$THREADS" --format csv -o "$OUT/$1" >/dev/null; } 2>&1 | tail -1)
  read -r wall user sys kb <<<"$t"
  printf '%-9s wall %6.2f s  cpu %7.2f s  peak %5d MB\n' "$1" "$wall" "$(awk "BEGIN {print $user + $sys}")" $((kb / 1024)) >&2
  echo "$wall"
}

monthly=() interval=()
for _ in $(seq "$REPS"); do
  monthly+=("$(run monthly scenarios/acme-staffed-roadmap.toml)")
  interval+=("$(run interval benches/staffing/roadmap-interval.toml)")
done
median() { printf '%s\n' "$@" | sort -g | awk '{a[NR]=$1} END {print a[int((NR + 1) / 2)]}'; }
m=$(median "${monthly[@]}") i=$(median "${interval[@]}")
echo "N=$N threads=$THREADS: monthly ${m} s, interval ${i} s, ratio $(awk "BEGIN {printf \"%.2f\", $i / $m}")"
