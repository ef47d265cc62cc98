// The guest's bounding set as setpriv arguments: everything dropped except the kept names.
// GuestConfig.bcapabilities already holds util-vserver's secure default when the file is absent.

/** "CAP_NET_RAW" -> "net_raw", the spelling setpriv (libcap-ng) takes. */
export function setprivCapabilityName(name: string): string {
  return name.trim().toLowerCase().replace(/^cap_/, '');
}

/** setpriv options that leave only `kept` in the bounding set and nothing inheritable or ambient. */
export function setprivArgs(kept: string[]): string[] {
  const names = [...new Set(kept.map(setprivCapabilityName).filter(Boolean))].sort();
  return ['--bounding-set', ['-all', ...names.map((name) => `+${name}`)].join(','), '--inh-caps', '-all', '--ambient-caps', '-all'];
}

/** ccapability raw_icmp: ICMP echo sockets for every group, so ping works without CAP_NET_RAW. */
export function pingGroupRange(ccapabilities: string[]): string {
  return ccapabilities.some((name) => ['raw_icmp', 'icmp', 'ping'].includes(name.toLowerCase())) ? '0 2147483647' : '';
}

/** cflag virt_uptime (also in util-vserver's "default" flag set): uptime counts from the guest's start. */
export function wantsVirtualUptime(cflags: string[]): boolean {
  return cflags.some((flag) => ['virt_uptime', 'default'].includes(flag.toLowerCase()));
}
