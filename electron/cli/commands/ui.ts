// vfleet ui: the app in a browser on this machine (browser mode): prints the address to open,
// connects the fleet, and serves until Ctrl-C (SIGINT) or SIGTERM, then closes every page's bridge.
import { numberValue } from '../../../shared/cli/argv';
import { startBrowserMode } from '../../core/bridge/browserMode';
import type { FleetCore } from '../../core/fleet';
import { connectForCommand, EXIT_OK, type VfleetCommand } from '../cliContext';

export interface ServeOptions {
  port?: number;
  rendererDir?: string;
  out: (text: string) => void;
  err: (text: string) => void;
}

/** Browser mode on `core` until SIGINT or SIGTERM; resolves once it is closed. */
export async function serveBrowserModeUntilSignal(core: FleetCore, options: ServeOptions): Promise<void> {
  const browser = await startBrowserMode({
    core,
    ...(options.port !== undefined ? { port: options.port } : {}),
    ...(options.rendererDir !== undefined ? { rendererDir: options.rendererDir } : {}),
    log: (line) => options.err(`vfleet: ${line}\n`),
  });
  options.out(`vfleet is open at ${browser.url}\n(open it in a browser on this machine; Ctrl-C stops it)\n`);
  const signal = await new Promise<NodeJS.Signals>((resolve) => {
    const stop = (name: NodeJS.Signals): void => {
      process.off('SIGINT', stop);
      process.off('SIGTERM', stop);
      resolve(name);
    };
    process.on('SIGINT', stop);
    process.on('SIGTERM', stop);
  });
  options.out(`vfleet: ${signal}, closing browser mode\n`);
  await browser.close();
}

export const uiCommand: VfleetCommand = {
  spec: {
    name: 'ui',
    summary: 'Opens the app in a browser on this machine (browser mode, on 127.0.0.1) until Ctrl-C.',
    options: [{ name: '--port', value: 'N', help: 'the port to listen on (default: a free one)' }],
  },
  run: async (context, args) => {
    const port = numberValue(args, 'port');
    const served = serveBrowserModeUntilSignal(context.core, { ...(port !== undefined ? { port } : {}), out: context.out, err: context.err });
    // Hosts come up while the page loads; those that cannot are named on stderr and in the page.
    void connectForCommand(context).catch((error: unknown) => context.err(`vfleet: ${error instanceof Error ? error.message : String(error)}\n`));
    await served;
    return EXIT_OK;
  },
};
