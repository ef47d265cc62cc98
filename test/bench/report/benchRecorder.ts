// Collects the figures and failures of one bench run, prints each as it is measured, and keeps
// going when one benchmark fails so the others still report.
import { hasGoal, meetsTarget, peerRatio, type BenchFailure, type BenchFigure } from './benchFigure';
import { formatFigureValue, formatNumber, formatTarget, verdictOf } from './resultTable';

export class BenchRecorder {
  readonly figures: BenchFigure[] = [];
  readonly failures: BenchFailure[] = [];
  private isHalted = false;
  /** Called after each figure or failure (the runner rewrites its report files, so a run cut short still leaves them). */
  onChange: (() => void) | undefined;

  add(figure: BenchFigure): void {
    this.figures.push(figure);
    const verdict = verdictOf(figure);
    const spread = figure.spread ? ` [min ${formatNumber(figure.spread.min, figure.unit)}, max ${formatNumber(figure.spread.max, figure.unit)}, ${figure.spread.runs} runs]` : '';
    const peer = figure.peer ? `, ${figure.peer.name} ${formatNumber(figure.peer.value, figure.unit)} ${figure.unit} (${peerRatio(figure)?.toFixed(1) ?? '-'}x)` : '';
    const target = hasGoal(figure) ? ` (goal ${formatTarget(figure)})` : '';
    console.log(`  ${figure.metric}: ${formatFigureValue(figure)}${spread}${peer}${target} ${verdict}`);
    this.onChange?.();
  }

  fail(benchmark: string, error: string): void {
    this.failures.push({ benchmark, error });
    console.log(`  FAILED ${benchmark}: ${error}`);
    this.onChange?.();
  }

  get halted(): boolean {
    return this.isHalted;
  }

  /** No benchmark starts after this, and a failure caused by the interruption is not recorded. */
  halt(): void {
    this.isHalted = true;
  }

  /** Runs one benchmark; a throw becomes a failure row and undefined, never an abort of the run. */
  async attempt<T>(benchmark: string, run: () => Promise<T>): Promise<T | undefined> {
    if (this.isHalted) return undefined;
    console.log(`\n== ${benchmark}`);
    try {
      return await run();
    } catch (error) {
      if (this.isHalted) return undefined;
      this.fail(benchmark, error instanceof Error ? error.message : String(error));
      return undefined;
    }
  }

  passed(): boolean {
    return this.failures.length === 0 && this.figures.every(meetsTarget);
  }
}
