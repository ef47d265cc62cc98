/** A fixed sh program: writes its own pid into each cgroup.procs file before "--", then execs the argv after it. */
const joinCgroupsThenExec = 'set -e; while [ "$1" != -- ]; do echo $$ > "$1"; shift; done; shift; exec "$@"';

/** The argv that runs `argv` as a member of the given cgroups (all paths as the running process sees them). */
export function joinCgroupsArgv(procsFiles: string[], argv: string[]): string[] {
  return ['/bin/sh', '-c', joinCgroupsThenExec, 'vfleet-lab-join-cgroups', ...procsFiles, '--', ...argv];
}
