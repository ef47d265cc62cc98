// vserver NAME status: util-vserver's text and exit code (3 when stopped).
import { VSERVER_STATUS_STOPPED_EXIT } from '../../vserverFormats/vserverStatus';
import { guestStatus } from '../../operations/lifecycleOperations';
import { emit, guestName, statusText, validated, type AgentCommand } from '../commandSupport';

const spec = { name: 'status', args: 'NAME', summary: 'Tells whether a guest runs (exit 0) or not (exit 3).', options: [] };

export const statusCommand: AgentCommand = {
  spec,
  run: async (context, args, output) => {
    const { name } = validated('status', { name: guestName(args, spec) });
    const status = await guestStatus(context, name);
    emit(output, status, () => statusText(name, status));
    return status.state === 'running' ? 0 : VSERVER_STATUS_STOPPED_EXIT;
  },
};
