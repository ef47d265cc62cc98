// One spelling per concept for every vfleet command line (the agent's, vfleet's) and the UI's
// labels: util-vserver's spelling where it has one, the others kept as aliases.
import { parseInterfaceSpec, type GuestInterfaceSpec } from '../validation';
import { allValues, UsageError, type OptionDef, type ParsedArgv } from './argv';

/** util-vserver's tools say --xid; its `vserver NAME build` says --context. */
export const XID_OPTION: OptionDef = { name: '--xid', aliases: ['--context'], value: 'XID', help: 'static context id, 2..49151' };
export const METHOD_OPTION: OptionDef = { name: '--method', aliases: ['-m'], value: 'METHOD', help: 'build method: skeleton, busybox, template, rsync or debootstrap' };
/** `vserver build --hostname` writes uts/nodename; vuname calls the same value nodename. */
export const HOSTNAME_OPTION: OptionDef = { name: '--hostname', aliases: ['--nodename'], value: 'NAME', help: 'the guest\'s host name (uts/nodename)' };
export const DOMAINNAME_OPTION: OptionDef = { name: '--domainname', value: 'NAME', help: 'the guest\'s NIS domain name (uts/domainname)' };
export const INTERFACE_OPTION: OptionDef = { name: '--interface', value: '[DEV:]IP/PREFIX', help: 'an address of the guest; repeat for more' };
export const SOURCE_OPTION: OptionDef = { name: '--source', aliases: ['-t'], value: 'PATH', help: 'guest tree (rsync) or tarball (template) to build from' };

export const MEMORY_OPTION: OptionDef = { name: '--memory', value: 'SIZE', help: 'hard memory limit, e.g. 256M; inf removes it' };
export const MEMORY_SOFT_OPTION: OptionDef = { name: '--memory-soft', value: 'SIZE', help: 'soft memory limit, e.g. 128M; inf removes it' };
/** vlimit's name for the process limit (rlimits/nproc); --procs and --processes are older vfleet spellings. */
export const NPROC_OPTION: OptionDef = { name: '--nproc', aliases: ['--procs', '--processes'], value: 'N', help: 'process limit; inf removes it' };
export const CPU_OPTION: OptionDef = { name: '--cpu', value: 'SHARE', help: 'CPU share, e.g. 0.25 of one CPU; inf removes it' };
export const CPUSET_OPTION: OptionDef = { name: '--cpuset', value: 'LIST', help: 'CPUs the guest may use, e.g. 0-1; inf removes it' };

/** vattribute's --bcap; --add is the older vfleet spelling. */
export const BCAP_OPTION: OptionDef = { name: '--bcap', aliases: ['--add'], value: 'CAP', help: 'add a system capability (~CAP or !CAP removes); repeat or separate with commas' };
export const BCAP_DROP_OPTION: OptionDef = { name: '--drop', value: 'CAP', help: 'remove a system capability; repeat or separate with commas' };

/** The --interface values as addresses; a malformed one is a usage error naming it. */
export function interfaceValues(args: ParsedArgv): GuestInterfaceSpec[] {
  try {
    return allValues(args, 'interface').map(parseInterfaceSpec);
  } catch (error) {
    throw new UsageError((error as Error).message);
  }
}
