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

  add(what: string, undo: () => Promise<void>): Teardown {
    const step: Step = { what, undo, done: false };
    this.steps.push(step);
    return { run: () => this.runStep(step) };
  }

  /** Runs every remaining teardown, newest first; a failing one is reported and the rest still run. */
  async runAll(): Promise<void> {
    for (const step of [...this.steps].reverse()) {
      await this.runStep(step).catch((error: unknown) => {
        console.error(`clean-up of ${step.what} failed: ${error instanceof Error ? error.message : String(error)}`);
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
