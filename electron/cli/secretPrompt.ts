// Asks for a password or passphrase on the terminal without echoing it; the answer lives only in
// this process's memory.
import { createInterface } from 'node:readline';
import { Writable } from 'node:stream';

export async function askSecret(_host: string, _kind: string, prompt: string): Promise<string | undefined> {
  if (!process.stdin.isTTY) return undefined;
  let muted = false;
  const output = new Writable({
    write(chunk: Buffer, _encoding, done) {
      if (!muted) process.stderr.write(chunk);
      done();
    },
  });
  const reader = createInterface({ input: process.stdin, output, terminal: true });
  process.stderr.write(prompt);
  muted = true;
  try {
    return await new Promise<string>((resolve) => reader.question('', resolve));
  } finally {
    reader.close();
    process.stderr.write('\n');
  }
}
