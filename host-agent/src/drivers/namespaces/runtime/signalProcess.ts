// Signals a pid (or, negative, a process group) that may have exited meanwhile: a vanished process is not an error.
export function signalIgnoringGone(pid: number, signal: NodeJS.Signals): void {
  try {
    process.kill(pid, signal);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'ESRCH') throw error;
  }
}
