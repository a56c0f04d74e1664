#!/usr/bin/env bash
# A private single-node Slurm cluster on this machine, for the Slurm executor's tests and for
# users who want to try `recover --executor slurm` without a real cluster.
#
#   scripts/slurm-cluster.sh start DIR    start munged, slurmctld and slurmd with everything under DIR
#   scripts/slurm-cluster.sh stop DIR     cancel its jobs, stop its daemons, check that nothing is left
#   scripts/slurm-cluster.sh status DIR   list the cluster's processes still alive
#
# After `start`, `source DIR/env` points sbatch/squeue/scontrol at the cluster (SLURM_CONF).
# Needs the Debian packages `slurmctld slurmd slurm-client munge` (Slurm 22.05); no systemd.
# Runs as the invoking user (root in a container works): its own munge key and socket, its own
# free ports, state and spool folders under DIR, so it never touches a system Slurm or munge.
# Every process it starts carries CMDSTAN_RECOVER_SLURM_CLUSTER=DIR in its environment; `stop`
# finds them (and their children, the jobs' processes) by that mark.
set -euo pipefail

usage() { echo "usage: $0 start|stop|status DIR" >&2; exit 2; }
[ $# -eq 2 ] || usage
ACTION=$1
mkdir -p "$2"
DIR=$(cd "$2" && pwd)
CONF=$DIR/etc/slurm.conf
export SLURM_CONF=$CONF
export CMDSTAN_RECOVER_SLURM_CLUSTER=$DIR

log() { echo "[slurm-cluster] $*" >&2; }

require_binaries() {
  local missing=()
  for b in munged slurmctld slurmd sbatch squeue scontrol scancel sinfo; do
    command -v "$b" >/dev/null 2>&1 || [ -x "/usr/sbin/$b" ] || missing+=("$b")
  done
  if [ ${#missing[@]} -gt 0 ]; then
    log "missing: ${missing[*]}. Install: apt-get install -y --no-install-recommends slurmctld slurmd slurm-client munge"
    exit 3
  fi
}

# A TCP port nobody listens on (bash's /dev/tcp connects when something does).
free_port() {
  local p
  for _ in $(seq 1 200); do
    p=$((20000 + RANDOM % 30000))
    if ! (exec 3<>"/dev/tcp/127.0.0.1/$p") 2>/dev/null; then echo "$p"; return; fi
  done
  log "no free TCP port found"; exit 1
}

# PIDs of processes started for this cluster, and all their descendants (the jobs). Daemons
# carry the mark in their environment; slurmstepd (a job's step daemon, whose parent is init)
# overwrites its environment, but keeps the cluster's slurmd.log open.
cluster_pids() {
  local marked=() pid
  for env in /proc/[0-9]*/environ; do
    pid=${env#/proc/}; pid=${pid%/environ}
    [ "$pid" = "$$" ] && continue
    if tr '\0' '\n' 2>/dev/null <"$env" | grep -qxF "CMDSTAN_RECOVER_SLURM_CLUSTER=$DIR"; then marked+=("$pid"); fi
  done
  while read -r pid; do
    [ -n "$pid" ] && [ "$pid" != "$$" ] && marked+=("$pid")
  done < <(find /proc/[0-9]*/fd -maxdepth 1 -lname "$DIR/*" 2>/dev/null | cut -d/ -f3 | sort -u)
  [ ${#marked[@]} -gt 0 ] || return 0
  # Breadth-first over the parent -> child table.
  local table queue=("${marked[@]}") seen=" " next
  table=$(ps -eo pid=,ppid=)
  while [ ${#queue[@]} -gt 0 ]; do
    next=${queue[0]}; queue=("${queue[@]:1}")
    case "$seen" in *" $next "*) continue ;; esac
    seen+="$next "
    while read -r child parent; do
      [ "$parent" = "$next" ] && queue+=("$child")
    done <<<"$table"
  done
  for pid in $seen; do [ "$pid" != "$$" ] && [ -d "/proc/$pid" ] && echo "$pid"; done
  return 0
}

write_config() {
  local host cpus mem_mb real_mb def_mem user ctld_port slurmd_port
  host=$(hostname -s)
  cpus=${SLURM_CLUSTER_CPUS:-$(nproc)}
  mem_mb=$(awk '/^MemTotal:/ { print int($2 / 1024) }' /proc/meminfo)
  real_mb=$((mem_mb * 9 / 10))
  def_mem=$((real_mb / cpus < 2048 ? real_mb / cpus : 2048))
  user=$(id -un)
  ctld_port=$(free_port)
  slurmd_port=$(free_port)
  while [ "$slurmd_port" = "$ctld_port" ]; do slurmd_port=$(free_port); done
  mkdir -p "$DIR/etc" "$DIR/state" "$DIR/spool" "$DIR/log" "$DIR/munge"
  cat >"$CONF" <<EOF
# Written by scripts/slurm-cluster.sh: a single-node cluster under $DIR
ClusterName=cmdstanrecover
SlurmctldHost=$host(127.0.0.1)
SlurmctldPort=$ctld_port
SlurmdPort=$slurmd_port
SlurmUser=$user
SlurmdUser=$user
AuthType=auth/munge
CredType=cred/munge
AuthInfo=socket=$DIR/munge/munge.socket
StateSaveLocation=$DIR/state
SlurmdSpoolDir=$DIR/spool
SlurmctldPidFile=$DIR/state/slurmctld.pid
SlurmdPidFile=$DIR/spool/slurmd.pid
SlurmctldLogFile=$DIR/log/slurmctld.log
SlurmdLogFile=$DIR/log/slurmd.log
# No cgroups in a container: track processes by parentage, bind nothing.
ProctrackType=proctrack/linuxproc
TaskPlugin=task/none
JobAcctGatherType=jobacct_gather/none
# Cores and memory as consumable resources, so array tasks share the node; without
# DefMemPerCPU each job takes the whole node's memory and tasks run one at a time.
SelectType=select/cons_tres
SelectTypeParameters=CR_Core_Memory
DefMemPerCPU=$def_mem
# No slurmdbd: sacct does not work; squeue/scontrol show states until MinJobAge.
AccountingStorageType=accounting_storage/none
JobCompType=jobcomp/filetxt
JobCompLoc=$DIR/log/jobcomp.txt
MailProg=/bin/true
# The default scheduler pacing adds about 3 s per job.
SchedulerParameters=batch_sched_delay=0,sched_min_interval=100000
ReturnToService=2
KillWait=5
MinJobAge=600
NodeName=$host NodeAddr=127.0.0.1 CPUs=$cpus RealMemory=$real_mb State=UNKNOWN
PartitionName=debug Nodes=$host Default=YES MaxTime=INFINITE State=UP
EOF
  echo "export SLURM_CONF=$CONF" >"$DIR/env"
}

start_munge() {
  local key=$DIR/munge/munge.key
  chmod 700 "$DIR/munge"
  [ -f "$key" ] || { dd if=/dev/urandom of="$key" bs=1024 count=1 status=none; chmod 400 "$key"; }
  # --force: munged refuses some setups (root, /tmp parents) that are fine for a private key.
  munged --force --socket="$DIR/munge/munge.socket" --key-file="$key" --pid-file="$DIR/munge/munged.pid" \
    --log-file="$DIR/log/munged.log" --seed-file="$DIR/munge/munged.seed" >"$DIR/log/munged.out" 2>&1
}

wait_for() {
  local what=$1 seconds=$2; shift 2
  for _ in $(seq 1 $((seconds * 5))); do
    if "$@" >/dev/null 2>&1; then return 0; fi
    sleep 0.2
  done
  log "timed out after ${seconds}s waiting for $what; logs in $DIR/log:"
  tail -n 20 "$DIR"/log/*.log "$DIR"/log/*.out 2>/dev/null >&2 || true
  return 1
}

node_idle() { sinfo -h -o %t | grep -qx idle; }

start() {
  require_binaries
  if [ -n "$(cluster_pids)" ]; then log "a cluster is already running under $DIR"; exit 1; fi
  write_config
  start_munge
  wait_for "munged" 10 test -S "$DIR/munge/munge.socket"
  setsid slurmctld -D -i -f "$CONF" >"$DIR/log/slurmctld.out" 2>&1 </dev/null &
  wait_for "slurmctld" 30 scontrol ping
  setsid slurmd -D -f "$CONF" >"$DIR/log/slurmd.out" 2>&1 </dev/null &
  wait_for "the node to be idle" 60 node_idle
  log "running: $(sinfo -h -o '%P %D node(s) %c cpu(s) %t') (SLURM_CONF=$CONF)"
}

stop() {
  if [ -f "$CONF" ] && scontrol ping >/dev/null 2>&1; then
    local jobs
    jobs=$(squeue -h -o %A 2>/dev/null | sort -u || true)
    if [ -n "$jobs" ]; then
      # shellcheck disable=SC2086
      scancel $jobs 2>/dev/null || true
      for _ in $(seq 1 100); do [ -z "$(squeue -h -t running,completing -o %i 2>/dev/null)" ] && break; sleep 0.2; done
    fi
  fi
  local pids
  for sig in TERM TERM KILL; do
    pids=$(cluster_pids)
    [ -z "$pids" ] && break
    # shellcheck disable=SC2086
    kill -s "$sig" $pids 2>/dev/null || true
    for _ in $(seq 1 50); do [ -z "$(cluster_pids)" ] && break; sleep 0.2; done
  done
  pids=$(cluster_pids)
  if [ -n "$pids" ]; then
    log "processes still alive after stop: $(echo $pids)"
    exit 1
  fi
  log "stopped (no process of $DIR left)"
}

status() {
  local pids
  pids=$(cluster_pids)
  if [ -z "$pids" ]; then echo "no process of $DIR"; return 0; fi
  # shellcheck disable=SC2086
  ps -o pid=,args= -p $(echo $pids | tr ' ' ',')
  sinfo 2>/dev/null || true
}

case "$ACTION" in
  start) start ;;
  stop) stop ;;
  status) status ;;
  *) usage ;;
esac
