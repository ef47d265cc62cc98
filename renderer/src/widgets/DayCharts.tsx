// The last 24 hours of a host or a guest from the core's per-minute aggregates: CPU and memory,
// and a host's load and guest-base disk, each as its per-minute maximum and average.
import { useMemo } from 'react';
import type { HealthHistory, MinuteAggregate } from '../../../shared/api/health';
import { formatBytes, formatLoad, formatPercent } from './format';
import { TimeChart, type ChartLine } from './TimeChart';

type MinutePoint = MinuteAggregate & { time: number };

const CPU: ChartLine<MinutePoint>[] = [
  { label: 'Max', value: (point) => point.cpuMax, color: 'var(--chart-1)' },
  { label: 'Average', value: (point) => point.cpuAvg, color: 'var(--chart-5)' },
];
const MEMORY: ChartLine<MinutePoint>[] = [
  { label: 'Max', value: (point) => point.memoryMax, color: 'var(--chart-2)' },
  { label: 'Average', value: (point) => point.memoryAvg, color: 'var(--chart-5)' },
];
const LOAD: ChartLine<MinutePoint>[] = [
  { label: 'Max', value: (point) => point.loadMax ?? Number.NaN, color: 'var(--chart-3)' },
  { label: 'Average', value: (point) => point.loadAvg ?? Number.NaN, color: 'var(--chart-5)' },
];
const DISK: ChartLine<MinutePoint>[] = [
  { label: 'Max', value: (point) => point.diskUsedMax ?? Number.NaN, color: 'var(--chart-4)' },
  { label: 'Average', value: (point) => point.diskUsedAvg ?? Number.NaN, color: 'var(--chart-5)' },
];
const share = (value: number): string => formatPercent(value, value < 0.1 ? 2 : 1);
const bytes = (value: number): string => formatBytes(value);
const NO_MINUTE = 'No whole minute recorded yet; the first shows a minute after sampling starts.';

/**
 * cpuTop: the CPU axis's top while every value is 0; cpuDomain: a fixed CPU range (a host's whole
 * capacity); host: also the host's load (1 min) and its guest base's used bytes.
 */
export function DayCharts({ name, history, cpuTop, cpuDomain, host = false }: { name: string; history: HealthHistory | undefined; cpuTop: number; cpuDomain?: [number, number]; host?: boolean }) {
  const minutes = useMemo(() => (history?.minutes ?? []).map((minute) => ({ ...minute, time: minute.minute })), [history]);
  return (
    <>
      <TimeChart title={`CPU of ${name}, per minute (24 h)`} points={minutes} lines={CPU} format={share} domain={cpuDomain} zeroTop={cpuTop} emptyText={NO_MINUTE} />
      <TimeChart title={`Memory of ${name}, per minute (24 h)`} points={minutes} lines={MEMORY} format={bytes} emptyText={NO_MINUTE} />
      {host ? (
        <>
          <TimeChart title={`Load of ${name}, per minute (24 h)`} points={minutes} lines={LOAD} format={formatLoad} emptyText={NO_MINUTE} />
          <TimeChart title={`Guest disk of ${name}, per minute (24 h)`} points={minutes} lines={DISK} format={bytes} emptyText={NO_MINUTE} />
        </>
      ) : null}
    </>
  );
}
