// vps's data: every process of the host with the guest it belongs to. A process belongs to the
// guest whose init shares its PID namespace (or, on VServer kernels, whose xid /proc/<pid>/vinfo shows).
import { promises as fs, readFileSync } from 'node:fs';
import type { PsRow } from '../../../shared/domain/guest';

export interface RunningGuestRef {
  name: string;
  xid: number;
  initPid?: number;
}

async function namespaceOf(pid: number | 'self'): Promise<string | undefined> {
  return fs.readlink(`/proc/${pid}/ns/pid`).catch(() => undefined);
}

function userNames(): Map<number, string> {
  const names = new Map<number, string>();
  try {
    for (const line of readFileSync('/etc/passwd', 'utf8').split('\n')) {
      const [name, , uid] = line.split(':');
      if (name && uid !== undefined && /^\d+$/.test(uid)) names.set(Number(uid), name);
    }
  } catch {
    return names;
  }
  return names;
}

async function vserverXid(pid: number): Promise<number | undefined> {
  const vinfo = await fs.readFile(`/proc/${pid}/vinfo`, 'utf8').catch(() => undefined);
  const match = vinfo === undefined ? undefined : /^XID:\s*(\d+)/m.exec(vinfo);
  return match ? Number(match[1]) : undefined;
}

/** Maps each pid to a context id: 0 for the host, the guest's xid, undefined when unknown. */
export class ProcessContextResolver {
  private constructor(
    private readonly hostNamespace: string | undefined,
    private readonly guestByNamespace: Map<string, RunningGuestRef>,
  ) {}

  static async create(guests: RunningGuestRef[]): Promise<ProcessContextResolver> {
    const byNamespace = new Map<string, RunningGuestRef>();
    for (const guest of guests) {
      if (guest.initPid === undefined) continue;
      const namespace = await namespaceOf(guest.initPid);
      if (namespace) byNamespace.set(namespace, guest);
    }
    return new ProcessContextResolver(await namespaceOf('self'), byNamespace);
  }

  async xidOf(pid: number): Promise<number | undefined> {
    const fromVinfo = await vserverXid(pid);
    if (fromVinfo !== undefined) return fromVinfo;
    const namespace = await namespaceOf(pid);
    if (namespace === undefined) return undefined;
    if (namespace === this.hostNamespace) return 0;
    return this.guestByNamespace.get(namespace)?.xid;
  }
}

async function readRow(pid: number, resolver: ProcessContextResolver, users: Map<number, string>, names: Map<number, string>): Promise<PsRow | undefined> {
  try {
    const stat = await fs.readFile(`/proc/${pid}/stat`, 'utf8');
    const status = await fs.readFile(`/proc/${pid}/status`, 'utf8');
    const commandName = stat.slice(stat.indexOf('(') + 1, stat.lastIndexOf(')'));
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    const cmdline = (await fs.readFile(`/proc/${pid}/cmdline`, 'utf8')).split('\0').filter(Boolean).join(' ');
    const uid = Number(/^Uid:\s+(\d+)/m.exec(status)?.[1] ?? 0);
    const rssKib = Number(/^VmRSS:\s+(\d+)/m.exec(status)?.[1] ?? 0);
    const xid = await resolver.xidOf(pid);
    return {
      pid,
      ppid: Number(fields[1] ?? 0),
      xid: xid ?? 0,
      context: xid === undefined ? 'ERR' : xid === 0 ? 'MAIN' : (names.get(xid) ?? ''),
      user: users.get(uid) ?? String(uid),
      state: fields[0] ?? '?',
      rssBytes: rssKib * 1024,
      command: cmdline || `[${commandName}]`,
    };
  } catch {
    // The process ended while it was being read.
    return undefined;
  }
}

export async function readProcessTable(guests: RunningGuestRef[], onlyXid?: number): Promise<PsRow[]> {
  const resolver = await ProcessContextResolver.create(guests);
  const users = userNames();
  const names = new Map(guests.map((guest) => [guest.xid, guest.name]));
  const pids = (await fs.readdir('/proc')).filter((entry) => /^\d+$/.test(entry)).map(Number).sort((a, b) => a - b);
  const rows: PsRow[] = [];
  for (const pid of pids) {
    const row = await readRow(pid, resolver, users, names);
    if (row && (onlyXid === undefined || row.xid === onlyXid)) rows.push(row);
  }
  return rows;
}
