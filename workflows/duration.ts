/** Durations as the config writes them: "250ms", "45s", "30m", "12h", "7d", or a number of seconds. */

const UNIT_MS = { ms: 1, s: 1000, m: 60_000, h: 3_600_000, d: 86_400_000 } as const;
type Unit = keyof typeof UNIT_MS;

const DURATION_RE = /^(\d+(?:\.\d+)?)\s*(ms|s|m|h|d)?$/;

/** Milliseconds for a duration; bare numbers (and unit-less numeric strings) are seconds. */
export function parseDuration(d: number | string): number {
  if (typeof d === 'number') {
    if (!Number.isFinite(d) || d < 0)
      throw new Error(`invalid duration ${d}: expected a non-negative number of seconds`);
    return Math.round(d * 1000);
  }
  const m = DURATION_RE.exec(d.trim());
  if (!m) throw new Error(`invalid duration "${d}": expected e.g. "250ms", "45s", "30m", "12h" or "7d"`);
  const unit = (m[2] ?? 's') as Unit;
  return Math.round(Number(m[1]) * UNIT_MS[unit]);
}

/** Compact readable form: 250ms, 45s, 1.5s, 30m, 1h 30m, 7d, 2d 3h 4m 5s. */
export function formatDuration(ms: number): string {
  if (!Number.isFinite(ms)) return String(ms);
  if (ms < 0) return `-${formatDuration(-ms)}`;
  ms = Math.round(ms);
  if (ms < 1000) return `${Math.round(ms)}ms`;
  const parts: string[] = [];
  let rest = ms;
  for (const unit of ['d', 'h', 'm'] as const) {
    const n = Math.floor(rest / UNIT_MS[unit]);
    if (n > 0) parts.push(`${n}${unit}`);
    rest -= n * UNIT_MS[unit];
  }
  if (rest > 0) {
    // Sub-second remainders stay exact: 1500 → "1.5s".
    parts.push(`${rest / 1000}s`);
  }
  return parts.join(' ');
}
