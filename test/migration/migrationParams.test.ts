// Bad input to a migration is refused before anything acts: the agent's migration methods by
// their protocol schemas (a public key carrying authorized_keys options, a device-node path
// leaving the root, a malformed migration id, an address with shell characters), and the API's
// migrate request (the target is the source, an unknown mode).
import { describe, expect, it } from 'vitest';
import { fleetApi } from '../../shared/api/fleetApi';
import { checkAgentParams } from '../../shared/protocol/methods';

const ID = 'm-mx4abcdef0123';
const KEY = 'ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIH0ld3H5RrrYVq8Tn3F2P7Mv0rYm0o4pQ8HjQ6s2iYyT';
const NO_SPECIALS = { files: [], directories: [] };

function refused(method: Parameters<typeof checkAgentParams>[0], params: unknown): boolean {
  return !checkAgentParams(method, params).ok;
}

describe('migration parameters', () => {
  it('takes well-formed calls', () => {
    expect(checkAgentParams('migrationPrepare', { migration: ID, name: 'web', from: '10.0.0.1', publicKey: KEY }).ok).toBe(true);
    expect(checkAgentParams('migrationArrive', { migration: ID, name: 'web', from: 'lab-1', xid: 401, specials: NO_SPECIALS }).ok).toBe(true);
  });

  it('refuses a public key with options or a comment, which would widen what the key may do', () => {
    expect(refused('migrationPrepare', { migration: ID, name: 'web', from: '10.0.0.1', publicKey: `command="sh" ${KEY}` })).toBe(true);
    expect(refused('migrationPrepare', { migration: ID, name: 'web', from: '10.0.0.1', publicKey: `${KEY} other\nssh-rsa AAAA` })).toBe(true);
  });

  it('refuses a source address that could break out of from="..."', () => {
    expect(refused('migrationPrepare', { migration: ID, name: 'web', from: '10.0.0.1",command="sh', publicKey: KEY })).toBe(true);
    expect(refused('migrationSync', { migration: ID, name: 'web', address: 'a b', port: 22, hostKey: KEY })).toBe(true);
  });

  it('refuses device nodes outside the root and malformed ids', () => {
    const node = { type: 'c', mode: 0o644, uid: 0, gid: 0, major: 1, minor: 3, mtimeNs: '1' };
    for (const path of ['../etc/shadow', '/etc/shadow', 'dev/../../x']) {
      expect(refused('migrationArrive', { migration: ID, name: 'web', from: 'lab-1', xid: 401, specials: { files: [{ path, ...node }], directories: [] } })).toBe(true);
    }
    expect(refused('migrationHold', { migration: 'm-../../x', name: 'web' })).toBe(true);
    expect(refused('migrationHold', { migration: ID, name: '../web' })).toBe(true);
    expect(refused('migrationMark', { migration: ID, name: 'web', state: 'gone', peer: 'lab-2' })).toBe(true);
  });

  it('refuses a migrate request to the host the guest is on, or in an unknown mode', () => {
    expect(fleetApi['guest.migrate'].params.safeParse({ host: 'lab-1', guest: 'web', to: 'lab-1' }).success).toBe(false);
    expect(fleetApi['guest.migrate'].params.safeParse({ host: 'lab-1', guest: 'web', to: 'lab-2', mode: 'live' }).success).toBe(false);
    expect(fleetApi['guest.migrate'].params.safeParse({ host: 'lab-1', guest: 'web', to: 'lab-2' }).success).toBe(true);
  });

  it('takes a transport of auto, direct or relay, and a relayed migration\'s calls without a key', () => {
    for (const transport of ['auto', 'direct', 'relay']) {
      expect(fleetApi['guest.migrate'].params.safeParse({ host: 'lab-1', guest: 'web', to: 'lab-2', transport }).success).toBe(true);
    }
    expect(fleetApi['guest.migrate'].params.safeParse({ host: 'lab-1', guest: 'web', to: 'lab-2', transport: 'tunnel' }).success).toBe(false);
    expect(checkAgentParams('migrationPrepare', { migration: ID, name: 'web', from: '10.0.0.1' }).ok).toBe(true);
    expect(checkAgentParams('migrationSync', { migration: ID, name: 'web', address: '10.0.0.2', port: 22, hostKey: KEY, relay: true }).ok).toBe(true);
    expect(refused('migrationSync', { migration: ID, name: 'web', address: '10.0.0.2', port: 22, hostKey: KEY, relay: 'yes' })).toBe(true);
    expect(refused('migrationReach', { migration: ID, name: 'web', address: '10.0.0.2;reboot', port: 22, hostKey: KEY })).toBe(true);
  });
});
