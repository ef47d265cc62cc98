// Memory sizes as admins type them (256M, 1.5G, 4096K) and as the wire carries them (bytes).
// A namespace import lets the agent bundle keep only the zod parts it uses (`{ z }` drags in every locale).
import * as z from 'zod';
import { BINARY_FACTORS } from '../format/byteSize';

/** Parses "256M", "1.5G", "4096K", "1048576" into bytes (binary units, as util-vserver's K/M). */
export function parseSize(text: string): number {
  const match = /^(\d+(?:\.\d+)?)\s*([KMGT]?)(?:i?B)?$/i.exec(text.trim());
  if (!match) throw new Error(`"${text}" is not a size (examples: 256M, 1.5G, 4096K)`);
  const factor = BINARY_FACTORS[(match[2] ?? '').toUpperCase()] ?? 1;
  const bytes = Math.round(Number(match[1]) * factor);
  if (!Number.isSafeInteger(bytes)) throw new Error(`"${text}" is too large`);
  return bytes;
}

export const MAX_SIZE_BYTES = 2 ** 50;

export const byteCountSchema = z
  .number()
  .int('a size in bytes is a whole number')
  .min(0, 'a size is not negative')
  .max(MAX_SIZE_BYTES, 'a size is at most 1 PiB');

/** Accepts bytes as a number or a string with an optional K/M/G/T suffix; yields bytes. */
export const sizeSchema = z.union([
  byteCountSchema,
  z
    .string()
    .max(32)
    .transform((text, context) => {
      try {
        return parseSize(text);
      } catch (error) {
        context.addIssue({ code: 'custom', message: (error as Error).message });
        return z.NEVER;
      }
    })
    .pipe(byteCountSchema),
]);
