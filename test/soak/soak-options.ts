// What a soak run does, from flags (`npm run soak -- --connections 2000`) or SOAK_* variables.

export interface SoakOptions {
  /** Connections held open the whole time (each one that leaves is replaced). */
  connections: number;
  /** Load before the starting RSS plateau is measured (seconds), after the ramp-up. */
  warmupSeconds: number;
  /** Load after it; the ending plateau is measured over the last `plateauSeconds`. */
  durationSeconds: number;
  /** Window over which each plateau's median RSS is taken. */
  plateauSeconds: number;
  /** Members per room. */
  roomSize: number;
  /** Mean seconds between a connection's echo requests, and between its broadcasts. */
  echoEverySeconds: number;
  broadcastEverySeconds: number;
  /** Mean lifetime of a connection before it leaves and is replaced (churn). */
  lifetimeSeconds: number;
  /** New connections per second while ramping up. */
  rampPerSecond: number;
  /** Allowed growth of the ending RSS plateau over the starting one. */
  rssTolerance: number;
  /** Where the summary goes. */
  summaryPath: string;
}

const DEFAULTS: SoakOptions = {
  connections: 5000,
  warmupSeconds: 40,
  durationSeconds: 180,
  plateauSeconds: 20,
  roomSize: 20,
  echoEverySeconds: 5,
  broadcastEverySeconds: 40,
  lifetimeSeconds: 60,
  rampPerSecond: 1000,
  rssTolerance: 0.05,
  summaryPath: '.tmp/soak/summary.json',
};

/** The short soak CI runs on 2 cores (`npm run soak:ci`). */
export const CI_PRESET: Partial<SoakOptions> = {
  connections: 500,
  warmupSeconds: 12,
  durationSeconds: 28,
  plateauSeconds: 8,
  echoEverySeconds: 2,
  broadcastEverySeconds: 10,
  lifetimeSeconds: 10,
  rampPerSecond: 500,
};

const FLAGS: Record<string, keyof SoakOptions> = {
  '--connections': 'connections',
  '--warmup': 'warmupSeconds',
  '--duration': 'durationSeconds',
  '--plateau': 'plateauSeconds',
  '--room-size': 'roomSize',
  '--echo-every': 'echoEverySeconds',
  '--broadcast-every': 'broadcastEverySeconds',
  '--lifetime': 'lifetimeSeconds',
  '--ramp': 'rampPerSecond',
  '--rss-tolerance': 'rssTolerance',
  '--summary': 'summaryPath',
};

const ENV: Record<string, keyof SoakOptions> = {
  SOAK_CONNECTIONS: 'connections',
  SOAK_WARMUP: 'warmupSeconds',
  SOAK_DURATION: 'durationSeconds',
  SOAK_RSS_TOLERANCE: 'rssTolerance',
};

const usage = `npm run soak -- [--ci] ${Object.keys(FLAGS).map((flag) => `[${flag} N]`).join(' ')}`;

export function parseSoakOptions(argv: readonly string[], env: NodeJS.ProcessEnv): SoakOptions {
  const options: SoakOptions = { ...DEFAULTS, ...(argv.includes('--ci') ? CI_PRESET : {}) };
  const set = (key: keyof SoakOptions, raw: string): void => {
    if (key === 'summaryPath') options.summaryPath = raw;
    else {
      const value = Number(raw);
      if (!Number.isFinite(value) || value < 0) throw new Error(`${key} must be a non-negative number, got ${raw}\n${usage}`);
      options[key] = value;
    }
  };
  for (const [name, key] of Object.entries(ENV)) if (env[name] !== undefined) set(key, env[name] as string);
  for (let i = 0; i < argv.length; i++) {
    if (argv[i] === '--ci') continue;
    const [flag, inline] = argv[i].split('=', 2);
    const key = FLAGS[flag];
    if (!key) throw new Error(`unknown argument ${argv[i]}\n${usage}`);
    set(key, inline ?? argv[++i]);
  }
  if (options.plateauSeconds > options.warmupSeconds || options.plateauSeconds > options.durationSeconds) {
    throw new Error('--plateau must fit in both --warmup and --duration');
  }
  return options;
}
