import { UsageError } from './errors.js';

const UNIT_MS = { s: 1_000, m: 60_000, h: 3_600_000, d: 86_400_000 } as const;

/**
 * Parses a duration as the contract writes it: a number with `s`, `m`, `h` or `d`,
 * or plain seconds. `where` names the flag or variable for the error message.
 */
export function parseDuration(value: string, where: string): number {
  const match = /^\s*(\d+(?:\.\d+)?)\s*([smhd]?)\s*$/.exec(value);
  if (!match) {
    throw new UsageError(
      `${where}: expected a duration such as 90s, 30m, 24h, 7d or plain seconds, got ${JSON.stringify(value)}`,
    );
  }
  const amount = Number(match[1]);
  const unit = (match[2] || 's') as keyof typeof UNIT_MS;
  return Math.round(amount * UNIT_MS[unit]);
}
