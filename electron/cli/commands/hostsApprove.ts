// vfleet hosts approve NAME [SHA256:FINGERPRINT]: without a fingerprint, shows the key the host offers.
import { positional } from '../../../shared/cli/argv';
import { EXIT_FAILED, EXIT_OK, type VfleetCommand } from '../cliContext';

export const hostsApproveCommand: VfleetCommand = {
  spec: { name: 'hosts approve', args: 'NAME [SHA256:FINGERPRINT]', summary: 'Trusts the host key with this fingerprint; without one, shows the key the host offers.', options: [] },
  run: async (context, args) => {
    const name = positional(args, 0, 'host name');
    const fingerprint = args.positionals[1];
    if (fingerprint === undefined) {
      const [status] = await context.core.invoke('hosts.connect', { names: [name], timeoutMs: context.connectTimeoutMs });
      const offered = context.core.registry.require(name).trust.offered;
      if (status?.connection === 'connected') {
        context.out(`${name} is already trusted and connected\n`);
        return EXIT_OK;
      }
      if (!offered) {
        context.err(`vfleet: ${status?.error ?? `Host ${name} offered no key`}\n`);
        return EXIT_FAILED;
      }
      context.out(`${name} offers the ${offered.type} key ${offered.fingerprint}\ncheck it on the host (ssh-keygen -lf /etc/ssh/ssh_host_${offered.type.replace('ssh-', '')}_key.pub), then run:\n  vfleet hosts approve ${name} ${offered.fingerprint}\n`);
      return EXIT_FAILED;
    }
    await context.core.invoke('hosts.approveKey', { name, fingerprint });
    context.out(`approved ${fingerprint} for ${name}\n`);
    return EXIT_OK;
  },
};
