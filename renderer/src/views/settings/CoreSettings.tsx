// The core's settings (settings.get, settings.update): sample interval, history, connect
// concurrency, alert thresholds and the theme. Values are checked with the API's schema before
// anything is sent; a wrong one is named and nothing changes.
import { useEffect, useState } from 'react';
import { SETTINGS_APPLIED_AT_START, settingsUpdateSchema, type Settings, type SettingsUpdate } from '../../../../shared/api/settings';
import { useServices } from '../../app/appContext';
import { describeFailure, type Failure } from '../../app/failures';
import { applyTheme, THEME_CHOICES, useTheme, type ThemeChoice } from '../../app/theme';
import { FailureNotice, Loading, SuccessNotice } from '../../widgets/Notice';

interface NumberField {
  id: string;
  label: string;
  unit: string;
  read(settings: Settings): number;
  /** The update for a typed value, in the unit shown. */
  write(value: number): SettingsUpdate;
}

const NUMBER_FIELDS: Array<{ group: string; fields: NumberField[] }> = [
  {
    group: 'Sampling and history',
    fields: [
      { id: 'interval', label: 'Health sample interval', unit: 'ms', read: (s) => s.healthIntervalMs, write: (v) => ({ healthIntervalMs: v }) },
      { id: 'live', label: 'Live window kept', unit: 's', read: (s) => s.history.liveSeconds, write: (v) => ({ history: { liveSeconds: v } }) },
      { id: 'minutes', label: 'Per-minute history kept', unit: 'min', read: (s) => s.history.minutes, write: (v) => ({ history: { minutes: v } }) },
    ],
  },
  {
    group: 'Connections',
    fields: [{ id: 'connects', label: 'Hosts connecting at once', unit: 'hosts', read: (s) => s.maxConcurrentConnects, write: (v) => ({ maxConcurrentConnects: v }) }],
  },
  {
    group: 'Alert thresholds',
    fields: [
      { id: 'disk', label: 'Disk low below', unit: '% free', read: (s) => Math.round(s.thresholds.diskFreeFraction * 1000) / 10, write: (v) => ({ thresholds: { diskFreeFraction: v / 100 } }) },
      { id: 'quiet', label: 'Limit alert clears after', unit: 'ms without hits', read: (s) => s.thresholds.limitQuietMs, write: (v) => ({ thresholds: { limitQuietMs: v } }) },
      { id: 'grace', label: 'Unreachable alert after', unit: 'ms', read: (s) => s.thresholds.unreachableGraceMs, write: (v) => ({ thresholds: { unreachableGraceMs: v } }) },
    ],
  },
];
const ALL_FIELDS = NUMBER_FIELDS.flatMap((group) => group.fields);

const THEME_LABEL: Record<ThemeChoice, string> = { system: 'Follow the system', light: 'Light', dark: 'Dark' };

function textsOf(settings: Settings): Record<string, string> {
  return Object.fromEntries(ALL_FIELDS.map((field) => [field.id, String(field.read(settings))]));
}

function merge(into: SettingsUpdate, update: SettingsUpdate): SettingsUpdate {
  return {
    ...into, ...update,
    ...(update.history ? { history: { ...into.history, ...update.history } } : {}),
    ...(update.thresholds ? { thresholds: { ...into.thresholds, ...update.thresholds } } : {}),
  };
}

export function CoreSettings() {
  const { client } = useServices();
  const theme = useTheme();
  const [settings, setSettings] = useState<Settings | undefined>();
  const [texts, setTexts] = useState<Record<string, string>>({});
  const [errors, setErrors] = useState<Record<string, string>>({});
  const [failure, setFailure] = useState<Failure | undefined>();
  const [saved, setSaved] = useState<string | undefined>();
  const [busy, setBusy] = useState(false);
  useEffect(() => {
    client.call('settings.get', {}).then((result) => {
      setSettings(result);
      setTexts(textsOf(result));
    }, (error: unknown) => setFailure(describeFailure('read the settings', error)));
  }, [client]);

  const save = async (update: SettingsUpdate, fieldErrors: Record<string, string>): Promise<void> => {
    setSaved(undefined);
    setErrors(fieldErrors);
    if (Object.keys(fieldErrors).length > 0) return;
    const checked = settingsUpdateSchema.safeParse(update);
    if (!checked.success) {
      setFailure({ title: 'Could not save the settings', message: checked.error.issues.map((issue) => issue.message).join('; '), hint: 'Nothing was changed. Correct the value and save again.' });
      return;
    }
    setBusy(true);
    try {
      const result = await client.call('settings.update', checked.data);
      setSettings(result);
      setTexts(textsOf(result));
      applyTheme(result.theme);
      setFailure(undefined);
      const later = SETTINGS_APPLIED_AT_START.filter((key) => key in checked.data);
      setSaved(later.length > 0 ? `Saved. The ${later.join(', ')} settings apply when vfleet next starts; the rest apply now.` : 'Saved and applied.');
    } catch (error) {
      if (update.theme !== undefined && settings) applyTheme(settings.theme);
      setFailure(describeFailure('save the settings', error));
    }
    setBusy(false);
  };

  if (!settings) return failure ? <FailureNotice failure={failure} /> : <Loading what="settings" />;
  const submit = (): void => {
    let update: SettingsUpdate = {};
    const fieldErrors: Record<string, string> = {};
    const initial = textsOf(settings);
    for (const field of ALL_FIELDS) {
      const text = (texts[field.id] ?? '').trim();
      if (text === initial[field.id]) continue;
      if (!/^\d+(\.\d+)?$/.test(text)) {
        fieldErrors[field.id] = `${field.label}: “${text}” is not a number`;
        continue;
      }
      const single = settingsUpdateSchema.safeParse(field.write(Number(text)));
      if (!single.success) fieldErrors[field.id] = `${field.label}: ${single.error.issues[0]?.message ?? 'not allowed'}`;
      else update = merge(update, field.write(Number(text)));
    }
    void save(update, fieldErrors);
  };
  return (
    <>
      <form className="panel settings" aria-label="Core settings" onSubmit={(event) => {
        event.preventDefault();
        submit();
      }}>
        {NUMBER_FIELDS.map((group) => (
          <fieldset key={group.group}>
            <legend>{group.group}</legend>
            <div className="settings-grid">
              {group.fields.map((field) => (
                <label key={field.id}>
                  {field.label} ({field.unit})
                  <input
                    inputMode="decimal" value={texts[field.id] ?? ''} className={errors[field.id] ? 'invalid' : ''} aria-invalid={errors[field.id] ? true : undefined}
                    onChange={(event) => setTexts({ ...texts, [field.id]: event.target.value })}
                  />
                  {errors[field.id] ? <span className="field-error">{errors[field.id]}</span> : null}
                </label>
              ))}
            </div>
          </fieldset>
        ))}
        <div className="toolbar">
          <button type="submit" className="primary" disabled={busy}>{busy ? 'Saving…' : 'Save settings'}</button>
          <span className="muted">The history's sizes apply at the next start of vfleet; everything else at once.</span>
        </div>
        {saved ? <SuccessNotice>{saved}</SuccessNotice> : null}
        {failure ? <FailureNotice failure={failure} onDismiss={() => setFailure(undefined)} /> : null}
      </form>
      <section className="panel" aria-label="Appearance">
        <fieldset className="radio-row">
          <legend>Theme</legend>
          {THEME_CHOICES.map((choice) => (
            <label key={choice} className="check">
              <input type="radio" name="theme" value={choice} checked={theme === choice} onChange={() => {
                // Shown at once; put back if the core refuses it.
                applyTheme(choice);
                void save({ theme: choice }, {});
              }} />
              {THEME_LABEL[choice]}
            </label>
          ))}
        </fieldset>
      </section>
    </>
  );
}
