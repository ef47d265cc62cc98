// A guest's limits next to their usage and hit counts, edited in place and applied with
// guest.limits: live on a running guest, at its next start on a stopped one. Values are checked
// with the API's own schema first, so a wrong value is named and nothing is sent.
import { useCallback, useEffect, useState, type ReactNode } from 'react';
import type { GuestLimits, GuestLimitUsage } from '../../../../shared/domain/guest';
import { formatSize } from '../../../../shared/format/byteSize';
import { limitChangesSchema, type LimitChanges } from '../../../../shared/protocol/schemas';
import { parseSize } from '../../../../shared/validation/size';
import { useServices } from '../../app/appContext';
import { describeFailure, type Failure } from '../../app/failures';
import { formatBytes } from '../../widgets/format';
import { Meter } from '../../widgets/Meter';
import { FailureNotice, Loading, SuccessNotice } from '../../widgets/Notice';
import { ColumnHeads } from '../../widgets/ColumnHeads';

type FieldId = 'memoryHard' | 'memorySoft' | 'processes' | 'cpu' | 'cpuSet' | 'ioWeight';

interface LimitField {
  id: FieldId;
  label: string;
  /** util-vserver's file for it. */
  file: string;
  kind: 'size' | 'count' | 'fraction' | 'text';
  example: string;
  read(limits: GuestLimits): string;
}

const FIELDS: LimitField[] = [
  { id: 'memoryHard', label: 'Memory', file: 'rlimits/rss.hard', kind: 'size', example: '256M', read: (limits) => (limits.memoryHard === undefined ? '' : formatSize(limits.memoryHard)) },
  { id: 'memorySoft', label: 'Memory (soft)', file: 'rlimits/rss.soft', kind: 'size', example: '192M', read: (limits) => (limits.memorySoft === undefined ? '' : formatSize(limits.memorySoft)) },
  { id: 'processes', label: 'Processes', file: 'rlimits/nproc', kind: 'count', example: '100', read: (limits) => (limits.processes === undefined ? '' : String(limits.processes)) },
  {
    id: 'cpu', label: 'CPU (CPUs)', file: 'sched/fill-rate, interval', kind: 'fraction', example: '0.5',
    read: (limits) => (limits.cpuFillRate === undefined || limits.cpuInterval === undefined ? '' : String(Number((limits.cpuFillRate / limits.cpuInterval).toFixed(3)))),
  },
  { id: 'cpuSet', label: 'CPU set', file: 'cpuset/cpus', kind: 'text', example: '0-1', read: (limits) => limits.cpuSet ?? '' },
  { id: 'ioWeight', label: 'IO weight', file: 'io weight', kind: 'count', example: '500', read: (limits) => (limits.ioWeight === undefined ? '' : String(limits.ioWeight)) },
];

type LimitsResult = { running: boolean; appliedLive: boolean; usage: GuestLimitUsage };

function initialValues(limits: GuestLimits): Record<FieldId, string> {
  return Object.fromEntries(FIELDS.map((field) => [field.id, field.read(limits)])) as Record<FieldId, string>;
}

/** True when the text reads as a size; otherwise records why not, in parseSize's own words. */
function sizeReads(text: string, field: LimitField, errors: Partial<Record<FieldId, string>>): boolean {
  try {
    parseSize(text);
    return true;
  } catch (error) {
    errors[field.id] = `${field.label}: ${(error as Error).message}`;
    return false;
  }
}

/** The changed fields as guest.limits takes them (empty = remove), or the first wrong value per field. */
function changesFrom(values: Record<FieldId, string>, initial: Record<FieldId, string>): { changes: LimitChanges; errors: Partial<Record<FieldId, string>> } {
  const raw: Record<string, unknown> = {};
  const errors: Partial<Record<FieldId, string>> = {};
  for (const field of FIELDS) {
    const text = values[field.id].trim();
    if (text === initial[field.id]) continue;
    if (text === '') raw[field.id] = null;
    else if (field.kind === 'count' && !/^\d+$/.test(text)) errors[field.id] = `${field.label}: “${text}” is not a whole number (example: ${field.example})`;
    else if (field.kind === 'size' && !sizeReads(text, field, errors)) continue;
    else if (field.kind === 'fraction' && !/^\d*\.?\d+$/.test(text)) errors[field.id] = `${field.label}: “${text}” is not a number of CPUs (example: ${field.example})`;
    else raw[field.id] = field.kind === 'count' || field.kind === 'fraction' ? Number(text) : text;
  }
  const parsed = limitChangesSchema.safeParse(raw);
  if (!parsed.success) {
    for (const issue of parsed.error.issues) {
      const id = issue.path[0] as FieldId;
      const field = FIELDS.find((entry) => entry.id === id);
      errors[id] ??= `${field?.label ?? id}: ${issue.message}`;
    }
  }
  return { changes: parsed.success ? parsed.data : {}, errors };
}

function usageOf(field: LimitField, usage: GuestLimitUsage): ReactNode {
  const { limits } = usage;
  switch (field.id) {
    case 'memoryHard':
      return (
        <Meter label="Memory use against its limit" fraction={limits.memoryHard ? usage.memoryCurrent / limits.memoryHard : undefined}
          text={`${formatBytes(usage.memoryCurrent)} used${limits.memoryHard ? ` of ${formatBytes(limits.memoryHard)}` : ''}, peak ${formatBytes(usage.memoryPeak)}`} />
      );
    case 'processes':
      return (
        <Meter label="Processes against their limit" fraction={limits.processes ? usage.processesCurrent / limits.processes : undefined}
          text={`${usage.processesCurrent}${limits.processes ? ` of ${limits.processes}` : ''}`} />
      );
    case 'cpu':
      return <span>{(usage.cpuUsageUsec / 1e6).toFixed(2)} s used, {(usage.throttledUsec / 1e6).toFixed(2)} s throttled</span>;
    default:
      return <span className="muted">–</span>;
  }
}

function hitsOf(field: LimitField, usage: GuestLimitUsage): string {
  if (field.id === 'memoryHard') return `${usage.memoryHits} (OOM kills ${usage.oomKills})`;
  if (field.id === 'processes') return String(usage.processesHits);
  return '–';
}

export function LimitsEditor({ host, guest }: { host: string; guest: string }) {
  const services = useServices();
  const [result, setResult] = useState<LimitsResult | undefined>();
  const [values, setValues] = useState<Record<FieldId, string> | undefined>();
  const [errors, setErrors] = useState<Partial<Record<FieldId, string>>>({});
  const [failure, setFailure] = useState<Failure | undefined>();
  const [applied, setApplied] = useState<string | undefined>();
  const [busy, setBusy] = useState(false);

  const read = useCallback(async () => {
    try {
      const next = await services.client.call('guest.limits', { host, guest });
      setResult(next);
      setValues(initialValues(next.usage.limits));
      setFailure(undefined);
    } catch (error) {
      setFailure(describeFailure(`read the limits of ${host}/${guest}`, error));
    }
  }, [services, host, guest]);
  useEffect(() => {
    void read();
  }, [read]);

  if (!result || !values) return failure ? <FailureNotice failure={failure} /> : <Loading what="limits" />;
  const initial = initialValues(result.usage.limits);
  const dirty = FIELDS.some((field) => values[field.id].trim() !== initial[field.id]);
  const apply = async (): Promise<void> => {
    setApplied(undefined);
    const { changes, errors: found } = changesFrom(values, initial);
    setErrors(found);
    if (Object.keys(found).length > 0) return;
    setBusy(true);
    const operation = services.operations.start(`Set limits of ${host}/${guest}`);
    try {
      const next = await services.client.call('guest.limits', { host, guest, changes });
      operation.succeed();
      setResult(next);
      setValues(initialValues(next.usage.limits));
      setFailure(undefined);
      setApplied(next.running ? (next.appliedLive ? 'Limits saved and applied live to the running guest.' : 'Limits saved; the running guest keeps its old ones until it restarts.') : 'Limits saved; they apply when the guest starts.');
    } catch (error) {
      operation.fail(error);
      setFailure(describeFailure(`set the limits of ${host}/${guest}`, error));
    }
    setBusy(false);
  };
  return (
    <form
      className="limits"
      aria-label={`Limits of ${guest}`}
      onSubmit={(event) => {
        event.preventDefault();
        void apply();
      }}
    >
      <table className="table">
        <ColumnHeads columns={['Limit', 'Value', 'Usage', { label: 'Hits', numeric: true }]} />
        <tbody>
          {FIELDS.map((field) => (
            <tr key={field.id}>
              <th scope="row">
                <label htmlFor={`limit-${field.id}`}>{field.label}</label>
                <span className="muted small mono">{field.file}</span>
              </th>
              <td>
                <input
                  id={`limit-${field.id}`} className={`mono ${errors[field.id] ? 'invalid' : ''}`} value={values[field.id]} placeholder="unlimited"
                  aria-invalid={errors[field.id] ? true : undefined} aria-describedby={errors[field.id] ? `limit-${field.id}-error` : undefined}
                  onChange={(event) => setValues({ ...values, [field.id]: event.target.value })}
                />
                {errors[field.id] ? <span id={`limit-${field.id}-error`} className="field-error">{errors[field.id]}</span> : null}
              </td>
              <td>{usageOf(field, result.usage)}</td>
              <td className="num">{hitsOf(field, result.usage)}</td>
            </tr>
          ))}
        </tbody>
      </table>
      <div className="toolbar">
        <button type="submit" className="primary" disabled={!dirty || busy}>{busy ? 'Applying…' : 'Apply limits'}</button>
        <button type="button" disabled={!dirty || busy} onClick={() => { setValues(initial); setErrors({}); }}>Undo changes</button>
        <button type="button" disabled={busy} onClick={() => void read()}>Read usage again</button>
        <span className="muted">{result.running ? 'Running: changes apply live.' : 'Stopped: changes apply at the next start.'} Empty means unlimited.</span>
      </div>
      {applied ? <SuccessNotice>{applied}</SuccessNotice> : null}
      {failure ? <FailureNotice failure={failure} onDismiss={() => setFailure(undefined)} /> : null}
    </form>
  );
}
