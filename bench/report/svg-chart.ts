import { TARGETS, TargetId } from '../peers/peer-catalog';
import { ScenarioResult } from '../suite-runner';
import { formatRatio } from './format';
import { resultTables, rowLabel } from './result-tables';
import { RunInfo } from './run-info';

const COLORS: Record<TargetId, string> = {
  ws: '#8c8c8c',
  'ws-json': '#8c8c8c',
  net: '#c7a13a',
  'nest-ws': '#5b8fd6',
  'nest-sio': '#9a6fc7',
  'ours-raw': '#f2994a',
  'ours-gateway': '#d63a22',
  'ours-own-port': '#a8321c',
  'ws-deflate': '#8c8c8c',
  'ours-deflate': '#f2994a',
};

const WIDTH = 1000;
const LABEL_WIDTH = 430;
const PLOT_LEFT = LABEL_WIDTH + 10;
const PLOT_WIDTH = WIDTH - PLOT_LEFT - 60;
const BAR = 11;
const MIN_LOG2 = -3; // 1/8×
const MAX_LOG2 = 4; // 16×

const x = (advantage: number): number => {
  const clamped = Math.min(MAX_LOG2, Math.max(MIN_LOG2, Math.log2(advantage)));
  return PLOT_LEFT + ((clamped - MIN_LOG2) / (MAX_LOG2 - MIN_LOG2)) * PLOT_WIDTH;
};

const escape = (text: string): string => text.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');

/**
 * Every figure as its advantage over the baseline, on a log scale: bars grow right of 1× when a
 * target beats the baseline (for latency and memory, where lower is better, baseline ÷ value).
 */
export function svgChart(info: RunInfo, results: ScenarioResult[]): string {
  const parts: string[] = [];
  let y = 70;
  for (const table of resultTables(results)) {
    parts.push(`<text x="10" y="${y}" class="h">${escape(table.heading)}</text>`);
    y += 12;
    for (const row of table.rows) {
      const top = y;
      const bars = table.targets.filter((id) => id !== row.result.baseline);
      bars.forEach((id, index) => {
        const summary = row.result.summary[id];
        const ratio = summary?.ratio[row.metric.key] ?? NaN;
        const advantage = row.metric.isHigherBetter ? ratio : 1 / ratio;
        const barY = top + 6 + index * (BAR + 2);
        if (!Number.isFinite(advantage) || advantage <= 0) {
          parts.push(`<text x="${x(1) + 4}" y="${barY + BAR - 2}" class="v">${escape(TARGETS[id].label)}: no data</text>`);
          return;
        }
        const [from, to] = [x(1), x(advantage)].sort((a, b) => a - b);
        parts.push(`<rect x="${from.toFixed(1)}" y="${barY}" width="${Math.max(1, to - from).toFixed(1)}" height="${BAR}" fill="${COLORS[id]}"><title>${escape(`${TARGETS[id].label}: ${formatRatio(ratio)} of ${TARGETS[row.result.baseline].label}`)}</title></rect>`);
        const labelX = advantage >= 1 ? to + 4 : from - 4;
        parts.push(`<text x="${labelX.toFixed(1)}" y="${barY + BAR - 2}" class="v" text-anchor="${advantage >= 1 ? 'start' : 'end'}">${escape(formatRatio(advantage))}</text>`);
      });
      const height = 8 + bars.length * (BAR + 2);
      parts.push(`<text x="${LABEL_WIDTH}" y="${top + height / 2 + 4}" class="l" text-anchor="end">${escape(rowLabel(row))}</text>`);
      parts.push(`<line x1="10" x2="${WIDTH - 10}" y1="${top + height}" y2="${top + height}" class="sep"/>`);
      y = top + height + 2;
    }
    y += 22;
  }
  const ticks = [];
  for (let power = MIN_LOG2; power <= MAX_LOG2; power++) {
    const tickX = x(2 ** power);
    ticks.push(`<line x1="${tickX}" x2="${tickX}" y1="56" y2="${y - 20}" class="${power === 0 ? 'one' : 'grid'}"/>`);
    ticks.push(`<text x="${tickX}" y="52" class="t" text-anchor="middle">${power < 0 ? `1/${2 ** -power}` : 2 ** power}×</text>`);
  }
  const legend = (['ours-raw', 'ours-gateway', 'net', 'nest-ws', 'nest-sio'] as TargetId[]).map((id, index) => {
    const left = 10 + index * 190;
    return `<rect x="${left}" y="24" width="10" height="10" fill="${COLORS[id]}"/><text x="${left + 14}" y="33" class="t">${escape(TARGETS[id].label)}</text>`;
  });
  const title = `nest-rfc6455 vs baseline (ws / ws + JSON switch), same run, ${info.finishedAt.slice(0, 10)}, ${info.machine.cores} cores — log scale, right of 1× is better`;
  return [
    `<svg xmlns="http://www.w3.org/2000/svg" width="${WIDTH}" height="${y}" viewBox="0 0 ${WIDTH} ${y}" font-family="system-ui, sans-serif">`,
    '<style>.h{font-size:13px;font-weight:600}.l{font-size:11px}.v{font-size:10px}.t{font-size:10px;fill:#555}.grid{stroke:#e4e4e4}.one{stroke:#333}.sep{stroke:#f2f2f2}</style>',
    `<rect width="${WIDTH}" height="${y}" fill="#fff"/>`,
    `<text x="10" y="16" class="h">${escape(title)}</text>`,
    ...legend,
    ...ticks,
    ...parts,
    '</svg>',
    '',
  ].join('\n');
}
