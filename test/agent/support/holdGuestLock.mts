// Test helper process: takes one guest's lock, says "held" (or prints the busy error as JSON),
// and keeps the lock until its stdin closes.
import { GuestLocks } from '../../../host-agent/src/locks/guestLock';
import { AgentError } from '../../../host-agent/src/errors/agentError';

const [locksDir = '', guest = ''] = process.argv.slice(2);
try {
  const lock = await new GuestLocks(locksDir).acquire(guest, 'test hold');
  process.stdout.write('held\n');
  process.stdin.resume();
  process.stdin.on('end', () => {
    void lock.release().then(() => process.exit(0));
  });
} catch (error) {
  const agentError = error as AgentError;
  process.stdout.write(`${JSON.stringify({ code: agentError.code, message: agentError.message })}\n`);
  process.exit(3);
}
