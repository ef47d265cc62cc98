// /proc/virtual/info and /proc/virtual/status: the kernel's VServer interface version and
// global context counters. Their presence is how a Linux-VServer kernel is recognised.
import { parseKeyValueLines, requireInteger } from './keyValue';

export interface VirtualInfo {
  /** VCIVersion as "major:minor" in hex, e.g. "0002:0003". */
  apiVersion: string;
  apiMajor: number;
  apiMinor: number;
  syscall: number;
  /** VCIKernel: the kernel's VServer build options as a bit field. */
  kernelConfig: number;
}

export function parseVirtualInfo(text: string): VirtualInfo {
  const file = '/proc/virtual/info';
  const values = parseKeyValueLines(text);
  const version = /^([0-9a-fA-F]{4}):([0-9a-fA-F]{4})$/.exec(values.get('VCIVersion') ?? '');
  const config = values.get('VCIKernel') ?? '';
  if (!version || !/^[0-9a-fA-F]+$/.test(config)) throw new SyntaxError(`${file} lacks a VCIVersion: or VCIKernel: line; is this a Linux-VServer kernel?`);
  return {
    apiVersion: `${version[1]}:${version[2]}`,
    apiMajor: Number.parseInt(version[1] ?? '', 16),
    apiMinor: Number.parseInt(version[2] ?? '', 16),
    syscall: requireInteger(values, 'VCISyscall', file),
    kernelConfig: Number.parseInt(config, 16),
  };
}

export interface VirtualStatus {
  contextsTotal: number;
  contextsActive: number;
  /** #NSProxy: the total and then per-namespace-kind counters (4 on older, 6 on vs2.3 kernels). */
  nsproxy: number[];
  /** #InitTask (vs2.3 kernels only). */
  initTask?: number[];
}

function numbers(text: string | undefined): number[] | undefined {
  if (text === undefined) return undefined;
  return text.split(/\s+/).filter((word) => word !== '').map(Number);
}

export function parseVirtualStatus(text: string): VirtualStatus {
  const file = '/proc/virtual/status';
  const values = parseKeyValueLines(text);
  const initTask = numbers(values.get('#InitTask'));
  return {
    contextsTotal: requireInteger(values, '#CTotal', file),
    contextsActive: requireInteger(values, '#CActive', file),
    nsproxy: numbers(values.get('#NSProxy')) ?? [],
    ...(initTask ? { initTask } : {}),
  };
}
