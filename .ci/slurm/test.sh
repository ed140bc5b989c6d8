#!/usr/bin/env bash
# End-to-end CI test: a forecast sharded over a Slurm job array and merged
# must give the same CSV files, byte for byte, as one run on one machine.
#
#   1. start a one-node Slurm cluster (.ci/slurm/start-cluster.sh);
#   2. deploy/slurm/submit.sh: 3 shard tasks + a merge job, waited for;
#   3. print each array task's Slurm record and log;
#   4. costcast run, the same scenario, -n and --seed, on this machine;
#   5. cmp every CSV file of the two reports: PASS/FAIL per file.
#
# Builds nothing: it tests the binary in $COSTCAST (default
# target/release/costcast; build it first with `cargo build --release`).
# Runs as root (the cluster start-up installs packages and starts daemons).
# Exit status: 0 all equal; 1 a job failed or any file differs.
set -euo pipefail
cd "$(dirname "$0")/../.."   # the repository root
started=$(date +%s)

SCENARIO=scenarios/acme-ai-roadmap.toml
ITERATIONS=30000
SEED=7
SHARDS=3

COSTCAST="${COSTCAST:-target/release/costcast}"
if [ ! -x "$COSTCAST" ]; then
  echo "test.sh: no costcast binary at '$COSTCAST'." >&2
  echo "test.sh: build it with 'cargo build --release', or set COSTCAST=/path/to/costcast." >&2
  exit 1
fi
# Absolute: the Slurm jobs run in another directory.
COSTCAST="$(realpath "$COSTCAST")"
export COSTCAST

echo "== 1. Slurm cluster"
.ci/slurm/start-cluster.sh

# Everything the test writes goes here; kept afterwards for inspection. The
# jobs run on this machine, so a local temp folder is visible to them.
work="$(mktemp -d "${TMPDIR:-/tmp}/costcast-slurm-test.XXXXXX")"
echo
echo "== 2. sharded run on Slurm: $SHARDS shards of $ITERATIONS iterations, seed $SEED (files in $work)"
# submit.sh prints ARRAY_JOB_ID=... and MERGE_JOB_ID=... on stdout (its
# progress goes to stderr, straight into the CI log). `timeout` keeps a
# stuck cluster from hanging CI; submit.sh exits non-zero if any job failed.
submit_rc=0
ids="$(timeout "${SLURM_TEST_TIMEOUT:-600}" deploy/slurm/submit.sh "$SCENARIO" \
  -n "$ITERATIONS" --seed "$SEED" --shards "$SHARDS" \
  --parts "$work/parts" -o "$work/merged" --wait)" || submit_rc=$?
array_id="$(sed -n 's/^ARRAY_JOB_ID=//p' <<<"$ids")"
merge_id="$(sed -n 's/^MERGE_JOB_ID=//p' <<<"$ids")"

echo
echo "== 3. the array tasks (array job ${array_id:-?}, merge job ${merge_id:-?})"
if [ -n "$array_id" ]; then
  # One line per task, in task order: what ran where, and how it ended.
  scontrol show -o job "$array_id" 2>/dev/null | awk '{
      task = "?"; line = ""
      for (i = 1; i <= NF; i++) {
        if ($i ~ /^ArrayTaskId=/) task = substr($i, 13)
        if ($i ~ /^(JobId|ArrayJobId|JobState|ExitCode|NodeList|StartTime|EndTime)=/) line = line " " $i
      }
      print "array task " task ":" line
    }' | sort -k3,3n || true
  for task in $(seq 1 "$SHARDS"); do
    log="$work/parts/costcast-shard-${array_id}_${task}.out"
    echo "--- array task $task: $log"
    cat "$log" 2>/dev/null || echo "(no log file)"
  done
  echo "--- merge job: $work/parts/costcast-merge-${merge_id}.out"
  cat "$work/parts/costcast-merge-${merge_id}.out" 2>/dev/null || echo "(no log file)"
fi
if [ "$submit_rc" -ne 0 ]; then
  # 124: the timeout above. Do not leave the jobs queued on the CI machine.
  [ -z "$array_id" ] || scancel "$array_id" "$merge_id" 2>/dev/null || true
  echo "FAIL: the sharded run on Slurm did not succeed (submit.sh exit $submit_rc; logs above)"
  exit 1
fi

echo
echo "== 4. single-machine run"
single_rc=0
"$COSTCAST" run "$SCENARIO" -n "$ITERATIONS" --seed "$SEED" --format csv -o "$work/single" || single_rc=$?
if [ "$single_rc" -ne 0 ]; then
  echo "FAIL: costcast run exited $single_rc (message above)"
  exit 1
fi

echo
echo "== 5. merged report vs single run, every CSV file"
for d in merged single; do
  [ -d "$work/$d" ] || { echo "FAIL: no report folder $work/$d"; exit 1; }
done
# Union of the CSV files of both reports (relative paths), so a file that
# only one of them wrote counts as a failure too.
csvs="$( { (cd "$work/merged" && find . -name '*.csv'); (cd "$work/single" && find . -name '*.csv'); } |
  sed 's|^\./||' | sort -u)"
failures=0
if [ -z "$csvs" ]; then
  echo "FAIL: neither report holds a CSV file"
  failures=1
fi
for f in $csvs; do
  if [ ! -f "$work/merged/$f" ]; then
    echo "FAIL $f (missing from the merged report)"; failures=$((failures + 1))
  elif [ ! -f "$work/single/$f" ]; then
    echo "FAIL $f (missing from the single run)"; failures=$((failures + 1))
  elif diff_at="$(cmp "$work/merged/$f" "$work/single/$f" 2>&1)"; then
    echo "PASS $f"
  else
    echo "FAIL $f ($diff_at)"; failures=$((failures + 1))
  fi
done

echo
echo "== 6. the merge refuses an incomplete set of parts (exit 1)"
# Part of the shard/merge contract: with shard 3 missing, merge must fail
# with exit 1 rather than write a report from 2/3 of the iterations.
merge_rc=0
"$COSTCAST" merge "$work/parts/shard-1.part" "$work/parts/shard-2.part" \
  -o "$work/incomplete" >"$work/incomplete.log" 2>&1 || merge_rc=$?
if [ "$merge_rc" -eq 1 ] && [ ! -e "$work/incomplete" ]; then
  echo "PASS merge of shards 1 and 2 of 3 refused: $(tail -n 1 "$work/incomplete.log")"
else
  echo "FAIL merge of shards 1 and 2 of 3: exit $merge_rc (want 1), report folder written: $([ -e "$work/incomplete" ] && echo yes || echo no)"
  cat "$work/incomplete.log"
  failures=$((failures + 1))
fi

echo
echo "test.sh: $(( $(date +%s) - started ))s; files kept in $work"
if [ "$failures" -ne 0 ]; then
  echo "test.sh: FAIL ($failures problem(s))"
  exit 1
fi
echo "test.sh: PASS (sharded on Slurm == single run, every CSV file byte for byte)"
