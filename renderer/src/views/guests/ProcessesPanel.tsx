// A guest's processes as vps shows them (guest.processes), read when the panel opens and when
// asked again.
import { useCallback, useEffect, useState } from 'react';
import type { PsRow } from '../../../../shared/domain/guest';
import { useServices } from '../../app/appContext';
import { describeFailure, type Failure } from '../../app/failures';
import { formatBytes, formatClock } from '../../widgets/format';
import { EmptyState, FailureNotice, Loading } from '../../widgets/Notice';
import { ColumnHeads } from '../../widgets/ColumnHeads';

export function ProcessesPanel({ host, guest, running }: { host: string; guest: string; running: boolean }) {
  const services = useServices();
  const [rows, setRows] = useState<{ list: PsRow[]; at: number } | undefined>();
  const [failure, setFailure] = useState<Failure | undefined>();
  const read = useCallback(async () => {
    try {
      const result = await services.client.call('guest.processes', { host, guest });
      setRows({ list: result.rows, at: Date.now() });
      setFailure(undefined);
    } catch (error) {
      setFailure(describeFailure(`list the processes of ${host}/${guest}`, error));
    }
  }, [services, host, guest]);
  useEffect(() => {
    if (running) void read();
  }, [read, running]);
  if (!running) return <EmptyState title="Not running">A stopped guest has no processes; start it to see them here.</EmptyState>;
  return (
    <div className="processes">
      <div className="toolbar">
        <button type="button" onClick={() => void read()}>Read processes again</button>
        {rows ? <span className="muted">{rows.list.length} {rows.list.length === 1 ? 'process' : 'processes'} at {formatClock(rows.at)}</span> : null}
      </div>
      {failure ? <FailureNotice failure={failure} /> : null}
      {rows ? (
        <div className="scroll-box">
          <table className="table table-dense">
            <ColumnHeads columns={[{ label: 'PID', numeric: true }, { label: 'PPID', numeric: true }, 'CONTEXT', 'USER', 'STAT', { label: 'RSS', numeric: true }, 'COMMAND']} />
            <tbody>
              {rows.list.map((row) => (
                <tr key={row.pid}>
                  <td className="num mono">{row.pid}</td>
                  <td className="num mono">{row.ppid}</td>
                  <td className="mono">{row.xid} {row.context}</td>
                  <td className="mono">{row.user}</td>
                  <td className="mono">{row.state}</td>
                  <td className="num mono">{formatBytes(row.rssBytes)}</td>
                  <td className="mono break">{row.command}</td>
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      ) : failure ? null : <Loading what="processes" />}
    </div>
  );
}
