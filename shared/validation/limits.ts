// Limit values as the CLI and the wire accept them, before they reach rlimits/ and sched/.
// A namespace import lets the agent bundle keep only the zod parts it uses (`{ z }` drags in every locale).
import * as z from 'zod';

export const cpuSetSchema = z
  .string()
  .max(256)
  .regex(/^\d{1,4}(-\d{1,4})?(,\d{1,4}(-\d{1,4})?)*$/, 'a CPU set is a list like "0-1" or "0,2,4-7"');

export const processCountSchema = z
  .number()
  .int('a process limit is a whole number')
  .min(1, 'a process limit is at least 1')
  .max(4_194_304, 'a process limit is at most 4194304');

export const ioWeightSchema = z
  .number()
  .int('an IO weight is a whole number')
  .min(1, 'an IO weight is at least 1')
  .max(10_000, 'an IO weight is at most 10000');

export const fillRateSchema = z.number().int().min(1, 'a fill rate is at least 1').max(1_000_000);
export const intervalSchema = z.number().int().min(1, 'an interval is at least 1').max(1_000_000);

/** CPUs as a fraction, e.g. 0.25 = a quarter of one CPU; at most 1024 CPUs. */
export const cpuFractionSchema = z.number().gt(0, 'a CPU share is above 0').max(1024, 'a CPU share is at most 1024');
