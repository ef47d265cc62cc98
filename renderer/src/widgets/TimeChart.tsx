// One time-series chart (recharts): measured to its pane, no animation, downsampled to min/max
// buckets of the pane's width so a 24-hour or 1,000-point series draws as fast as a short one.
import { useLayoutEffect, useMemo, useRef, useState } from 'react';
import { CartesianGrid, Line, LineChart, Tooltip, XAxis, YAxis } from 'recharts';
import { downsampleMinMax } from './downsample';
import { formatClock } from './format';

export interface ChartLine<P> {
  label: string;
  value: (point: P) => number;
  /** A CSS colour, usually var(--chart-N). */
  color: string;
}

export interface TimeChartProps<P extends { time: number }> {
  title: string;
  points: readonly P[];
  lines: ChartLine<P>[];
  format: (value: number) => string;
  /** Fixed value range, e.g. [0, 1] for shares; default: 0 to a little above the data. */
  domain?: [number, number | 'auto'];
  /** Whole numbers only on the value axis (counts). */
  integer?: boolean;
  /** Top of the value axis while every value is 0. */
  zeroTop?: number;
  height?: number;
  /** Shown instead of the chart when there are no points yet. */
  emptyText: string;
}

/** The smallest 1, 2, 2.5 or 5 times a power of ten at or above the value: an axis top that reads well. */
function niceCeiling(value: number): number {
  const power = 10 ** Math.floor(Math.log10(value));
  const step = [1, 2, 2.5, 5, 10].find((candidate) => candidate * power >= value) ?? 10;
  return step * power;
}

/** Pixels per min/max bucket: a bucket draws two points, so this keeps about one point per 2 px. */
const PIXELS_PER_BUCKET = 4;

export function TimeChart<P extends { time: number }>({ title, points, lines, format, domain, integer = false, zeroTop = 1, height = 150, emptyText }: TimeChartProps<P>) {
  const frame = useRef<HTMLDivElement>(null);
  const [width, setWidth] = useState(0);
  useLayoutEffect(() => {
    const element = frame.current;
    if (!element) return undefined;
    setWidth(element.clientWidth);
    const observer = new ResizeObserver(() => setWidth(element.clientWidth));
    observer.observe(element);
    return () => observer.disconnect();
  }, []);
  const first = lines[0];
  const data = useMemo(() => {
    if (!first || width === 0) return [];
    const sampled = downsampleMinMax(points, Math.max(10, Math.floor(width / PIXELS_PER_BUCKET)), first.value);
    return sampled.map((point) => {
      const row: Record<string, number | null> = { time: point.time };
      lines.forEach((line, index) => {
        const value = line.value(point);
        // null is recharts' gap: a point without this figure (NaN) is not drawn.
        row[`v${index}`] = Number.isFinite(value) ? value : null;
      });
      return row;
    });
  }, [points, lines, first, width]);
  return (
    <figure className="chart" aria-label={title}>
      <figcaption>
        <span className="chart-title">{title}</span>
        {lines.length > 1 || points.length > 0 ? (
          <span className="chart-legend">
            {lines.map((line) => {
              const last = points[points.length - 1];
              return (
                <span key={line.label} className="chart-legend-item">
                  <span className="swatch" style={{ background: line.color }} aria-hidden="true" />
                  {line.label}
                  {last ? <strong>{Number.isFinite(line.value(last)) ? format(line.value(last)) : '–'}</strong> : null}
                </span>
              );
            })}
          </span>
        ) : null}
      </figcaption>
      <div ref={frame} className="chart-frame" style={{ height }}>
        {points.length === 0 ? (
          <p className="chart-empty">{emptyText}</p>
        ) : width > 0 ? (
          <LineChart width={width} height={height} data={data} margin={{ top: 6, right: 8, bottom: 0, left: 0 }}>
            <CartesianGrid stroke="var(--chart-grid)" strokeDasharray="2 4" vertical={false} />
            <XAxis
              dataKey="time" type="number" scale="time" domain={['dataMin', 'dataMax']} tickFormatter={formatClock}
              stroke="var(--text-muted)" tick={{ fontSize: 11 }} minTickGap={48}
            />
            <YAxis
              stroke="var(--text-muted)" tick={{ fontSize: 11 }} width={56} tickFormatter={format}
              allowDecimals={!integer} allowDataOverflow={false}
              domain={[domain?.[0] ?? 0, typeof domain?.[1] === 'number' ? domain[1] : (dataMax: number) => (dataMax > 0 ? niceCeiling(dataMax) : zeroTop)]}
            />
            <Tooltip
              isAnimationActive={false} labelFormatter={(label) => formatClock(Number(label))}
              formatter={(value, name) => [format(Number(value)), lines[Number(String(name).slice(1))]?.label ?? String(name)]}
              contentStyle={{ background: 'var(--surface-raised)', border: '1px solid var(--border)', color: 'var(--text)', fontSize: 12 }}
            />
            {lines.map((line, index) => (
              <Line key={line.label} dataKey={`v${index}`} stroke={line.color} strokeWidth={1.5} dot={false} isAnimationActive={false} type="linear" />
            ))}
          </LineChart>
        ) : null}
      </div>
    </figure>
  );
}
