// vserver-stat across the fleet: each connected host's rows with the host's name added; hosts
// that cannot answer are listed with their cause instead of holding up the others.
import type { FleetStatResult } from '../../../shared/api/fleetExec';
import type { FleetApiParsedParams } from '../../../shared/api/fleetApi';
import type { FleetContext } from './fleetContext';

export async function fleetStat(context: FleetContext, params: FleetApiParsedParams<'fleet.stat'>): Promise<FleetStatResult> {
  const names = params.names ?? context.state.snapshot().hosts.map((host) => host.name);
  const answers = await Promise.all(names.map(async (host) => {
    try {
      const { rows } = await context.session(host).call('stat', undefined, { timeoutMs: 30_000 });
      return { host, rows };
    } catch (error) {
      return { host, error: (error as Error).message };
    }
  }));
  const result: FleetStatResult = { rows: [], errors: [] };
  for (const answer of answers) {
    if ('error' in answer) result.errors.push({ host: answer.host, error: answer.error ?? 'unknown error' });
    else result.rows.push(...answer.rows.map((row) => ({ host: answer.host, ...row })));
  }
  return result;
}
