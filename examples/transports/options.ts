/** What one run does; `--quick` shortens the warm-up and the measured window. */
export interface Plan {
  isQuick: boolean;
  /** Subscribers per transport, each on its own connection. */
  clients: number;
  /** Messages each server publishes per second. */
  ratePerSecond: number;
  /** Short polling: one request per client this often. */
  pollIntervalMs: number;
  warmupMs: number;
  windowMs: number;
  /** Transport ids to run (`--only websocket,sse`); all of them by default. */
  only: string[] | undefined;
  /** Past this the watchdog kills every server and the run fails. */
  budgetMs: number;
  /** The arguments as given, to print the command that reproduces the run. */
  args: string[];
}

export const TRANSPORT_IDS = ['websocket', 'fallback', 'sse', 'long-poll', 'short-poll'] as const;
const USAGE = `usage: bench:transports [--quick] [--clients N] [--rate MSG_PER_S] [--poll-ms MS] [--window-ms MS] [--only ${TRANSPORT_IDS.join(',')}]`;
/** Nest boots in 1–3 s on a busy 2-core machine; the watchdog allows this much for all the servers together. */
const SERVER_START_BUDGET_MS = 10_000;
const PER_TRANSPORT_SLACK_MS = 1_500;

export function parsePlan(args: string[]): Plan {
  const isQuick = args.includes('--quick');
  const plan = {
    isQuick,
    clients: 20,
    ratePerSecond: 10,
    pollIntervalMs: 1_000,
    warmupMs: isQuick ? 500 : 2_000,
    windowMs: isQuick ? 2_500 : 12_000,
    only: undefined as string[] | undefined,
    args,
  };
  for (let i = 0; i < args.length; i++) {
    const value = (): number => {
      const number = Number(args[++i]);
      if (!(number > 0)) throw new Error(`${args[i - 1]} takes a positive number\n${USAGE}`);
      return number;
    };
    if (args[i] === '--quick') continue;
    else if (args[i] === '--clients') plan.clients = Math.round(value());
    else if (args[i] === '--rate') plan.ratePerSecond = value();
    else if (args[i] === '--poll-ms') plan.pollIntervalMs = value();
    else if (args[i] === '--window-ms') plan.windowMs = value();
    else if (args[i] === '--only') plan.only = onlyList(args[++i]);
    else throw new Error(`unknown argument ${args[i]}\n${USAGE}`);
  }
  const transports = plan.only?.length ?? TRANSPORT_IDS.length;
  const budgetMs = SERVER_START_BUDGET_MS + transports * (plan.warmupMs + plan.windowMs + PER_TRANSPORT_SLACK_MS);
  return { ...plan, budgetMs };
}

function onlyList(value: string | undefined): string[] {
  const ids = (value ?? '').split(',').filter(Boolean);
  const unknown = ids.filter((id) => !(TRANSPORT_IDS as readonly string[]).includes(id));
  if (ids.length === 0 || unknown.length > 0) throw new Error(`--only takes ${TRANSPORT_IDS.join(', ')}\n${USAGE}`);
  return ids;
}
