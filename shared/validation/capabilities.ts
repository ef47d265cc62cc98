// Capability, context-capability and context-flag names in util-vserver's spelling.
// A namespace import lets the agent bundle keep only the zod parts it uses (`{ z }` drags in every locale).
import * as z from 'zod';

/** Linux capabilities by their kernel names (bcapabilities lines). */
export const LINUX_CAPABILITIES = [
  'CAP_CHOWN', 'CAP_DAC_OVERRIDE', 'CAP_DAC_READ_SEARCH', 'CAP_FOWNER', 'CAP_FSETID', 'CAP_KILL',
  'CAP_SETGID', 'CAP_SETUID', 'CAP_SETPCAP', 'CAP_LINUX_IMMUTABLE', 'CAP_NET_BIND_SERVICE',
  'CAP_NET_BROADCAST', 'CAP_NET_ADMIN', 'CAP_NET_RAW', 'CAP_IPC_LOCK', 'CAP_IPC_OWNER',
  'CAP_SYS_MODULE', 'CAP_SYS_RAWIO', 'CAP_SYS_CHROOT', 'CAP_SYS_PTRACE', 'CAP_SYS_PACCT',
  'CAP_SYS_ADMIN', 'CAP_SYS_BOOT', 'CAP_SYS_NICE', 'CAP_SYS_RESOURCE', 'CAP_SYS_TIME',
  'CAP_SYS_TTY_CONFIG', 'CAP_MKNOD', 'CAP_LEASE', 'CAP_AUDIT_WRITE', 'CAP_AUDIT_CONTROL',
  'CAP_SETFCAP', 'CAP_MAC_OVERRIDE', 'CAP_MAC_ADMIN', 'CAP_SYSLOG', 'CAP_WAKE_ALARM',
  'CAP_BLOCK_SUSPEND', 'CAP_AUDIT_READ', 'CAP_PERFMON', 'CAP_BPF', 'CAP_CHECKPOINT_RESTORE',
] as const;
export type LinuxCapability = (typeof LINUX_CAPABILITIES)[number];

/** util-vserver's secure default bounding set (vattribute --secure). */
export const SECURE_BCAPABILITIES: LinuxCapability[] = [
  'CAP_CHOWN', 'CAP_DAC_OVERRIDE', 'CAP_DAC_READ_SEARCH', 'CAP_FOWNER', 'CAP_FSETID', 'CAP_KILL',
  'CAP_SETGID', 'CAP_SETUID', 'CAP_NET_BIND_SERVICE', 'CAP_SYS_CHROOT', 'CAP_SYS_PTRACE',
  'CAP_SYS_TTY_CONFIG', 'CAP_LEASE', 'CAP_SETFCAP',
];

/** Normalises "net_raw", "CAP_NET_RAW", "Net_Raw" to "CAP_NET_RAW"; undefined when unknown. */
export function normaliseCapability(text: string): LinuxCapability | undefined {
  const upper = text.trim().toUpperCase();
  const name = upper.startsWith('CAP_') ? upper : `CAP_${upper}`;
  return (LINUX_CAPABILITIES as readonly string[]).includes(name) ? (name as LinuxCapability) : undefined;
}

/** A name as one of util-vserver's lists spells it, normalised; anything else is refused naming the list. */
function nameSchema<T extends string>(normalise: (text: string) => T | undefined, what: string) {
  return z
    .string()
    .max(40)
    .transform((text, context) => {
      const name = normalise(text);
      if (!name) {
        context.addIssue({ code: 'custom', message: `"${text}" is not ${what}` });
        return z.NEVER;
      }
      return name;
    });
}

export const linuxCapabilitySchema = nameSchema(normaliseCapability, 'a Linux capability (e.g. CAP_NET_RAW)');

/** Context capabilities (ccapabilities) with util-vserver's names. */
export const CONTEXT_CAPABILITIES = [
  'set_utsname', 'set_rlimit', 'fs_security', 'fs_trusted', 'tiocsti', 'raw_icmp', 'syslog',
  'oom_adjust', 'audit_control', 'secure_mount', 'secure_remount', 'binary_mount', 'dev_mount',
  'quota_ctl', 'admin_mapper', 'admin_cloop', 'kthread', 'namespace',
] as const;
export type ContextCapability = (typeof CONTEXT_CAPABILITIES)[number];

/** The context capabilities `vattribute --secure` grants at every start; ccapabilities adds to or subtracts from them. */
export const SECURE_CCAPABILITIES: ContextCapability[] = ['audit_control', 'raw_icmp', 'set_utsname'];

const CONTEXT_CAPABILITY_ALIASES: Record<string, ContextCapability> = {
  utsname: 'set_utsname', rlimit: 'set_rlimit', icmp: 'raw_icmp', ping: 'raw_icmp', mount: 'secure_mount', remount: 'secure_remount',
};

export function normaliseContextCapability(text: string): ContextCapability | undefined {
  const lower = text.trim().toLowerCase();
  if ((CONTEXT_CAPABILITIES as readonly string[]).includes(lower)) return lower as ContextCapability;
  return CONTEXT_CAPABILITY_ALIASES[lower];
}

export const contextCapabilitySchema = nameSchema(normaliseContextCapability, 'a context capability (e.g. raw_icmp, set_utsname)');

/** Context flags (cflags) with util-vserver's config names. */
export const CONTEXT_FLAGS = [
  'lock', 'nproc', 'private', 'fakeinit', 'hideinfo', 'ulimit', 'namespace', 'sched_hard', 'sched_prio',
  'sched_pause', 'virt_mem', 'virt_uptime', 'virt_cpu', 'virt_load', 'virt_time', 'hide_mount',
  'hide_netif', 'hide_vinfo', 'sc_helper', 'reboot_kill', 'persistent', 'fork_rss', 'prolific',
  'igneg_nice', 'igneg_ionice',
] as const;
export type ContextFlag = (typeof CONTEXT_FLAGS)[number];

/**
 * The flags util-vserver sets at every start through its "default" flag set; cflags adds to or
 * subtracts from them. (Its other start flags, fakeinit, sc_helper and hide_netif, are what the
 * namespaces model always does, so they are not tracked.)
 */
export const DEFAULT_CFLAGS: ContextFlag[] = ['virt_uptime'];

export function normaliseContextFlag(text: string): ContextFlag | undefined {
  const lower = text.trim().toLowerCase().replace(/^vxf_/, '');
  return (CONTEXT_FLAGS as readonly string[]).includes(lower) ? (lower as ContextFlag) : undefined;
}

export const contextFlagSchema = nameSchema(normaliseContextFlag, 'a context flag (e.g. virt_uptime)');
