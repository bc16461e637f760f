import { Metric } from '../scenarios/scenario';

export function formatValue(value: number, unit: Metric['unit']): string {
  if (!Number.isFinite(value)) return '–';
  switch (unit) {
    case 'µs':
      return value >= 10_000 ? `${(value / 1000).toFixed(1)} ms` : `${Math.round(value)} µs`;
    case 'B':
      return value >= 1024 ? `${(value / 1024).toFixed(1)} KiB` : `${Math.round(value)} B`;
    default:
      return compact(value);
  }
}

/** 1234567 → "1.23M", 45210 → "45.2k". */
export function compact(value: number): string {
  if (!Number.isFinite(value)) return '–';
  if (value >= 1e6) return `${(value / 1e6).toFixed(2)}M`;
  if (value >= 1e3) return `${(value / 1e3).toFixed(1)}k`;
  return value.toFixed(0);
}

export function formatRatio(value: number): string {
  if (!Number.isFinite(value)) return '–';
  return `${value >= 10 ? value.toFixed(1) : value.toFixed(2)}×`;
}

export function formatPercent(value: number): string {
  return Number.isFinite(value) ? `${Math.round(value)}%` : '–';
}
