// The Settings view's values as the app API reads and changes them (settings.get, settings.update):
// how often hosts send health samples, how much history the core keeps, how many hosts connect at
// once, the alert thresholds and the theme. The core keeps what the admin changed in settings.json.
import { z } from 'zod';
import { alertThresholdsSchema } from './fleetState';
import { migrationTransportSettingSchema } from './migration';

export const THEMES = ['system', 'light', 'dark'] as const;
export type Theme = (typeof THEMES)[number];

export const historySettingsSchema = z.object({
  /** Seconds of health samples kept at full rate for the live charts. */
  liveSeconds: z.number().int().min(60, 'the live window is at least 60 s').max(3_600, 'the live window is at most 3600 s (an hour)'),
  /** Minutes of per-minute aggregates kept for the day view. */
  minutes: z.number().int().min(60, 'the history keeps at least 60 minutes').max(7 * 24 * 60, 'the history keeps at most 7 days'),
}).strict();

export const settingsSchema = z.object({
  /** Period of every host's health samples; the agent's own bounds. */
  healthIntervalMs: z.number().int().min(200, 'the sample interval is at least 200 ms').max(3_600_000, 'the sample interval is at most an hour'),
  history: historySettingsSchema,
  /** SSH handshakes running at once across the fleet. */
  maxConcurrentConnects: z.number().int().min(1, 'at least one host connects at a time').max(256, 'at most 256 hosts connect at a time'),
  thresholds: alertThresholdsSchema.strict(),
  /** 'system' follows the OS's light or dark preference. */
  theme: z.enum(THEMES),
  /** How migrations send their data when the request does not say (auto: direct, relayed through the workstation when the source cannot reach the target). */
  migrationTransport: migrationTransportSettingSchema,
}).strict();
export type Settings = z.infer<typeof settingsSchema>;

/** A change: absent values are kept; the nested groups may change one value each. */
export const settingsUpdateSchema = z.object({
  healthIntervalMs: settingsSchema.shape.healthIntervalMs.optional(),
  history: historySettingsSchema.partial().strict().optional(),
  maxConcurrentConnects: settingsSchema.shape.maxConcurrentConnects.optional(),
  thresholds: alertThresholdsSchema.partial().strict().optional(),
  theme: settingsSchema.shape.theme.optional(),
  migrationTransport: settingsSchema.shape.migrationTransport.optional(),
}).strict();
export type SettingsUpdate = z.infer<typeof settingsUpdateSchema>;

/**
 * The settings a running core cannot apply: they take effect when vfleet next starts (the
 * history's buffers are allocated at their size). Every other setting applies at once: the
 * thresholds to the next sample, the sample interval by resubscribing every connected agent, the
 * connect limit to the next handshake.
 */
export const SETTINGS_APPLIED_AT_START: readonly (keyof Settings)[] = ['history'];

/**
 * A change applied to settings (or to the changes stored so far): absent values are kept, nested
 * groups merge value by value.
 */
export function mergeSettings<S extends SettingsUpdate>(settings: S, update: SettingsUpdate): S {
  const { history, thresholds, ...values } = update;
  const merged: SettingsUpdate = { ...settings };
  for (const [key, value] of Object.entries(values)) if (value !== undefined) Object.assign(merged, { [key]: value });
  if (history) merged.history = { ...settings.history, ...history };
  if (thresholds) merged.thresholds = { ...settings.thresholds, ...thresholds };
  // Only keys of S were written, each with a value of its own type.
  return merged as S;
}
