// A guest's charts: CPU (share of its host), resident memory and processes over the live window,
// then its last 24 hours.
import { useMemo } from 'react';
import type { HealthHistory } from '../../../../shared/api/health';
import type { GuestSeriesField } from '../../store/fleetStore';
import type { SeriesPoint } from '../../store/liveSeries';
import { joinLive } from '../../store/useHistory';
import { formatBytes, formatPercent } from '../../widgets/format';
import { DayCharts } from '../../widgets/DayCharts';
import { TimeChart, type ChartLine } from '../../widgets/TimeChart';

type GuestPoint = SeriesPoint<GuestSeriesField>;

const CPU: ChartLine<GuestPoint>[] = [{ label: 'CPU', value: (point) => point.cpu, color: 'var(--chart-1)' }];
const MEMORY: ChartLine<GuestPoint>[] = [{ label: 'RSS', value: (point) => point.memoryBytes, color: 'var(--chart-2)' }];
const PROCESSES: ChartLine<GuestPoint>[] = [{ label: 'Processes', value: (point) => point.processes, color: 'var(--chart-3)' }];
const share = (value: number): string => formatPercent(value, value < 0.1 ? 2 : 1);
const bytes = (value: number): string => formatBytes(value);
const count = (value: number): string => String(Math.round(value));

export function GuestCharts({ name, live, history, memoryLimit }: { name: string; live: readonly GuestPoint[]; history: HealthHistory | undefined; memoryLimit: number | undefined }) {
  const joined = useMemo(
    () => joinLive(history?.live, live, (point) => ({ time: point.time, cpu: point.cpu, memoryBytes: point.memoryBytes, processes: point.processes ?? 0 })),
    [history, live],
  );
  const waiting = `No samples of ${name} yet: they arrive once a second while it runs and its host is connected.`;
  return (
    <div className="chart-grid">
      <TimeChart title={`CPU of ${name}`} points={joined} lines={CPU} format={share} zeroTop={0.01} emptyText={waiting} />
      <TimeChart title={`Memory of ${name}`} points={joined} lines={MEMORY} format={bytes} domain={[0, memoryLimit ?? 'auto']} emptyText={waiting} />
      <TimeChart title={`Processes of ${name}`} points={joined} lines={PROCESSES} format={count} integer zeroTop={4} emptyText={waiting} />
      <DayCharts name={name} history={history} cpuTop={0.01} />
    </div>
  );
}
