// The renderer main thread's tasks over a window, from a Chromium trace (Playwright's
// startTracing with the timeline categories): each top-level task (ThreadControllerImpl::RunTask
// on CrRendererMain) with its thread time (CPU time of the thread, `tdur`) and wall time (`dur`),
// split into the tasks that ran script (a bridge message with its batch of deltas and the sync
// render it causes, a timer such as the view's clock tick) and the others (frames: style, layout,
// paint; input, IPC).
import type { Browser, Page } from 'playwright-core';

const CATEGORIES = ['devtools.timeline', 'disabled-by-default-devtools.timeline', 'toplevel'];
const MAIN_THREAD = 'CrRendererMain';
const TASK = 'ThreadControllerImpl::RunTask';
const SCRIPT = new Set(['FunctionCall', 'EvaluateScript', 'TimerFire', 'FireAnimationFrame']);

interface TraceEvent {
  name: string;
  ph: string;
  pid: number;
  tid: number;
  ts: number;
  dur?: number;
  tdur?: number;
  args?: { name?: string };
}

export interface MainThreadTask {
  /** Thread (CPU) time, ms. */
  threadMs: number;
  /** Wall time, ms: includes the time the thread waited for a core. */
  wallMs: number;
}

export interface MainThreadTasks {
  script: MainThreadTask[];
  other: MainThreadTask[];
  seconds: number;
}

/** Traces `page`'s renderer for `seconds` and returns its main thread's top-level tasks. */
export async function traceMainThread(browser: Browser, page: Page, seconds: number): Promise<MainThreadTasks> {
  await browser.startTracing(page, { categories: CATEGORIES });
  await new Promise((resolve) => setTimeout(resolve, seconds * 1000));
  const trace = JSON.parse((await browser.stopTracing()).toString('utf8')) as { traceEvents: TraceEvent[] } | TraceEvent[];
  const events = Array.isArray(trace) ? trace : trace.traceEvents;
  const threadNames = new Map(events.filter((event) => event.ph === 'M' && event.name === 'thread_name').map((event) => [`${event.pid}:${event.tid}`, event.args?.name]));
  const complete = events.filter((event) => event.ph === 'X' && threadNames.get(`${event.pid}:${event.tid}`) === MAIN_THREAD);
  // The page's renderer is the one whose main thread ran script; another (a spare renderer) may be traced too.
  const scriptsByThread = new Map<string, number[]>();
  for (const event of complete) {
    if (!SCRIPT.has(event.name)) continue;
    const key = `${event.pid}:${event.tid}`;
    let list = scriptsByThread.get(key);
    if (!list) scriptsByThread.set(key, (list = []));
    list.push(event.ts);
  }
  const [thread, scriptStarts] = [...scriptsByThread].sort((a, b) => b[1].length - a[1].length)[0] ?? [];
  if (!thread || !scriptStarts) throw new Error(`the trace shows no script on a ${MAIN_THREAD} thread`);
  scriptStarts.sort((a, b) => a - b);
  const tasks = complete.filter((event) => `${event.pid}:${event.tid}` === thread && event.name === TASK).sort((a, b) => a.ts - b.ts);
  const result: MainThreadTasks = { script: [], other: [], seconds };
  let outerEnd = -Infinity;
  let next = 0;
  for (const task of tasks) {
    const end = task.ts + (task.dur ?? 0);
    if (task.ts < outerEnd) continue;
    outerEnd = end;
    while (next < scriptStarts.length && (scriptStarts[next] ?? Infinity) < task.ts) next += 1;
    const ranScript = next < scriptStarts.length && (scriptStarts[next] ?? Infinity) <= end;
    (ranScript ? result.script : result.other).push({ threadMs: (task.tdur ?? task.dur ?? 0) / 1000, wallMs: (task.dur ?? 0) / 1000 });
  }
  if (result.script.length === 0) throw new Error('the trace shows no task that ran script on the page\'s main thread');
  return result;
}
