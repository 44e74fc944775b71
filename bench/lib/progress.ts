/**
 * Progress on stderr: a redrawn bar on a terminal, one line per step otherwise (logs and the test's pipe).
 * Redrawn only on steps, never on a timer, so it costs nothing during the idle-CPU window.
 */
export class Progress {
  private done = 0;
  private readonly tty = Boolean(process.stderr.isTTY);

  constructor(private readonly total: number) {}

  step(label: string): void {
    this.done = Math.min(this.total, this.done + 1);
    const width = 30;
    const filled = Math.round((this.done / this.total) * width);
    const bar = `[${'#'.repeat(filled)}${'-'.repeat(width - filled)}] ${String(this.done).padStart(3)}/${this.total}`;
    if (this.tty) process.stderr.write(`\r\x1b[2K${bar} ${label.slice(0, 60)}`);
    else process.stderr.write(`${bar} ${label}\n`);
  }

  /** A message that must not be overwritten by the bar. */
  log(text: string): void {
    if (this.tty) process.stderr.write('\r\x1b[2K');
    process.stderr.write(`${text}\n`);
  }

  end(): void {
    if (this.tty) process.stderr.write('\r\x1b[2K');
  }
}
