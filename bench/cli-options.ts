import { parseArgs } from 'node:util';
import { PinMode } from './system/cpu-pinning';

export interface CliOptions {
  isQuick: boolean;
  repeats?: number;
  /** Scenario ids (or parts of them) to run; all when empty. */
  only: string[];
  pin: PinMode;
  /** Profile our server with node --cpu-prof instead of running the suite. */
  isProfile: boolean;
}

export const USAGE = `npm run bench -- [--quick] [--repeats N] [--only ID[,ID…]] [--pin auto|on|off] [--profile]
  --quick     one repeat, shorter runs, smaller fan-out and idle counts (under two minutes)
  --repeats   interleaved repeats per scenario (default 3, quick 1)
  --only      run these scenario ids, or those containing these parts (e.g. echo-raw,fanout-1000)
  --pin       server on CPU 0 and load generator on CPU 1 (taskset): on, off, or auto (default:
              on unless other processes already keep the machine busy)
  --profile   node --cpu-prof of nest-rfc6455 under raw echo (32 B/100 conn, 64 KiB/10 conn, 32 B/1 conn × 8),
              gateway echo and handshakes; top self time. With --only, the cases whose names contain a part`;

export function parseCli(argv: string[]): CliOptions {
  const { values } = parseArgs({
    args: argv,
    options: {
      quick: { type: 'boolean', default: false },
      repeats: { type: 'string' },
      only: { type: 'string', default: '' },
      pin: { type: 'string', default: 'auto' },
      profile: { type: 'boolean', default: false },
      help: { type: 'boolean', default: false },
    },
  });
  if (values.help) {
    console.log(USAGE);
    process.exit(0);
  }
  const repeats = values.repeats === undefined ? undefined : Number(values.repeats);
  if (repeats !== undefined && (!Number.isInteger(repeats) || repeats < 1)) throw new Error(`--repeats must be a positive integer\n${USAGE}`);
  if (!['auto', 'on', 'off'].includes(values.pin)) throw new Error(`--pin takes auto, on or off\n${USAGE}`);
  return {
    isQuick: values.quick,
    repeats,
    only: values.only.split(',').filter(Boolean),
    pin: values.pin as PinMode,
    isProfile: values.profile,
  };
}
