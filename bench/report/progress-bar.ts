/** One line on stderr, redrawn in place on a terminal, one line per step otherwise. */
export class ProgressBar {
  private done = 0;
  private readonly startedAt = Date.now();
  private readonly isTty = process.stderr.isTTY === true;

  constructor(
    private readonly total: number,
    private readonly width = 28,
  ) {}

  step(label: string): void {
    this.render(label);
    this.done += 1;
  }

  finish(): void {
    this.render('done');
    if (this.isTty) process.stderr.write('\n');
  }

  private render(label: string): void {
    const fraction = this.total > 0 ? this.done / this.total : 1;
    const filled = Math.round(fraction * this.width);
    const bar = '█'.repeat(filled) + '░'.repeat(this.width - filled);
    const elapsedS = (Date.now() - this.startedAt) / 1000;
    const etaS = this.done > 0 ? (elapsedS / this.done) * (this.total - this.done) : NaN;
    const line = `${bar} ${this.done}/${this.total} ${formatSeconds(elapsedS)} elapsed, ETA ${formatSeconds(etaS)}  ${label}`;
    if (this.isTty) process.stderr.write(`\r\x1b[2K${line.slice(0, (process.stderr.columns ?? 120) - 1)}`);
    else process.stderr.write(`${line}\n`);
  }
}

function formatSeconds(seconds: number): string {
  if (!Number.isFinite(seconds)) return '--:--';
  const whole = Math.round(seconds);
  return `${Math.floor(whole / 60)}:${String(whole % 60).padStart(2, '0')}`;
}
