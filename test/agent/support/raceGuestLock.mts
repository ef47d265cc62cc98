// Test helper process: from a given instant, tries to take one guest's lock until it gets it, then
// logs "enter <pid>", holds it a moment, logs "leave <pid>" and exits WITHOUT releasing, so the
// next taker always finds a stale lock and every hand-over is a stale takeover race.
import { appendFileSync } from 'node:fs';
import { setTimeout as sleep } from 'node:timers/promises';
import { GuestLocks } from '../../../host-agent/src/locks/guestLock';
import { AgentError } from '../../../host-agent/src/errors/agentError';
import { ERROR_CODES } from '../../../shared/protocol/envelope';

const [locksDir = '', guest = '', log = '', startAt = '0'] = process.argv.slice(2);
const locks = new GuestLocks(locksDir);
await sleep(Math.max(0, Number(startAt) - Date.now()));
for (let attempt = 0; attempt < 5000; attempt += 1) {
  try {
    await locks.acquire(guest, 'race');
  } catch (error) {
    if (!(error instanceof AgentError) || error.code !== ERROR_CODES.busy) throw error;
    await sleep(2);
    continue;
  }
  appendFileSync(log, `enter ${process.pid}\n`);
  const until = Date.now() + 15;
  while (Date.now() < until) await sleep(1);
  appendFileSync(log, `leave ${process.pid}\n`);
  process.exit(0);
}
process.stderr.write('never got the lock\n');
process.exit(4);
