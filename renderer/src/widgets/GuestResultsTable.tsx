// A table of one row per guest and its outcome, the guest as the row's header and a failed row
// marked: the fleet command's results (FleetExecDialog) and an evacuation's guests (EvacuateDialog).
import type { ReactNode } from 'react';
import { ColumnHeads, type ColumnHead } from './ColumnHeads';

export interface GuestResultRow {
  key: string;
  /** The row header: the guest's name (or host/guest). */
  guest: ReactNode;
  failed: boolean;
  /** The row's other cells, one `<td>` per column after the first. */
  cells: ReactNode;
}

export function GuestResultsTable({ columns, rows, className, caption }: { columns: readonly ColumnHead[]; rows: readonly GuestResultRow[]; className?: string; caption?: string }) {
  return (
    <table className={className ? `table ${className}` : 'table'}>
      {caption ? <caption className="visually-hidden">{caption}</caption> : null}
      <ColumnHeads columns={columns} />
      <tbody>
        {rows.map((row) => (
          <tr key={row.key} className={row.failed ? 'row-failed' : ''}>
            <th scope="row">{row.guest}</th>
            {row.cells}
          </tr>
        ))}
      </tbody>
    </table>
  );
}
