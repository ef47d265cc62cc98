// A table's header row from its column names: numeric columns right-aligned, a hidden name for a
// column of buttons (read by screen readers, not shown).
export type ColumnHead = string | { label: string; numeric?: boolean; hidden?: boolean };

export function ColumnHeads({ columns }: { columns: readonly ColumnHead[] }) {
  return (
    <thead>
      <tr>
        {columns.map((column) => {
          const { label, numeric = false, hidden = false } = typeof column === 'string' ? { label: column } : column;
          return (
            <th key={label} scope="col" className={numeric ? 'num' : undefined}>
              {hidden ? <span className="visually-hidden">{label}</span> : label}
            </th>
          );
        })}
      </tr>
    </thead>
  );
}
