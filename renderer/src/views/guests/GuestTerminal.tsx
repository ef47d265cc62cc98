// A shell in the guest (the agent's enter) in xterm.js: opened on request, fitted to its pane and
// resized with it, closed when the page goes; its exit, or the loss of the core, is written in.
import { FitAddon } from '@xterm/addon-fit';
import { Terminal } from '@xterm/xterm';
import '@xterm/xterm/css/xterm.css';
import { useEffect, useRef, useState } from 'react';
import { useServices } from '../../app/appContext';
import { describeFailure, type Failure } from '../../app/failures';
import type { TerminalHandle } from '../../api/vfleetClient';
import { FailureNotice } from '../../widgets/Notice';

function cssVariable(name: string): string {
  return getComputedStyle(document.documentElement).getPropertyValue(name).trim();
}

function TerminalPane({ host, guest, onEnded }: { host: string; guest: string; onEnded: (text: string) => void }) {
  const { client } = useServices();
  const pane = useRef<HTMLDivElement>(null);
  const [failure, setFailure] = useState<Failure | undefined>();
  useEffect(() => {
    const element = pane.current;
    if (!element) return undefined;
    const terminal = new Terminal({
      fontFamily: 'ui-monospace, "DejaVu Sans Mono", Menlo, monospace', fontSize: 13, cursorBlink: true, scrollback: 5000,
      theme: { background: cssVariable('--terminal-bg'), foreground: cssVariable('--terminal-fg'), cursor: cssVariable('--accent') },
    });
    const fit = new FitAddon();
    terminal.loadAddon(fit);
    terminal.open(element);
    terminal.textarea?.setAttribute('aria-label', `Terminal input for ${guest} on ${host}`);
    fit.fit();
    let handle: TerminalHandle | undefined;
    let disposed = false;
    client.openTerminal({ host, guest }, { cols: Math.max(2, terminal.cols), rows: Math.max(2, terminal.rows) }, {
      output: (bytes) => terminal.write(bytes),
      exit: (code) => {
        if (disposed) return;
        onEnded(code === -1 ? 'The connection to the core was lost; the shell ended.' : `The shell exited with code ${code}.`);
      },
    }).then(
      (opened) => {
        if (disposed) {
          opened.close();
          return;
        }
        handle = opened;
        terminal.focus();
      },
      (error: unknown) => {
        if (!disposed) setFailure(describeFailure(`open a terminal in ${host}/${guest}`, error));
      },
    );
    const input = terminal.onData((data) => handle?.write(data));
    const resize = terminal.onResize(({ cols, rows }) => handle?.resize({ cols: Math.max(2, cols), rows: Math.max(2, rows) }));
    const observer = new ResizeObserver(() => {
      if (element.clientWidth > 0 && element.clientHeight > 0) fit.fit();
    });
    observer.observe(element);
    return () => {
      disposed = true;
      observer.disconnect();
      input.dispose();
      resize.dispose();
      handle?.close();
      terminal.dispose();
    };
  }, [client, host, guest, onEnded]);
  return (
    <>
      {failure ? <FailureNotice failure={failure} /> : null}
      <div ref={pane} className="terminal-pane" role="region" aria-label={`Terminal of ${guest}`} />
    </>
  );
}

export function GuestTerminal({ host, guest, running }: { host: string; guest: string; running: boolean }) {
  const [session, setSession] = useState(0);
  const [ended, setEnded] = useState<string | undefined>();
  const onEnded = useRef((text: string) => setEnded(text)).current;
  const open = session > 0;
  const start = (): void => {
    setEnded(undefined);
    setSession(session + 1);
  };
  if (!running && !open) return <p className="muted">The guest is stopped; start it to open a terminal.</p>;
  return (
    <div className="terminal">
      <div className="toolbar">
        {!open ? <button type="button" className="primary" onClick={start}>Open terminal</button> : null}
        {open && !ended ? <button type="button" onClick={() => setSession(0)}>Close terminal</button> : null}
        {ended ? (
          <>
            <span className="muted" role="status">{ended}</span>
            <button type="button" disabled={!running} onClick={start}>Open a new terminal</button>
          </>
        ) : null}
      </div>
      {open ? <TerminalPane key={session} host={host} guest={guest} onEnded={onEnded} /> : null}
    </div>
  );
}
