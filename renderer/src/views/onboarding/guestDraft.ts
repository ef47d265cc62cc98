// The "Create a guest" form's draft: what the admin typed, field by field, and the guest.build
// parameters and limit changes it stands for, exactly as the shared schemas check them.
import type { BuildMethod } from '../../../../shared/protocol/schemas';

export interface InterfaceDraft {
  ip: string;
  prefix: string;
  dev: string;
}

export interface Draft {
  host: string;
  method: BuildMethod;
  source: string;
  distribution: string;
  mirror: string;
  name: string;
  xid: string;
  hostname: string;
  interfaces: InterfaceDraft[];
  memory: string;
  processes: string;
  cpu: string;
  capAdd: string[];
  initStyle: 'plain' | 'sysv';
  mark: string;
}

const numberOrText = (text: string): number | string => (text.trim() !== '' && Number.isFinite(Number(text)) ? Number(text) : text);

/** The agent's build parameters from the draft, exactly as guest.build takes them. */
export function buildParamsOf(draft: Draft): Record<string, unknown> {
  return {
    name: draft.name,
    method: draft.method,
    xid: numberOrText(draft.xid),
    ...(draft.hostname.trim() !== '' ? { hostname: draft.hostname.trim() } : {}),
    interfaces: draft.interfaces.map((entry) => ({ ip: entry.ip.trim(), prefix: numberOrText(entry.prefix), dev: entry.dev.trim() })),
    initStyle: draft.initStyle,
    ...(draft.mark.trim() !== '' ? { mark: draft.mark.trim() } : {}),
    ...((draft.method === 'template' || draft.method === 'rsync') && draft.source.trim() !== '' ? { source: draft.source.trim() } : {}),
    ...(draft.method === 'debootstrap' ? { distribution: draft.distribution.trim() } : {}),
    ...(draft.method === 'debootstrap' && draft.mirror.trim() !== '' ? { mirror: draft.mirror.trim() } : {}),
  };
}

export function limitsOf(draft: Draft): Record<string, unknown> {
  return {
    ...(draft.memory.trim() !== '' ? { memoryHard: numberOrText(draft.memory.trim()) } : {}),
    ...(draft.processes.trim() !== '' ? { processes: numberOrText(draft.processes) } : {}),
    ...(draft.cpu.trim() !== '' ? { cpu: numberOrText(draft.cpu) } : {}),
  };
}
