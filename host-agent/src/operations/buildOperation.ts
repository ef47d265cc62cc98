// `build` under the new guest's lock, with the host-wide lock only around the final rename.
import type { AgentResult } from '../../../shared/protocol/methods';
import type { BuildParams } from '../../../shared/protocol/schemas';
import { buildGuest } from '../build/buildGuest';
import { asAgentError } from '../errors/agentError';
import { BUILD_LOCK_KEY, type AgentContext } from './agentContext';

export function buildGuestLocked(context: AgentContext, params: BuildParams, signal: AbortSignal): Promise<AgentResult<'build'>> {
  return context.withGuestLock(params.name, `build (${params.method})`, async () => {
    try {
      const config = await buildGuest(
        params,
        {
          paths: context.paths,
          readConfigs: () => context.readEveryConfig(`building '${params.name}' (checking that its context id and addresses are free)`),
          withBuildLock: (action) => context.locks.with(BUILD_LOCK_KEY, `build of '${params.name}'`, action),
        },
        signal,
      );
      return { config };
    } catch (error) {
      throw asAgentError(error, params.name);
    }
  });
}
