// Whether to start the server again after its process ended unexpectedly.
// No `vscode` import: this module is unit-tested with node:test.

export const MAX_RESTARTS = 4;
export const RESTART_WINDOW_MS = 3 * 60 * 1000;

/** A server that crashes while running is restarted, at most MAX_RESTARTS times within
 * RESTART_WINDOW_MS. One that dies before it finished starting is not: the same command
 * would fail the same way, and the user is told why instead. */
export class CrashHistory {
  private readonly crashes: number[] = [];

  constructor(
    private readonly maxRestarts = MAX_RESTARTS,
    private readonly windowMs = RESTART_WINDOW_MS,
  ) {}

  /** Records a crash at `now` (milliseconds); true when the server should be restarted. */
  shouldRestart(now: number, wasRunning: boolean): boolean {
    if (!wasRunning) {
      return false;
    }
    this.crashes.push(now);
    while (this.crashes.length > 0 && now - (this.crashes[0] ?? now) > this.windowMs) {
      this.crashes.shift();
    }
    return this.crashes.length <= this.maxRestarts;
  }
}
