// Guests serving HTTP on a lab, shared by the migration and replication tests: a shell on a lab
// host that fails loudly, the busybox httpd init script, and waiting until a URL answers from a host.
import { join } from 'node:path';
import { hostFiles } from '../../lab/labLayout';
import type { Lab } from '../../lab/lab';

/** A busybox guest's init script serving /www on port 80. */
export const HTTPD_INIT_SCRIPT = '#!/bin/sh\n[ "$1" = start ] && busybox httpd -p 80 -h /www\nexit 0\n';

/** Runs `sh -c script sh args...` on a lab host; its stdout, or an error with its stderr. */
export async function labShell(lab: Lab, host: string, script: string, ...args: string[]): Promise<string> {
  const outcome = await lab.exec(host, ['sh', '-c', script, 'sh', ...args], { timeoutMs: 120_000 });
  if (outcome.code !== 0) throw new Error(`${host}: ${script.slice(0, 60)}... exited ${outcome.code}: ${outcome.stderr}`);
  return outcome.stdout;
}

/** Until `url` answers `expected` from `host` (curl), or an error after `timeoutMs`. */
export async function waitForHttp(lab: Lab, host: string, url: string, expected: string, timeoutMs = 20_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const fetched = await lab.exec(host, ['curl', '-sf', '-m', '2', url], { timeoutMs: 10_000 });
    if (fetched.code === 0 && fetched.stdout === expected) return;
    if (Date.now() > deadline) throw new Error(`${url} does not answer '${expected.trim()}' from ${host} (${fetched.code}: ${fetched.stdout.slice(0, 80)} ${fetched.stderr})`);
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}

/** A path of a lab host (/vservers/..., /etc/vservers/..., /var/lib/vfleet/...) as this machine sees it. */
export function onMachine(lab: Lab, host: string, path: string): string {
  const { hostDir } = hostFiles(lab.dir, host);
  for (const [inside, outside] of [['/etc/vservers', 'etc-vservers'], ['/vservers', 'vservers'], ['/var/lib/vfleet', 'var-lib-vfleet']] as const) {
    if (path === inside || path.startsWith(`${inside}/`)) return join(hostDir, outside, path.slice(inside.length));
  }
  throw new Error(`${path} is not in a lab host's private directories`);
}

/** The newest agent the lab host has installed, run with `args` (the host's own CLI, as an admin there would). */
export function agentOnHost(lab: Lab, host: string, ...args: string[]): ReturnType<Lab['exec']> {
  return lab.exec(host, ['sh', '-c', 'exec node "$(ls -t /var/lib/vfleet/agent/*/vfleet-agent.js | head -n 1)" "$@"', 'sh', ...args], { timeoutMs: 120_000 });
}

/** Polls an asynchronous condition (files on disk, a host's answer) until it holds. */
export async function waitUntil<T>(what: string, probe: () => Promise<T | undefined | false>, timeoutMs: number, everyMs = 200): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await probe().catch(() => undefined);
    if (value !== undefined && value !== false) return value;
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, everyMs));
  }
}
