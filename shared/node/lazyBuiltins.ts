// node:child_process and node:crypto, loaded on first use. Every module of the agent bundle is
// evaluated when the agent starts, so a top-level import of either made every start load it (about
// 10 ms of CPU each on the lab machine), also the starts that only answer hello, list and stat and
// sample health: most of the fleet's, and the ones a warm onboarding waits for. Same names and
// signatures as Node's.
import type * as ChildProcess from 'node:child_process';
import type * as Crypto from 'node:crypto';
import { createRequire } from 'node:module';

// Built-in modules resolve the same from anywhere: the root is as good a base as any file.
const requireBuiltin = createRequire('/');
let childProcess: typeof ChildProcess | undefined;
let crypto: typeof Crypto | undefined;
const loadChildProcess = (): typeof ChildProcess => (childProcess ??= requireBuiltin('node:child_process') as typeof ChildProcess);
const loadCrypto = (): typeof Crypto => (crypto ??= requireBuiltin('node:crypto') as typeof Crypto);

export const spawn = ((...args: Parameters<typeof ChildProcess.spawn>) => loadChildProcess().spawn(...args)) as typeof ChildProcess.spawn;
export const randomBytes = ((size: number) => loadCrypto().randomBytes(size)) as (size: number) => Buffer;
export const randomUUID = (): string => loadCrypto().randomUUID();
export const createHash = (algorithm: string): Crypto.Hash => loadCrypto().createHash(algorithm);
