// Collects the figures and failures of one bench run, prints each as it is measured, and keeps
// going when one benchmark fails so the others still report.
import { meetsTarget, type BenchFailure, type BenchFigure } from './benchFigure';
import { formatFigureValue, formatTarget } from './resultTable';

export class BenchRecorder {
  readonly figures: BenchFigure[] = [];
  readonly failures: BenchFailure[] = [];
  private isHalted = false;

  add(figure: BenchFigure): void {
    this.figures.push(figure);
    const verdict = figure.target ? (meetsTarget(figure) ? 'ok' : 'MISSED') : 'info';
    const target = figure.target ? ` (target ${formatTarget(figure)})` : '';
    console.log(`  ${figure.metric}: ${formatFigureValue(figure)}${target} ${verdict}`);
  }

  fail(benchmark: string, error: string): void {
    this.failures.push({ benchmark, error });
    console.log(`  FAILED ${benchmark}: ${error}`);
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
