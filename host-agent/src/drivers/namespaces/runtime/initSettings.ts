// apps/init settings util-vserver keeps beside the guest's configuration and GuestConfig does not
// carry: the sysv runlevels (runlevel / runlevel.start, runlevel.stop) and the stop signal
// sequence killseq ("SIGNAL [WAIT SIGNAL]...", default "15 5 9").
import { promises as fs } from 'node:fs';
import { constants } from 'node:os';
import { join } from 'node:path';

export interface KillStep {
  signal: NodeJS.Signals;
  /** Seconds to wait for init to end before the next step. */
  waitSeconds: number;
}

export interface InitSettings {
  startRunlevel: string;
  stopRunlevel: string;
  killSequence: KillStep[];
}

/** util-vserver's default "15 5 9". */
const DEFAULT_KILL_SEQUENCE: KillStep[] = [{ signal: 'SIGTERM', waitSeconds: 5 }, { signal: 'SIGKILL', waitSeconds: 0 }];

function signalName(word: string): NodeJS.Signals | undefined {
  const upper = word.toUpperCase();
  const name = /^\d+$/.test(word)
    ? Object.entries(constants.signals).find(([, number]) => number === Number(word))?.[0]
    : upper.startsWith('SIG') ? upper : `SIG${upper}`;
  return name && name in constants.signals ? (name as NodeJS.Signals) : undefined;
}

/** "15 5 9" -> SIGTERM, wait 5 s, SIGKILL; a sequence that cannot be read gives the default. */
export function parseKillSequence(text: string): KillStep[] {
  const words = text.trim().split(/\s+/).filter(Boolean);
  const steps: KillStep[] = [];
  for (let index = 0; index < words.length; index += 2) {
    const signal = signalName(words[index] ?? '');
    const wait = words[index + 1] === undefined ? 0 : Number(words[index + 1]);
    if (!signal || !Number.isFinite(wait) || wait < 0) return DEFAULT_KILL_SEQUENCE;
    steps.push({ signal, waitSeconds: wait });
  }
  return steps.length > 0 ? steps : DEFAULT_KILL_SEQUENCE;
}

async function firstLine(path: string): Promise<string | undefined> {
  const text = await fs.readFile(path, 'utf8').catch(() => undefined);
  const line = text?.split('\n').find((candidate) => candidate.trim() !== '')?.trim();
  return line === '' ? undefined : line;
}

export async function readInitSettings(guestConfigDir: string): Promise<InitSettings> {
  const directory = join(guestConfigDir, 'apps', 'init');
  const runlevel = /^[0-9sS]$/;
  const start = (await firstLine(join(directory, 'runlevel.start'))) ?? (await firstLine(join(directory, 'runlevel')));
  const stop = await firstLine(join(directory, 'runlevel.stop'));
  return {
    startRunlevel: start && runlevel.test(start) ? start : '3',
    stopRunlevel: stop && runlevel.test(stop) ? stop : '6',
    killSequence: parseKillSequence((await firstLine(join(directory, 'killseq'))) ?? ''),
  };
}
