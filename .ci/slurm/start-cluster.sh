#!/usr/bin/env bash
# Start a throw-away, ONE-NODE Slurm cluster on this machine, for CI.
#
# What it does, in order:
#   1. installs Debian's slurm-wlm (slurmctld, slurmd, client commands) and
#      munge with apt-get, if they are missing;
#   2. writes /etc/slurm/slurm.conf for one node (this host, at 127.0.0.1)
#      with the CPU count and memory that `slurmd -C` reports;
#   3. makes sure a munge key exists, then starts munged, slurmctld and slurmd
#      directly (CI machines have no systemd);
#   4. waits until `sinfo` reports the node ready for jobs.
#
# Running it again is safe: daemons that are already up are left alone, and
# they are restarted only if the generated slurm.conf changed.
#
# Needs root (it installs packages and starts system daemons). Tested on
# Debian 12 (bookworm), Slurm 22.05, munge 0.5.15.
#
# Environment knobs (all optional):
#   SLURM_START_TIMEOUT  seconds to wait for the node to become ready (default 60)
set -euo pipefail

TIMEOUT="${SLURM_START_TIMEOUT:-60}"
CONF_DIR=/etc/slurm
CONF="$CONF_DIR/slurm.conf"
# Marker line: lets a second run recognise a slurm.conf this script wrote,
# so it never silently overwrites a hand-written configuration.
MARKER="# Written by costcast .ci/slurm/start-cluster.sh"
CTLD_STATE=/var/spool/slurmctld
SLURMD_SPOOL=/var/spool/slurmd
LOG_DIR=/var/log/slurm
RUN_DIR=/run/slurm
CTLD_PID="$RUN_DIR/slurmctld.pid"
SLURMD_PID="$RUN_DIR/slurmd.pid"
MUNGE_PID=/run/munge/munged.pid

say() { printf 'start-cluster: %s\n' "$*"; }
die() { printf 'start-cluster: ERROR: %s\n' "$*" >&2; exit 1; }

if [ "$(id -u)" -ne 0 ]; then
  die "must run as root (it installs packages and starts system daemons)."
fi

# --- 1. Packages ----------------------------------------------------------
# `slurm-wlm` pulls in slurmctld, slurmd and slurm-client. Recommends are
# skipped: they add documentation and mail tools CI does not need.
need_install=0
for cmd in slurmctld slurmd sbatch munged; do
  command -v "$cmd" >/dev/null 2>&1 || need_install=1
done
if [ "$need_install" -eq 1 ]; then
  say "installing slurm-wlm and munge with apt-get (takes a minute)..."
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -qq
  apt-get install -y -qq --no-install-recommends slurm-wlm munge >/dev/null
fi

# --- helpers: is a daemon (found through its pid file) alive? --------------
# Pid files, not `pgrep`, so that we only ever look at (and stop) the
# daemons this script started.
pid_alive() {   # pid_alive PIDFILE NAME
  local pid
  [ -s "$1" ] || return 1
  pid="$(cat "$1")"
  [ -n "$pid" ] && kill -0 "$pid" 2>/dev/null || return 1
  # The pid may have been reused by another program since: check its name.
  [ "$(cat "/proc/$pid/comm" 2>/dev/null)" = "$2" ]
}

stop_daemon() { # stop_daemon PIDFILE NAME
  local pid
  pid_alive "$1" "$2" || return 0
  pid="$(cat "$1")"
  say "stopping $2 (pid $pid) to apply the new configuration"
  kill "$pid"
  for _ in $(seq 1 50); do
    kill -0 "$pid" 2>/dev/null || return 0
    sleep 0.2
  done
  die "$2 (pid $pid) did not stop within 10 s"
}

print_logs() {
  local f
  echo "(In Slurm's logs, 'mpi/pmix ... can not load PMIx library' errors are" \
       "harmless: MPI is not used. Look for other errors.)" >&2
  for f in /var/log/munge/munged.log "$LOG_DIR/slurmctld.log" "$LOG_DIR/slurmd.log"; do
    if [ -f "$f" ]; then
      printf '\n----- last 30 lines of %s -----\n' "$f" >&2
      tail -n 30 "$f" >&2
    else
      printf '\n----- %s: no such file -----\n' "$f" >&2
    fi
  done
}

# --- 2. slurm.conf ------------------------------------------------------------
# The node's name must be what slurmd finds with gethostname() (short form),
# otherwise slurmd does not know which NodeName it is. Its *address* is
# 127.0.0.1, so nothing depends on the host name resolving in DNS.
NODE="$(hostname -s)"
[ -n "$NODE" ] || die "hostname -s printed nothing; set a host name first."

# `slurmd -C` prints this machine's real hardware as a NodeName line, e.g.
#   NodeName=vm CPUs=2 Boards=1 SocketsPerBoard=1 CoresPerSocket=2 ThreadsPerCore=1 RealMemory=24105
# Declaring more CPUs or memory than the node has would get it drained
# ("Low RealMemory"), so we copy the line rather than guess.
HW="$(slurmd -C | grep '^NodeName=' | head -n 1)"
[ -n "$HW" ] || die "'slurmd -C' did not report this machine's hardware."
HW="${HW#NodeName=* }"   # drop "NodeName=<name> ": we set our own name below

mkdir -p "$CONF_DIR" "$CTLD_STATE" "$SLURMD_SPOOL" "$LOG_DIR" "$RUN_DIR"

new_conf="$(mktemp)"
trap 'rm -f "$new_conf"' EXIT
cat >"$new_conf" <<EOF
$MARKER
# A one-node cluster on loopback for CI. Not for production use.
ClusterName=costcast-ci
SlurmctldHost=$NODE(127.0.0.1)

# CI runs as root; the daemons do too.
SlurmUser=root
SlurmdUser=root
AuthType=auth/munge
CredType=cred/munge

SlurmctldPort=6817
SlurmdPort=6818
StateSaveLocation=$CTLD_STATE
SlurmdSpoolDir=$SLURMD_SPOOL
SlurmctldPidFile=$CTLD_PID
SlurmdPidFile=$SLURMD_PID
SlurmctldLogFile=$LOG_DIR/slurmctld.log
SlurmdLogFile=$LOG_DIR/slurmd.log
SlurmctldDebug=info
SlurmdDebug=info

# No cgroups: containers and sandboxes often do not let us manage them, and
# CI needs no resource fencing. linuxproc tracks a job's processes through
# their parent pids; task/none does no CPU binding.
ProctrackType=proctrack/linuxproc
TaskPlugin=task/none
JobAcctGatherType=jobacct_gather/none
AccountingStorageType=accounting_storage/none
JobCompType=jobcomp/none
MpiDefault=none
# No mail program is installed; do not try to send any.
MailProg=/bin/true

# Hand out single cores, so several array tasks run side by side on the one
# node (with select/linear a job would take the whole node).
SelectType=select/cons_tres
SelectTypeParameters=CR_Core

# A node that was DOWN comes back by itself once slurmd registers with a
# valid configuration (e.g. after this script restarted the daemons).
ReturnToService=2
# Keep finished jobs visible to 'scontrol show job' for 10 minutes: the
# submit script reads their exit codes there (there is no accounting
# database to ask instead).
MinJobAge=600
SchedulerType=sched/backfill

NodeName=$NODE NodeAddr=127.0.0.1 $HW State=UNKNOWN
PartitionName=ci Nodes=$NODE Default=YES MaxTime=INFINITE State=UP
EOF

conf_changed=1
if [ -f "$CONF" ]; then
  if cmp -s "$new_conf" "$CONF"; then
    conf_changed=0
  elif ! grep -qxF "$MARKER" "$CONF"; then
    # Someone else's slurm.conf: keep a copy rather than destroy it.
    backup="$CONF.bak.$(date +%Y%m%d%H%M%S)"
    say "an existing $CONF was not written by this script; saving it as $backup"
    cp -p "$CONF" "$backup"
  fi
fi
if [ "$conf_changed" -eq 1 ]; then
  install -m 0644 "$new_conf" "$CONF"
  say "wrote $CONF (node $NODE: $HW)"
  # Daemons started with the old file must be restarted to pick this one up.
  stop_daemon "$SLURMD_PID" slurmd
  stop_daemon "$CTLD_PID" slurmctld
fi

# --- 3. munge: key and daemon ----------------------------------------------
# Every Slurm message is signed by munge. The Debian package normally creates
# /etc/munge/munge.key; create one if it is missing. munged refuses to start
# unless the key is owned by the user it runs as and unreadable by others.
mkdir -p /etc/munge /run/munge /var/lib/munge /var/log/munge
if [ ! -s /etc/munge/munge.key ]; then
  say "creating a munge key"
  dd if=/dev/urandom of=/etc/munge/munge.key bs=1024 count=1 status=none
fi
chown munge:munge /etc/munge /etc/munge/munge.key /run/munge /var/lib/munge /var/log/munge
chmod 0700 /etc/munge /var/log/munge
chmod 0400 /etc/munge/munge.key
chmod 0755 /run/munge  # clients (sbatch...) must reach the socket in it

if pid_alive "$MUNGE_PID" munged; then
  say "munged already running (pid $(cat "$MUNGE_PID"))"
else
  say "starting munged"
  # Run it as the 'munge' user like the packaged service does. It forks into
  # the background and writes its pid file itself.
  # --origin: skip looking up the host name, which may not resolve in CI.
  runuser -u munge -- munged --origin=127.0.0.1 || { print_logs; die "munged failed to start."; }
fi
# Prove munge works before involving Slurm: a failure here is much easier to
# understand than Slurm's "Protocol authentication error" later.
if ! munge -n </dev/null | unmunge >/dev/null 2>&1; then
  print_logs
  die "munge cannot encode and decode a credential (see munged.log above)."
fi

# --- 4. Slurm daemons --------------------------------------------------------
if pid_alive "$CTLD_PID" slurmctld; then
  say "slurmctld already running (pid $(cat "$CTLD_PID"))"
else
  say "starting slurmctld"
  # Forks into the background; logs to $LOG_DIR/slurmctld.log.
  slurmctld || { print_logs; die "slurmctld failed to start."; }
fi

# slurmctld must be answering before slurmd registers with it, else slurmd
# retries on its own schedule and start-up takes longer.
for _ in $(seq 1 $((TIMEOUT * 2))); do
  scontrol ping 2>/dev/null | grep -q 'is UP' && break
  sleep 0.5
done
scontrol ping 2>/dev/null | grep -q 'is UP' || {
  print_logs; die "slurmctld did not answer 'scontrol ping' within ${TIMEOUT}s."; }

if pid_alive "$SLURMD_PID" slurmd; then
  say "slurmd already running (pid $(cat "$SLURMD_PID"))"
else
  say "starting slurmd"
  slurmd || { print_logs; die "slurmd failed to start."; }
fi

# --- 5. Wait for the node --------------------------------------------------------
# "idle", "mixed" or "allocated" all mean the node accepts work. sinfo adds
# a suffix such as '*' (not responding) or '~' (powered off) to unusual
# states, so the exact match also rejects those.
say "waiting up to ${TIMEOUT}s for node $NODE to become ready..."
state=""
deadline=$(( $(date +%s) + TIMEOUT ))
while :; do
  state="$(sinfo -h -n "$NODE" -o '%T' 2>/dev/null | head -n 1 || true)"
  case "$state" in
    # slurmctld remembers a node as idle for a few minutes after its slurmd
    # died, so also check that our slurmd is really running.
    idle|mixed|allocated) pid_alive "$SLURMD_PID" slurmd && break ;;
  esac
  if [ "$(date +%s)" -ge "$deadline" ]; then
    printf '\nstart-cluster: node state is "%s"; sinfo -R says:\n' "${state:-unknown}" >&2
    sinfo -R >&2 || true
    print_logs
    die "node $NODE did not become ready within ${TIMEOUT}s."
  fi
  sleep 0.5
done
say "cluster is up: node $NODE is $state"
sinfo
