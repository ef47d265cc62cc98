// A host's charts: CPU, memory, load and guest-base disk over the live window (the core's window
// from before the page opened joined to the deltas since) and over the last 24 hours from the
// per-minute aggregates.
import { useMemo } from 'react';
import type { HealthHistory } from '../../../../shared/api/health';
import { hostSeriesValues, type HostSeriesField } from '../../store/fleetStore';
import type { SeriesPoint } from '../../store/liveSeries';
import { joinLive } from '../../store/useHistory';
import { formatBytes, formatLoad, formatPercent } from '../../widgets/format';
import { DayCharts } from '../../widgets/DayCharts';
import { TimeChart, type ChartLine } from '../../widgets/TimeChart';

type HostPoint = SeriesPoint<HostSeriesField>;

const CPU: ChartLine<HostPoint>[] = [{ label: 'CPU', value: (point) => point.cpu, color: 'var(--chart-1)' }];
const MEMORY: ChartLine<HostPoint>[] = [{ label: 'Used', value: (point) => point.memoryBytes, color: 'var(--chart-2)' }];
const LOAD: ChartLine<HostPoint>[] = [{ label: 'Load (1 min)', value: (point) => point.load, color: 'var(--chart-3)' }];
const DISK: ChartLine<HostPoint>[] = [{ label: 'Used', value: (point) => point.diskUsedBytes, color: 'var(--chart-4)' }];
const bytes = (value: number): string => formatBytes(value);
const share = (value: number): string => formatPercent(value, 0);

export function HostCharts({ name, live, history, memoryTotal, diskTotal }: {
  name: string; live: readonly HostPoint[]; history: HealthHistory | undefined; memoryTotal: number | undefined; diskTotal: number | undefined;
}) {
  const joined = useMemo(() => joinLive(history?.live, live, (point) => ({ time: point.time, ...hostSeriesValues(point) })), [history, live]);
  const waiting = `No samples of ${name} yet: they arrive once a second while it is connected.`;
  return (
    <>
      <h2>Live</h2>
      <div className="chart-grid chart-grid-pairs">
        <TimeChart title={`CPU of ${name}`} points={joined} lines={CPU} format={share} domain={[0, 1]} emptyText={waiting} />
        <TimeChart title={`Memory of ${name}`} points={joined} lines={MEMORY} format={bytes} domain={[0, memoryTotal ?? 'auto']} emptyText={waiting} />
        <TimeChart title={`Load of ${name}`} points={joined} lines={LOAD} format={formatLoad} emptyText={waiting} />
        <TimeChart title={`Guest disk of ${name}`} points={joined} lines={DISK} format={bytes} domain={[0, diskTotal ?? 'auto']} emptyText={waiting} />
      </div>
      <h2>Last 24 hours</h2>
      <div className="chart-grid chart-grid-pairs">
        <DayCharts name={name} history={history} cpuTop={1} cpuDomain={[0, 1]} host />
      </div>
    </>
  );
}
