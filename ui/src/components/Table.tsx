// A plain sortable table. Columns render their cell from the row; clicking a header sorts by
// that column's `sort` key (numbers before text).
import type { ComponentChildren } from 'preact';
import { useMemo, useState } from 'preact/hooks';

export interface Column<T> {
  key: string;
  title: string;
  render: (row: T) => ComponentChildren;
  sort?: (row: T) => number | string;
  align?: 'left' | 'right';
}

export function Table<T>({ columns, rows, rowKey, onRowClick, testId, initialSort }: {
  columns: Column<T>[];
  rows: T[];
  rowKey: (row: T) => string;
  onRowClick?: (row: T) => void;
  testId?: string;
  initialSort?: { key: string; desc: boolean };
}) {
  const [sort, setSort] = useState(initialSort);
  const sorted = useMemo(() => {
    const col = columns.find((c) => c.key === sort?.key);
    if (!col?.sort) return rows;
    const f = col.sort;
    const out = [...rows].sort((a, b) => {
      const x = f(a);
      const y = f(b);
      return x < y ? -1 : x > y ? 1 : 0;
    });
    return sort!.desc ? out.reverse() : out;
  }, [rows, sort, columns]);
  return (
    <table class="table" data-testid={testId}>
      <thead>
        <tr>
          {columns.map((c) => (
            <th
              key={c.key}
              class={c.align === 'right' ? 'num' : undefined}
              onClick={c.sort ? () => setSort({ key: c.key, desc: sort?.key === c.key ? !sort.desc : true }) : undefined}
            >
              {c.title}
              {sort?.key === c.key ? (sort.desc ? ' ▾' : ' ▴') : ''}
            </th>
          ))}
        </tr>
      </thead>
      <tbody>
        {sorted.map((r) => (
          <tr key={rowKey(r)} onClick={onRowClick ? () => onRowClick(r) : undefined}
              class={onRowClick ? 'clickable' : undefined}>
            {columns.map((c) => (
              <td key={c.key} class={c.align === 'right' ? 'num' : undefined}>{c.render(r)}</td>
            ))}
          </tr>
        ))}
      </tbody>
    </table>
  );
}
