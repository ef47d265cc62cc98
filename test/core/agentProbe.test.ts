// How the core reads the answer of its agent check (agentDeploy.ts): a host without Node.js is
// told apart from a host whose shell start-up files print noise on stderr.
import { describe, expect, it } from 'vitest';
import { probeFoundNoNode } from '../../electron/core/agent/agentDeploy';

describe('the agent check on a host without Node.js', () => {
  it('is recognised by the shell\'s exit 127 or its words about node', () => {
    expect(probeFoundNoNode(127, 'bash: line 1: node: command not found')).toBe(true);
    expect(probeFoundNoNode(127, '')).toBe(true);
    expect(probeFoundNoNode(1, 'sh: 1: node: not found')).toBe(true);
    expect(probeFoundNoNode(126, 'env: \'node\': No such file or directory')).toBe(true);
  });

  it('is not claimed when the check succeeded, whatever the start-up files printed', () => {
    expect(probeFoundNoNode(0, "rm: cannot remove '/root/.pyenv/shims/tmp.zJwKVKoujL': No such file or directory")).toBe(false);
    expect(probeFoundNoNode(0, 'node: warning: something')).toBe(false);
  });

  it('is not claimed for another failure that merely names a missing file', () => {
    expect(probeFoundNoNode(1, "cat: /etc/motd.d/x: No such file or directory")).toBe(false);
  });
});
