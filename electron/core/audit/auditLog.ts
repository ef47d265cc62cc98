// Append-only audit log: one JSON line per mutating action in the app's data folder. Appends are
// single write calls with O_APPEND, so two vfleet processes never interleave inside a line.
import { appendFile, mkdir, readFile } from 'node:fs/promises';
import { userInfo } from 'node:os';
import path from 'node:path';
import { auditEntrySchema, type AuditEntry, type AuditQuery } from '../../../shared/api/audit';
import { redactSecrets } from './redactSecrets';

export const AUDIT_FILE_NAME = 'audit.jsonl';

export interface AuditedAction {
  action: string;
  host?: string;
  guest?: string;
  params: Record<string, unknown>;
}

export interface AuditLog {
  readonly file: string;
  /**
   * Runs `work`, then appends its outcome: ok, or error with the thrown error's message (a cancel
   * too, in its own words), or with the message `failure` finds in a result that reports a failure
   * instead of throwing (an exec's exit code). The work's own result or error is passed through.
   */
  /** `detail`: what the entry keeps of a successful result besides "ok". */
  record<T>(action: AuditedAction, work: () => Promise<T>, failure?: (result: T) => string | undefined, detail?: (result: T) => Record<string, unknown>): Promise<T>;
  query(query?: AuditQuery): Promise<AuditEntry[]>;
}

export function createAuditLog(dataDir: string, now: () => Date = () => new Date()): AuditLog {
  const file = path.join(dataDir, AUDIT_FILE_NAME);
  const user = localUserName();
  let appendQueue: Promise<void> = Promise.resolve();

  const append = (entry: AuditEntry): Promise<void> => {
    appendQueue = appendQueue
      .then(() => mkdir(dataDir, { recursive: true }))
      .then(() => appendFile(file, `${JSON.stringify(entry)}\n`, { flag: 'a', mode: 0o600 }));
    return appendQueue;
  };

  return {
    file,
    async record<T>(action: AuditedAction, work: () => Promise<T>, failure?: (result: T) => string | undefined, detail?: (result: T) => Record<string, unknown>): Promise<T> {
      const started = now();
      const base = {
        time: started.toISOString(),
        user,
        ...(action.host !== undefined ? { host: action.host } : {}),
        ...(action.guest !== undefined ? { guest: action.guest } : {}),
        action: action.action,
        params: redactSecrets(action.params) as Record<string, unknown>,
      };
      let result: T;
      try {
        result = await work();
      } catch (error) {
        const message = error instanceof Error ? error.message : String(error);
        await append({ ...base, result: 'error', error: message, durationMs: now().getTime() - started.getTime() });
        throw error;
      }
      const failed = failure?.(result);
      const durationMs = now().getTime() - started.getTime();
      const details = detail?.(result);
      await append(failed === undefined ? { ...base, result: 'ok', durationMs, ...(details ? { detail: details } : {}) } : { ...base, result: 'error', error: failed, durationMs });
      return result;
    },
    async query(query: AuditQuery = {}): Promise<AuditEntry[]> {
      await appendQueue;
      const text = await readFile(file, 'utf8').catch((error: NodeJS.ErrnoException) => {
        if (error.code === 'ENOENT') return '';
        throw error;
      });
      const matches: AuditEntry[] = [];
      for (const line of text.split('\n')) {
        if (line.trim() === '') continue;
        const parsed = auditEntrySchema.safeParse(safeJson(line));
        if (parsed.success && matchesQuery(parsed.data, query)) matches.push(parsed.data);
      }
      return query.limit !== undefined ? matches.slice(-query.limit) : matches;
    },
  };
}

function matchesQuery(entry: AuditEntry, query: AuditQuery): boolean {
  if (query.host !== undefined && entry.host !== query.host) return false;
  if (query.guest !== undefined && entry.guest !== query.guest) return false;
  if (query.action !== undefined && entry.action !== query.action) return false;
  const time = Date.parse(entry.time);
  if (query.since !== undefined && time < Date.parse(query.since)) return false;
  if (query.until !== undefined && time > Date.parse(query.until)) return false;
  return true;
}

function safeJson(line: string): unknown {
  try {
    return JSON.parse(line);
  } catch {
    return undefined;
  }
}

function localUserName(): string {
  try {
    return userInfo().username;
  } catch {
    return process.env.USER ?? process.env.USERNAME ?? 'unknown';
  }
}
