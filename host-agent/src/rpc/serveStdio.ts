// `serve --stdio`: the agent as the fleet core talks to it over an SSH exec channel. Guests are
// never touched when the channel closes; only exec sessions are hung up, as a terminal would.
import type { AgentContext } from '../operations/agentContext';
import { RpcConnection, type LineOutput } from './rpcConnection';
import { onTermination } from '../process/termination';

function stdoutLines(): LineOutput & { broken: () => boolean } {
  let broken = false;
  process.stdout.on('error', () => {
    broken = true;
  });
  return {
    write: (line) => {
      if (broken) return true;
      return process.stdout.write(`${line}\n`);
    },
    whenDrained: () => (broken ? Promise.resolve() : new Promise((resolve) => process.stdout.once('drain', () => resolve()))),
    broken: () => broken,
  };
}

export async function serveStdio(context: AgentContext): Promise<number> {
  const shutdown = new AbortController();
  context.cacheConfigs();
  const output = stdoutLines();
  const connection = new RpcConnection(context, output, shutdown.signal);
  const removeHandler = onTermination(async () => {
    // Running builds see the abort, remove their temporary directories and answer "cancelled".
    shutdown.abort();
    connection.sessions.hangUpAll();
    await connection.finish();
  });
  // A fault in one request must never end the conversation: report it and keep serving.
  const report = (error: unknown): void => {
    process.stderr.write(`vfleet-agent: internal error (the agent keeps serving): ${error instanceof Error ? error.stack : String(error)}\n`);
  };
  process.on('uncaughtException', report);
  process.on('unhandledRejection', report);
  process.stdin.on('data', (chunk: Buffer) => connection.push(chunk));
  await new Promise<void>((resolve) => {
    process.stdin.once('end', resolve);
    process.stdin.once('close', resolve);
    process.stdin.once('error', () => resolve());
  });
  await connection.finish();
  // The client closed its side: wait for exec sessions it started to end, unless it is gone entirely.
  while (connection.sessions.size > 0 && !output.broken()) await new Promise((resolve) => setTimeout(resolve, 100));
  connection.sessions.hangUpAll();
  connection.close();
  context.close();
  removeHandler();
  return 0;
}
