// One attack against the security server, measured the same way each time: the server's memory
// from a baseline taken just before (after a full GC, peak reset), a fresh client's round trip
// during and after, and the figures written to the console and to test/security/.results.json
// (git-ignored) for the issue's closing note.
import { mkdirSync, readFileSync, rmdirSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { ServerMemory } from '../fixtures/security/security-server';
import { expectServed, ProbeOptions, probe } from './fresh-client';
import { SecurityServer } from './security-server';

export const MiB = 1 << 20;
const RESULTS = join(__dirname, '..', 'security', '.results.json');
const LOCK = `${RESULTS}.lock`;

export interface AttackFigures {
  attack: string;
  /** What the attacker saw, e.g. "close 1009, then TCP close". */
  answer: string;
  /** Fresh client's echo round trip (or answer, where a refusal is right) in ms while the attack ran, and after it. */
  freshClientMs: { during: number[]; after?: number };
  /** Absent where memory is not what the attack is about (a shutdown). */
  memory?: {
    /** The stated bound on the server's peak RSS above its idle baseline. */
    boundMiB: number;
    peakAboveBaseMiB: number;
    /** RSS and JS heap still held after the attack, after a full GC. */
    rssKeptMiB: number;
    heapKeptMiB: number;
    externalKeptMiB: number;
  };
  notes?: string;
}

const toMiB = (bytes: number): number => Math.round((bytes / MiB) * 100) / 100;

/** Counts outcomes by a key, for compact assertions: `{ "408 closed": 300 }`. */
export const tally = <T>(items: readonly T[], key: (item: T) => string): Record<string, number> => {
  const counts: Record<string, number> = {};
  for (const item of items) counts[key(item)] = (counts[key(item)] ?? 0) + 1;
  return counts;
};

export class AttackRun {
  private readonly during: number[] = [];

  private constructor(
    readonly server: SecurityServer,
    readonly name: string,
    /** The server's memory just before the attack (after a full GC). */
    readonly base: ServerMemory,
    private readonly probeOptions: ProbeOptions,
    private readonly port: number,
  ) {}

  /** Warms the code paths with one fresh client, then takes the baseline. */
  static async start(server: SecurityServer, name: string, probeOptions: ProbeOptions, port = server.port): Promise<AttackRun> {
    await expectServed(port, probeOptions);
    const base = await server.memory({ resetPeak: true });
    return new AttackRun(server, name, base, probeOptions, port);
  }

  /** A fresh client while the attack runs: must be served (101 and echo) within the deadline. */
  async probeDuring(options: Partial<ProbeOptions> = {}): Promise<number> {
    const latency = await expectServed(this.port, { ...this.probeOptions, ...options });
    this.during.push(latency);
    return latency;
  }

  /** A fresh client while the attack runs that may be refused (a full server answers 503): must be answered in time. */
  async probeAnswered(allowed: readonly number[], options: Partial<ProbeOptions> = {}): Promise<number> {
    const result = await probe(this.port, { ...this.probeOptions, ...options });
    if (!allowed.includes(result.status)) throw new Error(`a fresh client got HTTP ${result.status}; expected one of ${allowed.join(', ')}`);
    this.during.push(result.latencyMs);
    return result.status;
  }

  /**
   * After the attack: a fresh client is served, the server's peak stayed within `boundBytes` of
   * the baseline, and the figures are recorded.
   */
  /**
   * `heldBoundBytes` bounds the JS heap and external memory still held after a full GC (a leak
   * shows there; RSS also keeps what the allocator has not returned to the system).
   */
  async finish(outcome: { answer: string; boundBytes: number; heldBoundBytes?: number; notes?: string }): Promise<AttackFigures> {
    const after = await expectServed(this.port, this.probeOptions);
    const memory = await this.server.memory();
    const figures: AttackFigures = {
      attack: this.name,
      answer: outcome.answer,
      freshClientMs: { during: this.during, after },
      memory: {
        boundMiB: toMiB(outcome.boundBytes),
        peakAboveBaseMiB: toMiB(memory.peakRss - this.base.rss),
        rssKeptMiB: toMiB(memory.rss - this.base.rss),
        heapKeptMiB: toMiB(memory.heapUsed - this.base.heapUsed),
        externalKeptMiB: toMiB(memory.external - this.base.external),
      },
      notes: outcome.notes,
    };
    recordFigures(figures);
    expect({ attack: this.name, peakAboveBase: memory.peakRss - this.base.rss < outcome.boundBytes }).toEqual({ attack: this.name, peakAboveBase: true });
    if (outcome.heldBoundBytes !== undefined) {
      const held = memory.heapUsed + memory.external - this.base.heapUsed - this.base.external;
      expect({ attack: this.name, held: held < outcome.heldBoundBytes }).toEqual({ attack: this.name, held: true });
    }
    return figures;
  }
}

/** Appends one attack's figures to the console and to test/security/.results.json. */
export function recordFigures(figures: AttackFigures): void {
  const { memory, freshClientMs } = figures;
  console.log(
    `[security] ${figures.attack}: ${figures.answer}; fresh client ${[
      freshClientMs.during.length > 0 ? `during ${freshClientMs.during.join('/')} ms` : '',
      freshClientMs.after === undefined ? '' : `after ${freshClientMs.after} ms`,
    ]
      .filter(Boolean)
      .join(', ')}` +
      (memory
        ? `; server peak +${memory.peakAboveBaseMiB} MiB (bound ${memory.boundMiB} MiB), kept RSS +${memory.rssKeptMiB} MiB, heap +${memory.heapKeptMiB} MiB, external +${memory.externalKeptMiB} MiB`
        : '') +
      (figures.notes ? `; ${figures.notes}` : ''),
  );
  withLock(() => {
    let results: Record<string, AttackFigures & { at: string }> = {};
    try {
      results = JSON.parse(readFileSync(RESULTS, 'utf8')) as typeof results;
    } catch {
      // first run, or a file from an interrupted one: start over
    }
    results[figures.attack] = { ...figures, at: new Date().toISOString() };
    writeFileSync(RESULTS, JSON.stringify(results, null, 2) + '\n');
  });
}

/** Spec files may run in parallel workers: one writer at a time (mkdir is atomic). */
function withLock(work: () => void): void {
  const deadline = Date.now() + 5000;
  for (;;) {
    try {
      mkdirSync(LOCK);
      break;
    } catch {
      if (Date.now() > deadline) {
        rmSync(LOCK, { recursive: true, force: true }); // a lock left by a killed worker
        continue;
      }
      Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, 10);
    }
  }
  try {
    work();
  } finally {
    rmdirSync(LOCK);
  }
}
