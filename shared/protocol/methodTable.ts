// The shape both method tables share (the agent's RPC methods, the core's app API): a name mapped
// to the schemas of its params and its result, and the types every caller derives from it.
import type * as z from 'zod';

export interface MethodSpec {
  params: z.ZodType;
  result: z.ZodType;
}

export type MethodTable = Record<string, MethodSpec>;

/** The params as a caller may give them (before defaults and transforms). */
export type MethodParams<T extends MethodTable, M extends keyof T> = z.input<T[M]['params']>;
/** The params as the receiving side's one validation produced them. */
export type MethodParsedParams<T extends MethodTable, M extends keyof T> = z.output<T[M]['params']>;
export type MethodResult<T extends MethodTable, M extends keyof T> = z.infer<T[M]['result']>;

/** Whether `method` names an entry of `table` (an own key, never one of Object's). */
export function isMethodOf<T extends MethodTable>(table: T, method: string): method is Extract<keyof T, string> {
  return Object.prototype.hasOwnProperty.call(table, method);
}
