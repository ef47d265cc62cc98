// The workstation's journal of each migration, one file per migration in <dataDir>/migrations/,
// replaced atomically before every phase acts: after a crash the last phase written says what may
// have happened, and the coordinator resolves it from there (rolled back before the target is
// verified, rolled forward after). Finished journals stay as the migrations' history.
import { promises as fs } from 'node:fs';
import path from 'node:path';
import { z } from 'zod';
import { FINAL_MIGRATION_PHASES, migrationModeSchema, migrationPhaseSchema, migrationTransportSchema, type MigrationJournalView, type MigrationPhase } from '../../../shared/api/migration';
import { writeFileAtomic } from '../../../shared/node/atomicWrite';
import { migrationIdSchema } from '../../../shared/protocol/schemas';

export const journalSchema = z.object({
  version: z.literal(1),
  migration: migrationIdSchema,
  host: z.string(),
  guest: z.string(),
  to: z.string(),
  mode: migrationModeSchema,
  keepSource: z.boolean(),
  verifyPort: z.number().int().optional(),
  xid: z.number().int(),
  /** Whether the guest ran when the migration began: a stopped guest moves and stays stopped. */
  sourceWasRunning: z.boolean(),
  phase: migrationPhaseSchema,
  startedAt: z.number(),
  updatedAt: z.number(),
  stoppedAt: z.number().optional(),
  verifiedAt: z.number().optional(),
  bytesSent: z.number().nonnegative(),
  rounds: z.number().int().nonnegative(),
  /** Set once chosen, before the first round. */
  transport: migrationTransportSchema.optional(),
  note: z.string().optional(),
  /** What made the migration fail, when a step did (not when the core itself stopped): the resolution's notes name it, however late it comes. */
  failure: z.string().optional(),
});
export type Journal = z.infer<typeof journalSchema>;

/** From these on the target copy is verified: a resolution rolls forward. */
export const COMMIT_PHASES: readonly MigrationPhase[] = ['verified', 'committing'];
/** Before these the source never stopped: a resolution aborts (the source runs on). */
export const BEFORE_SWITCH: readonly MigrationPhase[] = ['preflight', 'precopy'];

export function isFinished(journal: Journal): boolean {
  return FINAL_MIGRATION_PHASES.includes(journal.phase);
}

export function journalView(journal: Journal): MigrationJournalView {
  const { migration, host, guest, to, mode, phase, startedAt, updatedAt, note, stoppedAt, verifiedAt, bytesSent, rounds } = journal;
  return {
    migration, host, guest, to, mode, phase, startedAt, updatedAt, bytesSent, rounds,
    ...(note !== undefined ? { note } : {}),
    ...(stoppedAt !== undefined && verifiedAt !== undefined ? { downtimeMs: verifiedAt - stoppedAt } : {}),
  };
}

export class MigrationJournals {
  constructor(private readonly directory: string) {}

  static inDataDir(dataDir: string): MigrationJournals {
    return new MigrationJournals(path.join(dataDir, 'migrations'));
  }

  private file(migration: string): string {
    return path.join(this.directory, `${migration}.json`);
  }

  /** Writes the journal as it is now (its phase is what is about to be done). */
  async write(journal: Journal): Promise<void> {
    await fs.mkdir(this.directory, { recursive: true, mode: 0o700 });
    journal.updatedAt = Date.now();
    await writeFileAtomic(this.file(journal.migration), `${JSON.stringify(journal, null, 2)}\n`, 0o600);
  }

  /** Every journal that parses, oldest first; a damaged file is reported by name, never guessed at. */
  async list(): Promise<{ journals: Journal[]; damaged: string[] }> {
    const names = await fs.readdir(this.directory).catch(() => [] as string[]);
    const journals: Journal[] = [];
    const damaged: string[] = [];
    for (const name of names.filter((entry) => /^m-[0-9a-z]+\.json$/.test(entry))) {
      const text = await fs.readFile(path.join(this.directory, name), 'utf8').catch(() => '');
      let value: unknown;
      try {
        value = JSON.parse(text);
      } catch {
        value = undefined;
      }
      const parsed = journalSchema.safeParse(value);
      if (parsed.success) journals.push(parsed.data);
      else damaged.push(path.join(this.directory, name));
    }
    return { journals: journals.sort((left, right) => left.startedAt - right.startedAt), damaged };
  }
}
