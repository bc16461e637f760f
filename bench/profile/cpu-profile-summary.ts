import { readFileSync } from 'node:fs';
import { REPO_ROOT } from '../system/paths';

/** The parts of V8's .cpuprofile (node --cpu-prof) that self time needs. */
interface CpuProfile {
  nodes: { id: number; callFrame: { functionName: string; url: string; lineNumber: number } }[];
  /** µs on the monotonic clock, as process.hrtime() reads it on Linux. */
  startTime: number;
  samples: number[];
  timeDeltas: number[];
}

/** A span of the monotonic clock in µs: only samples taken inside it count. */
export interface SampleWindow {
  startUs: number;
  endUs: number;
}

export interface SelfTime {
  name: string;
  location: string;
  selfMs: number;
  /** Share of the busy time: every sample except "(idle)". */
  percent: number;
}

function shortLocation(url: string, lineNumber: number): string {
  if (!url) return '';
  const path = url.replace(/^file:\/\//, '').replace(`${REPO_ROOT}/`, '').replace(/^.*node_modules\//, '');
  return `${path}:${lineNumber + 1}`;
}

/** Self time per function, busiest first; only inside `windows` when given (startup and shutdown left out). */
export function selfTimes(profilePath: string, windows?: SampleWindow[]): { busyMs: number; idleMs: number; functions: SelfTime[] } {
  const profile = JSON.parse(readFileSync(profilePath, 'utf8')) as CpuProfile;
  const nodeById = new Map(profile.nodes.map((node) => [node.id, node]));
  const byFunction = new Map<string, { name: string; location: string; micros: number }>();
  let idleMicros = 0;
  let busyMicros = 0;
  let at = profile.startTime;
  profile.samples.forEach((id, index) => {
    const micros = profile.timeDeltas[index] ?? 0;
    at += micros;
    if (windows && !windows.some((w) => at >= w.startUs && at <= w.endUs)) return;
    const frame = nodeById.get(id)?.callFrame;
    if (!frame) return;
    if (frame.functionName === '(idle)') {
      idleMicros += micros;
      return;
    }
    busyMicros += micros;
    const location = shortLocation(frame.url, frame.lineNumber);
    const name = frame.functionName || '(anonymous)';
    const key = `${name}@${location}`;
    const entry = byFunction.get(key) ?? { name, location, micros: 0 };
    entry.micros += micros;
    byFunction.set(key, entry);
  });
  const functions = [...byFunction.values()]
    .sort((a, b) => b.micros - a.micros)
    .map(({ name, location, micros }) => ({ name, location, selfMs: micros / 1000, percent: busyMicros > 0 ? (micros / busyMicros) * 100 : 0 }));
  return { busyMs: busyMicros / 1000, idleMs: idleMicros / 1000, functions };
}
