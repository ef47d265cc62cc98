// Teardowns registered as the bench makes things (labs, cores, guests, child processes, temp
// folders) and run newest first, whether the bench succeeds, fails or is interrupted.

export interface Teardown {
  /** Runs the teardown now (once) and forgets it. */
  run(): Promise<void>;
}

interface Step {
  what: string;
  undo: () => Promise<void>;
  done: boolean;
}

export class CleanupStack {
  private readonly steps: Step[] = [];
  private draining: Promise<void> | undefined;

  add(what: string, undo: () => Promise<void>): Teardown {
    const step: Step = { what, undo, done: false };
    this.steps.push(step);
    return { run: () => this.runStep(step) };
  }

  /**
   * Runs every remaining teardown, newest first; a failing one is reported and the rest still run.
   * A second caller (a signal during the normal clean-up) waits for the same run.
   */
  runAll(): Promise<void> {
    this.draining ??= this.drain().finally(() => {
      this.draining = undefined;
    });
    return this.draining;
  }

  private async drain(): Promise<void> {
    for (let step = this.steps.at(-1); step; step = this.steps.at(-1)) {
      const current = step;
      await this.runStep(current).catch((error: unknown) => {
        console.error(`clean-up of ${current.what} failed: ${error instanceof Error ? error.message : String(error)}`);
      });
    }
  }

  private async runStep(step: Step): Promise<void> {
    if (step.done) return;
    step.done = true;
    this.steps.splice(this.steps.indexOf(step), 1);
    await step.undo();
  }
}
