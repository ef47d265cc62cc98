// Name tables of the bit sets util-vserver manages, with the kernel's bit values
// (util-vserver lib/vserver.h, lib/bcaps-v13.c, lib/ccaps-v13.c, lib/cflags-v13.c,
// lib/nflags-net.c, lib/ncaps-net.c, lib/umask-v23.c). The first name for a value is the one
// util-vserver prints; later names are accepted aliases.

export interface BitTable {
  /** What the bits are, in words for error messages ("context capability"). */
  readonly what: string;
  /** Prefix that may precede every name (case-insensitive), e.g. "cap_". */
  readonly prefix: string;
  readonly names: ReadonlyArray<readonly [name: string, bits: bigint]>;
}

const bit = (n: number): bigint => 1n << BigInt(n);

/** Linux capabilities of the bounding set (bcapabilities), printed in upper case without CAP_. */
export const BCAPS: BitTable = {
  what: 'system capability',
  prefix: 'cap_',
  names: ([
    'CHOWN', 'DAC_OVERRIDE', 'DAC_READ_SEARCH', 'FOWNER', 'FSETID', 'KILL', 'SETGID', 'SETUID',
    'SETPCAP', 'LINUX_IMMUTABLE', 'NET_BIND_SERVICE', 'NET_BROADCAST', 'NET_ADMIN', 'NET_RAW',
    'IPC_LOCK', 'IPC_OWNER', 'SYS_MODULE', 'SYS_RAWIO', 'SYS_CHROOT', 'SYS_PTRACE', 'SYS_PACCT',
    'SYS_ADMIN', 'SYS_BOOT', 'SYS_NICE', 'SYS_RESOURCE', 'SYS_TIME', 'SYS_TTY_CONFIG', 'MKNOD',
    'LEASE', 'AUDIT_WRITE', 'AUDIT_CONTROL', 'SETFCAP', 'MAC_OVERRIDE', 'MAC_ADMIN',
  ] as const).map((name, index) => [name, bit(index)] as const),
};

/** Context capabilities (ccapabilities). */
export const CCAPS: BitTable = {
  what: 'context capability',
  prefix: 'vxc_',
  names: [
    ['set_utsname', 0x1n], ['set_rlimit', 0x2n], ['fs_security', 0x4n], ['fs_trusted', 0x8n],
    ['tiocsti', 0x10n], ['raw_icmp', 0x100n], ['syslog', 0x1000n], ['oom_adjust', 0x2000n],
    ['audit_control', 0x4000n], ['secure_mount', 0x10000n], ['secure_remount', 0x20000n],
    ['binary_mount', 0x40000n], ['dev_mount', 0x80000n], ['quota_ctl', 0x100000n],
    ['admin_mapper', 0x200000n], ['admin_cloop', 0x400000n], ['kthread', 0x1000000n],
    ['namespace', 0x2000000n],
    ['mount', 0x10000n], ['remount', 0x20000n], ['icmp', 0x100n], ['ping', 0x100n],
    ['utsname', 0x1n], ['rlimit', 0x2n],
  ],
};

/** Context flags (cflags), including the pseudo flags `secure` and `default`. */
export const CFLAGS: BitTable = {
  what: 'context flag',
  prefix: 'vxf_',
  names: [
    ['lock', bit(0)], ['nproc', bit(2)], ['private', bit(3)], ['fakeinit', bit(4)],
    ['hideinfo', bit(5)], ['ulimit', bit(6)], ['namespace', bit(7)],
    ['sched_hard', bit(8)], ['sched_prio', bit(9)], ['sched_pause', bit(10)],
    ['virt_mem', bit(16)], ['virt_uptime', bit(17)], ['virt_cpu', bit(18)], ['virt_load', bit(19)], ['virt_time', bit(20)],
    ['hide_mount', bit(24)], ['hide_netif', bit(25)], ['hide_vinfo', bit(26)],
    ['state_setup', bit(32)], ['state_init', bit(33)], ['state_admin', bit(34)],
    ['sc_helper', bit(36)], ['persistent', bit(38)], ['reboot_kill', bit(37)],
    ['fork_rss', bit(48)], ['prolific', bit(49)], ['igneg_nice', bit(52)], ['igneg_ionice', bit(53)],
    ['secure', bit(25)], ['default', bit(17) | bit(36)],
    ['info_lock', bit(0)], ['info_nproc', bit(2)], ['info_private', bit(3)], ['info_init', bit(4)],
    ['info_hideinfo', bit(5)], ['info_ulimit', bit(6)], ['info_namespace', bit(7)], ['info_nspace', bit(7)],
  ],
};



/** Namespaces a guest may unshare (umask), as clone(2) flags. */
export const UMASK: BitTable = {
  what: 'namespace',
  prefix: '',
  names: [
    ['fs', 0x200n], ['newns', 0x20000n], ['newuts', 0x4000000n], ['newipc', 0x8000000n],
    ['newuser', 0x10000000n], ['newpid', 0x20000000n], ['newnet', 0x40000000n],
  ],
};

/** The bits of one name (prefix optional, any case), or undefined when the table lacks it. */
export function bitsOfName(table: BitTable, name: string): bigint | undefined {
  const lower = name.toLowerCase();
  const bare = table.prefix !== '' && lower.length > table.prefix.length && lower.startsWith(table.prefix)
    ? lower.slice(table.prefix.length)
    : lower;
  return table.names.find(([candidate]) => candidate.toLowerCase() === bare)?.[1];
}
