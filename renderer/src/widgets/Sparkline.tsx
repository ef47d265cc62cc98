// A small inline trend line for table cells: plain SVG (no chart library per row), the last
// minutes of one live series.
import { useMemo } from 'react';
import { downsampleMinMax } from './downsample';

export function Sparkline<P extends { time: number }>({ points, value, max, label }: { points: readonly P[]; value: (point: P) => number; max?: number; label: string }) {
  const width = 80;
  const height = 20;
  const path = useMemo(() => {
    const recent = downsampleMinMax(points.slice(-180), 40, value);
    if (recent.length < 2) return '';
    const values = recent.map(value);
    const top = max ?? Math.max(...values, 1e-9);
    const first = recent[0]?.time ?? 0;
    const span = Math.max(1, (recent[recent.length - 1]?.time ?? 1) - first);
    return recent
      .map((point, index) => {
        const x = ((point.time - first) / span) * width;
        const y = height - 1 - (Math.min(value(point), top) / top) * (height - 2);
        return `${index === 0 ? 'M' : 'L'}${x.toFixed(1)},${y.toFixed(1)}`;
      })
      .join(' ');
  }, [points, value, max]);
  return (
    <svg className="sparkline" width={width} height={height} viewBox={`0 0 ${width} ${height}`} role="img" aria-label={label}>
      {path ? <path d={path} fill="none" stroke="var(--accent)" strokeWidth="1.2" /> : null}
    </svg>
  );
}
