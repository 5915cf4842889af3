#!/usr/bin/env bash
# The Slurm job array of docs/sweeps.md (docs/slurm/sweep.sbatch) on a real one-node cluster:
# Debian's slurmctld, slurmd and munge, installed when missing, configured in a temporary folder
# and started here. A two-shard sweep whose first shard is stopped by a one-minute time limit,
# then resubmitted (--resume computes only what it lacks); the merged CSV must equal one run of
# the whole sweep but for the timing columns.
#
# Usage: slurm_sweep.sh PROGRAM SOURCE_DIR. Exit 77 (ctest: skipped) where it cannot run.
set -euo pipefail
program=$(realpath "$1")
source_dir=$(realpath "$2")
skip() { echo "SKIPPED: $*"; exit 77; }

[[ $(id -u) -eq 0 ]] || skip "a Slurm cluster needs root here (apt-get, the munge key, the daemons); run as root or in CI"
if ! command -v slurmctld >/dev/null || ! command -v slurmd >/dev/null || ! command -v sbatch >/dev/null ||
   ! command -v munged >/dev/null; then
  echo "installing slurmctld slurmd slurm-client munge"
  DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends slurmctld slurmd slurm-client munge \
    >/dev/null 2>&1 || { apt-get update >/dev/null 2>&1 &&
    DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends slurmctld slurmd slurm-client munge \
      >/dev/null; } || skip "cannot install Slurm (no package archive reachable)"
fi
pgrep -x slurmctld >/dev/null && skip "a slurmctld already runs on this machine; not touching it"

work=$(mktemp -d /tmp/ntk-slurm.XXXXXX)
started_munge=0
cleanup() {  # only the daemons this script started, by their pid files
  scontrol shutdown >/dev/null 2>&1 || true
  sleep 1
  for pid_file in "$work/slurmd.pid" "$work/slurmctld.pid"; do
    [[ -s $pid_file ]] && kill "$(cat "$pid_file")" 2>/dev/null || true
  done
  [[ $started_munge -eq 1 && -s /run/munge/munged.pid ]] && kill "$(cat /run/munge/munged.pid)" 2>/dev/null || true
  [[ ${KEEP:-0} == 1 ]] || rm -rf "$work"
}
trap cleanup EXIT

# munge: the key the package made, the daemon as its own user.
if ! pgrep -x munged >/dev/null; then
  [[ -s /etc/munge/munge.key ]] || { dd if=/dev/urandom of=/etc/munge/munge.key bs=1024 count=1 2>/dev/null;
                                     chown munge:munge /etc/munge/munge.key; chmod 400 /etc/munge/munge.key; }
  mkdir -p /run/munge /var/log/munge /var/lib/munge
  chown munge:munge /run/munge /var/log/munge /var/lib/munge
  runuser -u munge -- munged || skip "munged does not start here"
  started_munge=1
fi

host=$(hostname -s)
mkdir -p "$work/state" "$work/spool" "$work/job/logs"
cat > "$work/slurm.conf" <<CONF
ClusterName=ntktest
SlurmctldHost=$host
SlurmUser=root
SlurmdUser=root
AuthType=auth/munge
CredType=cred/munge
SlurmctldPort=16817
SlurmdPort=16818
StateSaveLocation=$work/state
SlurmdSpoolDir=$work/spool
SlurmctldPidFile=$work/slurmctld.pid
SlurmdPidFile=$work/slurmd.pid
SlurmctldLogFile=$work/slurmctld.log
SlurmdLogFile=$work/slurmd.log
ProctrackType=proctrack/linuxproc
TaskPlugin=task/none
SelectType=select/cons_tres
SelectTypeParameters=CR_CPU
ReturnToService=2
MpiDefault=none
JobAcctGatherType=jobacct_gather/none
AccountingStorageType=accounting_storage/none
InactiveLimit=0
KillWait=5
OverTimeLimit=0
MinJobAge=600
NodeName=$host CPUs=$(nproc) State=UNKNOWN
PartitionName=test Nodes=ALL Default=YES MaxTime=INFINITE State=UP
CONF
export SLURM_CONF=$work/slurm.conf
slurmctld || skip "slurmctld does not start here"
slurmd || skip "slurmd does not start here"
for _ in $(seq 60); do
  [[ $(sinfo -h -o %T 2>/dev/null) == idle ]] && break
  sleep 1
done
if [[ $(sinfo -h -o %T 2>/dev/null) != idle ]]; then
  tail -n 20 "$work/slurmctld.log" "$work/slurmd.log" 2>/dev/null || true
  skip "the one-node cluster did not come up here (a chroot or container without what slurmd needs); logs above"
fi
echo "one-node cluster up: $(sinfo -h -o '%P %D %T %c')"

# A grid whose even points (shard 1 of 2) are heavy and odd points (shard 2) trivial, sized so
# that shard 1 needs about 180 s with this build on this machine: it outlives a one-minute limit
# even though slurmctld checks limits only every 30 s or so.
start=$(date +%s.%N)
"$program" sweep --threads 1 --vary seed=1..4 --L 64 --d 16 --m 262144 --out "$work/calibrate.csv" 2>/dev/null
per_point=$(awk -v a="$start" -v b="$(date +%s.%N)" 'BEGIN { printf "%.3f", (b - a) / 4 }')
points=$(awk -v t="$per_point" 'BEGIN { printf "%d", 180 / t + 2 }')
# In the environment, not in sbatch --export, which would split the grid at its commas.
export GRID="--vary seed=1..$points --vary m=262144,16 --L 64 --d 16" SHARDS=2
echo "a heavy point takes $per_point s: $points seeds, shard 1 needs about 180 s"

cd "$work/job"
export PATH="$(dirname "$program"):$PATH"
submit() { sbatch --parsable --export=ALL --cpus-per-task=1 "$@" "$source_dir/docs/slurm/sweep.sbatch"; }
wait_for() { while squeue -h -j "$1" 2>/dev/null | grep -q .; do sleep 2; done; }
state() { scontrol show job "$1" | grep -o 'JobState=[A-Z_]*' | head -1; }

limited=$(submit --array=1 --time=1)
other=$(submit --array=2 --time=30)
"$program" sweep --threads 1 $GRID --out "$work/one.csv" 2>/dev/null &
one=$!
wait_for "$limited"
wait_for "$other"
echo "shard 1: $(state "$limited"), shard 2: $(state "$other")"
[[ $(state "$limited") == JobState=TIMEOUT ]] || { cat logs/shard-1.log; echo "shard 1 was not stopped by its time limit"; exit 1; }
grep -q "rerun the same line with --resume" logs/shard-1.log || { cat logs/shard-1.log; exit 1; }
if "$program" merge shards/shard-*.csv --out "$work/early.csv" 2> "$work/merge.err"; then
  echo "merge accepted an unfinished shard"; exit 1
fi
cat "$work/merge.err"

resumed=$(submit --array=1 --time=30)
wait_for "$resumed"
echo "shard 1 resubmitted: $(state "$resumed")"
[[ $(state "$resumed") == JobState=COMPLETED ]] || { cat logs/shard-1.log; exit 1; }
grep -q "were there already" logs/shard-1.log || { cat logs/shard-1.log; echo "the resubmitted shard did not resume"; exit 1; }
"$program" merge shards/shard-*.csv --out "$work/merged.csv"
wait "$one"

# Equal but for the *_seconds columns.
without_timings() {
  awk -F, 'NR == 1 { for (i = 1; i <= NF; i++) keep[i] = ($i !~ /_seconds$/) }
           { line = ""; for (i = 1; i <= NF; i++) if (keep[i]) line = line (line == "" ? "" : ",") $i; print line }' "$1"
}
if ! diff <(without_timings "$work/merged.csv") <(without_timings "$work/one.csv") >/dev/null; then
  echo "the merged shards differ from one run"; exit 1
fi
echo "merged $(($(wc -l < "$work/merged.csv") - 1)) rows: equal to one run of the sweep but for the timings"
