#!/usr/bin/env bash
# Submit a sharded costcast forecast to Slurm: an array of shard jobs, then
# a merge job that starts only when every shard succeeded.
#
# Usage:
#   deploy/slurm/submit.sh SCENARIO.toml -n N --seed S --shards K \
#       --parts DIR -o OUT [--threads T] [--format F] [--wait]
#
#   -n N         total iterations (all shards together), as for costcast run
#   --seed S     random seed
#   --shards K   number of shards = array tasks (1..K)
#   --parts DIR  folder for the shard-*.part files and the job logs; must be
#                on a filesystem every compute node sees, and hold no
#                shard-*.part files from an earlier run
#   -o OUT       report folder the merge writes
#   --threads T  CPUs per shard task (sbatch --cpus-per-task, costcast
#                --threads); default 1
#   --format F   --format for the merge (e.g. csv); default: costcast's
#   --wait       wait for the merge job; exit non-zero if any job failed
#
# Prints the job ids on stdout as ARRAY_JOB_ID=... and MERGE_JOB_ID=...;
# messages go to stderr.
#
# Environment:
#   COSTCAST     costcast binary (default: costcast on PATH); resolved to an
#                absolute path here, so compute nodes must see the same path
#   SBATCH_*     sbatch's own variables apply to both jobs, e.g.
#                SBATCH_PARTITION=long SBATCH_ACCOUNT=finance SBATCH_TIMELIMIT=30
#   SUBMIT_POLL  seconds between status checks with --wait (default 2)
#
# Exit status: 0 submitted (with --wait: everything succeeded); 1 bad
# arguments or sbatch refused; 2 a shard or the merge failed (--wait).
set -euo pipefail

me="$(basename "$0")"
here="$(cd "$(dirname "$0")" && pwd)"   # shard.sbatch and merge.sbatch live here

say() { printf '%s: %s\n' "$me" "$*" >&2; }
usage_error() {
  printf '%s: %s\n' "$me" "$*" >&2
  printf 'usage: %s SCENARIO.toml -n N --seed S --shards K --parts DIR -o OUT [--threads T] [--format F] [--wait]\n' "$me" >&2
  exit 1
}
is_uint() { case "$1" in ''|*[!0-9]*) return 1 ;; *) return 0 ;; esac; }

# --- arguments ---------------------------------------------------------------
scenario="" iterations="" seed="" shards="" parts="" out="" threads="" format="" wait=0
while [ $# -gt 0 ]; do
  case "$1" in
    -n|--iterations) [ $# -ge 2 ] || usage_error "$1 needs a value"; iterations="$2"; shift 2 ;;
    --seed)          [ $# -ge 2 ] || usage_error "$1 needs a value"; seed="$2"; shift 2 ;;
    --shards)        [ $# -ge 2 ] || usage_error "$1 needs a value"; shards="$2"; shift 2 ;;
    --parts)         [ $# -ge 2 ] || usage_error "$1 needs a value"; parts="$2"; shift 2 ;;
    -o|--out)        [ $# -ge 2 ] || usage_error "$1 needs a value"; out="$2"; shift 2 ;;
    --threads)       [ $# -ge 2 ] || usage_error "$1 needs a value"; threads="$2"; shift 2 ;;
    --format)        [ $# -ge 2 ] || usage_error "$1 needs a value"; format="$2"; shift 2 ;;
    --wait)          wait=1; shift ;;
    -h|--help)       sed -n '2,/^set -euo/p' "$0" | sed '$d; s/^# \{0,1\}//'; exit 0 ;;
    -*)              usage_error "unknown option $1" ;;
    *)               [ -z "$scenario" ] || usage_error "only one scenario file, got '$scenario' and '$1'"
                     scenario="$1"; shift ;;
  esac
done
[ -n "$scenario" ] || usage_error "no scenario file given"
# -n and --seed are required, not defaulted: every shard and the check run
# must use the same values, so they are spelled out.
{ is_uint "$iterations" && [ "$iterations" -gt 0 ]; } || usage_error "-n must be a positive whole number (got '$iterations')"
is_uint "$seed" || usage_error "--seed must be a whole number >= 0 (got '$seed')"
{ is_uint "$shards" && [ "$shards" -gt 0 ]; } || usage_error "--shards must be a positive whole number (got '$shards')"
[ "$shards" -le "$iterations" ] || usage_error "--shards ($shards) is larger than -n ($iterations)"
[ -n "$parts" ] || usage_error "--parts DIR is required"
[ -n "$out" ] || usage_error "-o OUT is required"
[ -z "$threads" ] || { is_uint "$threads" && [ "$threads" -gt 0 ]; } ||
  usage_error "--threads must be a positive whole number (got '$threads')"

for cmd in sbatch scontrol; do
  command -v "$cmd" >/dev/null 2>&1 ||
    usage_error "'$cmd' not found: run this on a Slurm login node (or start a CI cluster with .ci/slurm/start-cluster.sh)"
done

# --- absolute paths ------------------------------------------------------------
# Jobs may start in another directory (or on another machine), so every path
# handed to them is made absolute now.
[ -f "$scenario" ] || usage_error "scenario file '$scenario' not found"
scenario="$(realpath "$scenario")"
parts="$(realpath -m "$parts")"
out="$(realpath -m "$out")"
[ "$parts" != "$out" ] || usage_error "--parts and -o must be different folders"

mkdir -p "$parts"
# A shard-*.part left from an earlier run would be globbed into the merge;
# costcast would refuse the mix, but only after all the shards ran. Fail now.
shopt -s nullglob
stale=("$parts"/shard-*.part)
shopt -u nullglob
if [ "${#stale[@]}" -gt 0 ]; then
  usage_error "$parts already holds ${#stale[@]} shard-*.part file(s) from an earlier run; remove them or choose another --parts folder"
fi
# costcast writes only into a new folder or over an earlier report (one with
# run.json); check it now rather than after the shards ran.
if [ -e "$out" ] && { [ ! -d "$out" ] || { [ -n "$(ls -A "$out")" ] && [ ! -f "$out/run.json" ]; }; }; then
  usage_error "-o $out exists and is not a costcast report folder; costcast would refuse to write there"
fi
mkdir -p "$(dirname "$out")"

costcast="${COSTCAST:-costcast}"
case "$costcast" in
  */*) [ -x "$costcast" ] || usage_error "COSTCAST=$costcast is not an executable file"
       costcast="$(realpath "$costcast")" ;;
  *)   if resolved="$(command -v "$costcast" 2>/dev/null)"; then
         costcast="$resolved"
       else
         say "warning: '$costcast' is not on PATH here; the jobs will look for it on the compute nodes"
       fi ;;
esac

# --- submit ------------------------------------------------------------------------
# The job settings travel as environment variables (--export=ALL), not as
# --export=ALL,NAME=value: values there are split at commas, paths are not.
export SCENARIO="$scenario" ITERATIONS="$iterations" SEED="$seed" SHARDS="$shards"
export PARTS="$parts" OUT="$out" COSTCAST="$costcast"
if [ -n "$format" ]; then export FORMAT="$format"; else unset FORMAT; fi

# Logs go next to the parts (--output overrides the #SBATCH line), so one
# folder holds everything about the run; --chdir makes the jobs' working
# directory the same on every node.
common=(--parsable --export=ALL --chdir="$parts")
shard_opts=(--array="1-$shards" --output="$parts/%x-%A_%a.out")
[ -z "$threads" ] || shard_opts+=(--cpus-per-task="$threads")

# --parsable prints "JOBID" or "JOBID;CLUSTER".
array_id="$(sbatch "${common[@]}" "${shard_opts[@]}" "$here/shard.sbatch")" || {
  say "sbatch refused the shard array (its message is above)"
  exit 1
}
array_id="${array_id%%;*}"
# afterok on an array job waits for every task and needs all to succeed.
merge_id="$(sbatch "${common[@]}" --dependency="afterok:$array_id" \
  --output="$parts/%x-%j.out" "$here/merge.sbatch")" || {
  say "sbatch refused the merge job; cancelling the shard array $array_id"
  scancel "$array_id" || true
  exit 1
}
merge_id="${merge_id%%;*}"

say "submitted $shards shard task(s) as array job $array_id, merge as job $merge_id (after all shards succeed)"
say "logs and parts: $parts   report: $out"
echo "ARRAY_JOB_ID=$array_id"
echo "MERGE_JOB_ID=$merge_id"

[ "$wait" -eq 1 ] || exit 0

# --- --wait: poll scontrol ------------------------------------------------------
# Polling rather than `sbatch --wait`, because if a shard fails the merge
# never starts: it stays PENDING with Reason=DependencyNeverSatisfied
# (unless the cluster sets kill_invalid_depend), and a blocking wait on it
# would hang forever. scontrol needs no accounting database (sacct does).
poll="${SUBMIT_POLL:-2}"
trap 'say "interrupted: the jobs keep running; cancel them with: scancel $array_id $merge_id"; exit 130' INT TERM

field() { # field NAME < one `scontrol show -o job` line: prints NAME's value
  tr ' ' '\n' | sed -n "s/^$1=//p" | head -n 1
}

shard_report() { # one line per array task, in shard order: state, exit code, log
  scontrol show -o job "$array_id" 2>/dev/null | while IFS= read -r line; do
    printf '  shard %-6s %-12s exit %-6s log %s\n' \
      "$(field ArrayTaskId <<<"$line")" "$(field JobState <<<"$line")" \
      "$(field ExitCode <<<"$line")" "$(field StdOut <<<"$line")"
  done | sort -k2,2n >&2 || true
}

show_failed_logs() { # show_failed_logs JOBID...: tail the logs of jobs/tasks that failed
  local id
  for id in "$@"; do scontrol show -o job "$id" 2>/dev/null || true; done |
  while IFS= read -r line; do
    case "$(field JobState <<<"$line")" in
      FAILED|CANCELLED|TIMEOUT|OUT_OF_MEMORY|NODE_FAIL|BOOT_FAIL|DEADLINE|PREEMPTED)
        log="$(field StdOut <<<"$line")"
        printf '\n----- %s (job %s) -----\n' "$log" "$(field JobId <<<"$line")" >&2
        tail -n 20 "$log" >&2 2>/dev/null || echo "(log not readable from here)" >&2 ;;
    esac
  done || true
}

say "waiting for merge job $merge_id (status every ${poll}s)..."
last=""
while :; do
  if ! line="$(scontrol show -o job "$merge_id" 2>&1)"; then
    # Finished jobs are forgotten after MinJobAge (300 s by default).
    say "Slurm no longer knows job $merge_id ($line); see $parts/costcast-merge-$merge_id.out"
    exit 2
  fi
  state="$(field JobState <<<"$line")"
  reason="$(field Reason <<<"$line")"
  # Progress: how many shard tasks are in each state.
  summary="$(scontrol show -o job "$array_id" 2>/dev/null | while IFS= read -r l; do
      field JobState <<<"$l"; done | sort | uniq -c | awk '{printf "%s%s %s", sep, $1, $2; sep=", "}')"
  [ "$reason" != None ] || reason=""
  now="shards: ${summary:-none listed}; merge: $state${reason:+ ($reason)}"
  [ "$now" = "$last" ] || say "$now"
  last="$now"
  case "$state" in
    COMPLETED)
      say "all $shards shard(s) and the merge succeeded; report in $out"
      shard_report
      exit 0 ;;
    PENDING)
      if [ "$reason" = DependencyNeverSatisfied ]; then
        say "a shard failed, so the merge can never start; cancelling merge job $merge_id"
        scancel "$merge_id" || true
        shard_report
        show_failed_logs "$array_id"
        exit 2
      fi ;;
    RUNNING|CONFIGURING|COMPLETING|SUSPENDED|REQUEUED|RESIZING|SIGNALING|STAGE_OUT|REQUEUE_HOLD|REQUEUE_FED) ;;
    *)  # FAILED, CANCELLED (e.g. kill_invalid_depend after a shard failed), TIMEOUT...
      say "merge job $merge_id ended as $state${reason:+ ($reason)}"
      shard_report
      show_failed_logs "$array_id" "$merge_id"
      exit 2 ;;
  esac
  sleep "$poll"
done
