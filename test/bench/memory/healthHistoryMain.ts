// Child-process entry of the memory benchmark (it needs --expose-gc and a heap of its own):
// `node --expose-gc --import tsx healthHistoryMain.ts HOURS` prints one JSON report line.
import { feedHealthHistory } from './healthHistoryFeed';

const hours = Number(process.argv[2]);
if (!Number.isInteger(hours) || hours < 1) {
  console.error(`usage: healthHistoryMain.ts HOURS (a whole number of simulated hours), got ${process.argv[2] ?? 'nothing'}`);
  process.exit(2);
}
process.stdout.write(`${JSON.stringify(feedHealthHistory(hours))}\n`);
