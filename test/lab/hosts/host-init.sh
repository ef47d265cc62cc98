#!/bin/sh
# Boots one lab host. Runs as the first child of tini (the host's PID 1), already inside the host's
# own network, PID, mount, UTS, IPC and cgroup namespaces, with /proc mounted for its PID namespace.
# Arguments: HOSTNAME ADDRESS/PREFIX GATEWAY HOST_DIR LAB_DIR, then cgroup mount steps as
# KIND PATH DATA triples: tmpfs PATH OPTIONS, cgroup PATH OPTIONS, cgroup2 PATH LEAF, symlink PATH TARGET.
set -eu

host_name=$1 address=$2 gateway=$3 host_dir=$4 lab_dir=$5
shift 5

echo "$host_name" > /proc/sys/kernel/hostname

ip link set lo up
ip address add "$address" dev eth0
ip link set eth0 up
ip route add default via "$gateway"
# The host agent routes guest addresses through the host, as on a real server.
echo 1 > /proc/sys/net/ipv4/ip_forward

# Stage the host's own directory first: the lab directory may lie below /run or /tmp, which get fresh tmpfs next.
mount --bind "$host_dir" /var/lib/vfleet
# Drop the machine's mounts that this host replaces, so its mount table names none of them (e.g. other hosts' netns).
# /proc goes last, because umount itself reads /proc/self/mountinfo.
for replaced in '/(sys|run|tmp|dev/shm|dev/mqueue|dev/pts)' '/proc'; do
  findmnt -rn -o TARGET | grep -E "^$replaced(/|\$)" | sort -r | while read -r target; do
    umount -l "$target" 2>/dev/null || true
  done
done
mount -t proc -o nosuid,nodev,noexec proc /proc
mount -t tmpfs -o mode=0755,nosuid,nodev tmpfs /run
mount -t tmpfs -o mode=1777,nosuid,nodev tmpfs /tmp
mount -t tmpfs -o mode=1777,nosuid,nodev tmpfs /dev/shm
if [ -d /dev/mqueue ]; then mount -t mqueue mqueue /dev/mqueue; fi
# Its own pseudo-terminals: /dev/ptmx finds the devpts instance mounted beside it.
mount -t devpts -o newinstance,ptmxmode=0666,mode=0620,gid=5 devpts /dev/pts
# Its own /root, as a freshly installed Debian host has it (base-files' dot files): the machine's
# /root holds the workstation's keys and tokens, which are no host's business, and its own shell
# start-up, which sshd's bash would run before every command the fleet sends.
mount -t tmpfs -o mode=0700,nosuid,nodev,size=16m tmpfs /root
cp /usr/share/base-files/dot.bashrc /root/.bashrc
cp /usr/share/base-files/dot.profile /root/.profile
mkdir -m 0755 /run/sshd /run/vfleet-lab /run/vfleet-lab-stage
# Its own /etc/hosts naming itself, as an installed Debian host has: sudo and others look the name up
# and, with no DNS here, would wait for a timeout otherwise.
{ cat /etc/hosts; printf '127.0.1.1\t%s\n' "$host_name"; } > /run/vfleet-lab-hosts
mount --bind /run/vfleet-lab-hosts /etc/hosts
mount --bind /var/lib/vfleet/sshd /run/vfleet-lab
mount --bind /var/lib/vfleet/vservers /vservers
mount --bind /var/lib/vfleet/etc-vservers /etc/vservers
mount --bind /var/lib/vfleet/var-lib-vfleet /run/vfleet-lab-stage
umount /var/lib/vfleet
mount --move /run/vfleet-lab-stage /var/lib/vfleet
rmdir /run/vfleet-lab-stage

# A sysfs mounted from inside the network namespace shows this host's own network devices.
mount -t sysfs -o nosuid,nodev,noexec sysfs /sys
# Mounted from inside the cgroup namespace, each hierarchy shows this host's subtree as its root.
while [ $# -ge 3 ]; do
  kind=$1 path=$2 data=$3
  shift 3
  case $kind in
    tmpfs) mount -t tmpfs -o "$data" tmpfs "$path" ;;
    cgroup) mkdir -p "$path" && mount -t cgroup -o "$data" cgroup "$path" ;;
    cgroup2)
      mkdir -p "$path" && mount -t cgroup2 cgroup2 "$path"
      # DATA names a leaf for the host's own processes, as systemd keeps them out of the v2 root: a cgroup
      # with processes cannot hand controllers to children, and only the real root is exempt.
      mkdir "$path/$data" && echo 1 > "$path/$data/cgroup.procs" && echo $$ > "$path/$data/cgroup.procs" ;;
    symlink) ln -s "$data" "$path" ;;
  esac
done

# Hide the lab's own files (other hosts' directories, the client key) from this host.
if [ -d "$lab_dir" ]; then mount -t tmpfs -o mode=0755,size=1m tmpfs "$lab_dir"; fi
if [ -d /var/lib/vfleet-lab ]; then mount -t tmpfs -o mode=0755,size=1m tmpfs /var/lib/vfleet-lab; fi

/usr/sbin/sshd -f /run/vfleet-lab/sshd_config -E /run/vfleet-lab/sshd.log
echo "$host_name booted"
# What a real host's boot runs once the network is up (util-vserver's `vserver-start --marked default`):
# the installed vfleet agent's boot, which asks replica hosts before starting replicated guests.
agent=$(ls -t /var/lib/vfleet/agent/*/vfleet-agent.js 2>/dev/null | head -n 1 || true)
if [ -n "$agent" ]; then
  (node "$agent" boot 2>&1 | sed 's/^/vfleet-agent boot: /') &
fi
exec sleep infinity
