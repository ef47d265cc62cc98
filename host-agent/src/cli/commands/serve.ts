// serve --stdio: the JSON-lines protocol the vfleet app speaks.
import { UsageError } from '../../../../shared/cli/argv';
import { serveStdio } from '../../rpc/serveStdio';
import type { AgentCommand } from '../commandSupport';

export const serveCommand: AgentCommand = {
  spec: { name: 'serve', summary: 'Speaks the vfleet protocol (JSON lines) on stdin and stdout.', options: [{ name: '--stdio', help: 'on stdin and stdout (the only transport)' }] },
  run: async (context, args) => {
    if (!args.flags.has('stdio')) throw new UsageError('serve speaks JSON lines on stdin/stdout only: use serve --stdio');
    return serveStdio(context);
  },
};
