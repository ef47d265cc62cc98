// The fixed sh programs of the staged launcher. None is ever built from input: every value
// arrives as a positional parameter. Their $0 names ("vfleet-…") mark the stages in ps output.
//
// Why stages: the capability bounding set can only be dropped by the process itself (setpriv),
// and setpriv lives on the host, not in the guest. So setpriv runs while the root is still the
// host's, then a "stopper" waits; a helper in the same mount namespace pivot_roots into the guest
// (which moves every process whose root was the old root, the stopper included) and detaches the
// host; only then the stopper execs the guest's program, which never sees the host.

/** Writes its own pid into each cgroup.procs file given before "--", then execs the rest. */
export const JOIN_CGROUPS = 'while [ "$1" != -- ]; do echo $$ > "$1" || exit 111; shift; done; shift; exec "$@"';

/**
 * Right after vfleet-join, still in the agent's mount and PID namespaces (host root): makes the
 * sync fifos and starts, orphaned at once, the helper that switches the chain into the guest
 * root, then execs the rest of the chain. Once the chain's stopper is waiting, the helper pivots
 * the mount namespace of the pivot stage into the guest root and detaches the host's root from
 * it. Each step is a host binary that nsenter starts from outside that namespace (pivot_root
 * before the pivot, umount chrooted to the host's root), so no file of the guest's tree ever
 * runs with the host's privileges. The pivot stage is this very process (exec), or the guest's
 * PID 1 whose outer pid the keeper writes first into the pid file (start).
 * Args: sync-dir nsenter pivot_root umount pid-file|-, then the argv to exec.
 */
export const STAGE_SWITCH = `sync=$1 nsenter=$2 pivot_root=$3 umount=$4 pidfile=$5
shift 5
mkfifo "$sync/ready" "$sync/go" || exit 111
( (
  if ! timeout 30 sh -c 'read _ < "$1"' vfleet-wait "$sync/ready"; then rm -rf "$sync"; exit 1; fi
  exec 4> "$sync/go"
  rm -rf "$sync"
  pid=$$ tries=100
  if [ "$pidfile" != - ]; then
    until read pid _ < "$pidfile" 2>/dev/null || [ "$tries" -eq 0 ]; do tries=$((tries - 1)); sleep 0.05; done
  fi
  if "$nsenter" --mount="/proc/$pid/ns/mnt" --wd="/proc/$pid/cwd" -- "$pivot_root" . . &&
    "$nsenter" --mount="/proc/$pid/ns/mnt" --root=/ --wd="/proc/$pid/cwd" -- "$umount" --lazy --no-canonicalize .
  then echo go >&4; else echo fail >&4; fi
) & )
exec "$@"`;

/**
 * start only, still in the agent's mount and PID namespaces: keeps the guest's console. The rest
 * of the chain (init's output, and /dev/console inside) writes into the console fifo; a copier
 * started here, outside every namespace of the guest, copies it into the console log in lines of
 * at most 4 KiB and moves the log to log.1 past `max` bytes, so a guest that floods its console
 * fills neither the host's disk nor the copier's memory. The copy ends with the last writer, when
 * the guest and its keeper are gone.
 * Args: console-fifo console-log log-size max-size, then the argv to exec.
 */
export const KEEP_CONSOLE = `fifo=$1 log=$2 size=$3 max=$4
shift 4
exec 3<> "$fifo" || exit 111
( (
  exec 3>&- 4< "$fifo" 5>> "$log" < /dev/null > /dev/null 2>&1
  stdbuf -oL fold -b -w 4096 <&4 4<&- 5>&- | while IFS= read -r line || [ -n "$line" ]; do
    size=$((size + \${#line} + 1))
    if [ "$size" -gt "$max" ]; then
      mv -f "$log" "$log.1"
      exec 5> "$log"
      size=$((\${#line} + 1))
    fi
    printf '%s\\n' "$line" >&5
    line=
  done 4<&-
) & )
exec "$@" < /dev/null >&3 2>&3 3>&-`;

/**
 * Runs after unshare --pid in the staging mount namespace: its first child becomes PID 1 of the
 * guest, so it forks nothing else. It records "INIT-PID KEEPER-PID" and stays as the keeper:
 * outside the guest's PID namespace, it holds the staging mount namespace that exec enters, until
 * the guest's init ends.
 */
export const SPAWN_INIT = 'pidfile=$1; shift; "$@" & echo "$! $$" > "$pidfile"; wait "$!"';

/**
 * PID 1 before the guest exists, in the staging mount namespace (host root still visible):
 * binds the guest root onto itself, mounts /proc, a read-only /sys, a minimal /dev and the fstab
 * entries below it, sets the UTS names and the ping range, then execs the rest (the pivot stage).
 * /dev/console is the keeper's console fifo.
 * Args: root nodename domainname ping-range console-fifo mount-count [type options source target]...
 */
export const PREPARE_GUEST = `set -e
root=$1 nodename=$2 domainname=$3 ping=$4 console=$5 count=$6
shift 6
mount --rbind "$root" "$root"
# Device nodes a template or a copied server carried into the tree open nothing: only the
# launcher's own /dev below is a device filesystem.
mount -o remount,bind,nodev "$root"
cd "$root"
mount -t proc -o nosuid,nodev,noexec proc ./proc
mount -t sysfs -o ro,nosuid,nodev,noexec sysfs ./sys
mount -t tmpfs -o mode=755,nosuid,size=1024k vfleet-dev ./dev
node() { mknod -m 666 "./dev/$1" c "$2" "$3"; }
node null 1 3
node zero 1 5
node full 1 7
node random 1 8
node urandom 1 9
node tty 5 0
mkdir ./dev/pts ./dev/shm
mount -t devpts -o newinstance,ptmxmode=0666,mode=620,gid=5,nosuid,noexec devpts ./dev/pts
ln -s pts/ptmx ./dev/ptmx
mount -t tmpfs -o mode=1777,nosuid,nodev shm ./dev/shm
ln -s /proc/self/fd ./dev/fd
ln -s /proc/self/fd/0 ./dev/stdin
ln -s /proc/self/fd/1 ./dev/stdout
ln -s /proc/self/fd/2 ./dev/stderr
touch ./dev/console
mount --bind "$console" ./dev/console
# The kernel's global knobs stay out of the guest's reach, whatever its uid: kernel.core_pattern
# or kernel.modprobe name a program the kernel runs as host root. /proc/sys is read-only except
# the guest's own network namespace's net.*; what only describes the host is masked.
for path in sys sysrq-trigger irq bus fs; do
  if [ -e "./proc/$path" ]; then mount --bind "./proc/$path" "./proc/$path"; mount -o remount,bind,ro "./proc/$path"; fi
done
mount --bind ./proc/sys/net ./proc/sys/net
mount -o remount,bind,rw ./proc/sys/net
for path in kcore keys latency_stats timer_list timer_stats sched_debug; do
  if [ -f "./proc/$path" ]; then mount --bind ./dev/null "./proc/$path"; fi
done
for path in proc/acpi proc/asound proc/scsi sys/firmware; do
  if [ -d "./$path" ]; then mount -t tmpfs -o ro,size=0,mode=555 vfleet-mask "./$path"; fi
done
while [ "$count" -gt 0 ]; do
  mount -t "$1" -o "$2" "$3" "./$4"
  shift 4
  count=$((count - 1))
done
printf '%s' "$nodename" > /proc/sys/kernel/hostname
printf '%s' "$domainname" > /proc/sys/kernel/domainname
if [ -n "$ping" ]; then printf '%s' "$ping" > /proc/sys/net/ipv4/ping_group_range; fi
mount --make-rshared "$root"
exec "$@"`;

/**
 * In a fresh copy of the staging mount namespace, the process the switch_root helper pivots:
 * enters the guest root and makes it private (pivot_root refuses a shared new root), then execs
 * the rest (setpriv ... stopper). With "tty", the guest's devpts is bound over this copy's
 * /dev/pts first, so a pty opened now (by util-linux script) is one the guest sees as its own.
 * Args: root tty|notty, then the argv to exec.
 */
export const PIVOT_INTO_GUEST = `root=$1 tty=$2
shift 2
cd "$root" || exit 111
if [ "$tty" = tty ]; then
  mount --bind ./dev/pts /dev/pts && mount --bind ./dev/pts/ptmx /dev/ptmx || exit 111
fi
mount --make-private . || exit 111
exec "$@"`;

/**
 * Runs with the guest's capability bounding set already applied; waits until the helper has
 * pivoted, then runs the guest program: as itself (init) or as a child it waits for (exec),
 * always as an external program, never as a builtin of this host shell. The caller's
 * environment is exported only here, for the guest program: no launcher stage ever sees it.
 * Args: sync-dir mode(init|exec) working-dir env-count NAME=value... argv...
 */
export const STOPPER = `sync=$1 mode=$2 wd=$3 envs=$4
shift 4
exec 3<> "$sync/go"
echo > "$sync/ready"
read state <&3
exec 3<&-
if [ "$state" != go ]; then echo "vfleet: could not switch into the guest's root" >&2; exit 111; fi
cd "$wd" 2>/dev/null || cd /
while [ "$envs" -gt 0 ]; do export "$1" || exit 111; shift; envs=$((envs - 1)); done
if [ "$mode" = init ]; then exec "$@"; fi
( exec "$@" )`;

/**
 * util-vserver's sysv style inside the guest (run by the guest's /bin/sh as PID 1): runs the rc
 * scripts of the start runlevel, reaps every orphan, and on SIGTERM runs the stop runlevel.
 * Args: start-runlevel stop-runlevel.
 */
export const SYSV_INIT = `start=$1 stop=$2
rc() {
  if [ -x /etc/init.d/rc ]; then /etc/init.d/rc "$1"
  elif [ -x /etc/rc.d/rc ]; then /etc/rc.d/rc "$1"
  fi
}
trap 'rc "$stop"; exit 0' TERM
rc "$start"
while :; do sleep 3600 & wait $!; done`;

/** For `script -c` (a pty): rebuilds the argv from VFLEET_ARGC/VFLEET_ARG_<i>, since script takes one command string. */
export const ARGV_FROM_ENVIRONMENT = `i=0
set --
while [ "$i" -lt "$VFLEET_ARGC" ]; do
  eval "set -- \\"\\$@\\" \\"\\$VFLEET_ARG_$i\\"; unset VFLEET_ARG_$i"
  i=$((i + 1))
done
unset VFLEET_ARGC SHELL i
exec "$@"`;
