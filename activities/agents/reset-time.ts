/**
 * When does a provider's usage limit reset? The agent CLIs say it in prose that has changed many
 * times (docs/agent-clis.md §1–§3): unix seconds after a pipe, "resets 5pm (Europe/Warsaw)", "try again
 * at 3:04 PM", "Try again Aug 18.", "try again in 3 days 6 hours 57 minutes", "reset after
 * 2h30m", "retry in 44.09s". Wall-clock times are local to the IANA zone in parentheses, else to
 * the worker's zone (the CLI runs on the worker and formats in its local time). Pure: `now` is given.
 * A time of day already past means the next day, except within its own minute (clocks print
 * whole minutes, so "3:04 PM" at 3:04:30 is due now, not tomorrow).
 */

export interface ResetTimeOptions {
  /** The zone for times that name none. Default: the worker's zone. */
  timeZone?: string;
}

const MONTHS: Record<string, number> = {
  jan: 0,
  feb: 1,
  mar: 2,
  apr: 3,
  may: 4,
  jun: 5,
  jul: 6,
  aug: 7,
  sep: 8,
  oct: 9,
  nov: 10,
  dec: 11,
};
const MONTH_RE =
  '(jan(?:uary)?|feb(?:ruary)?|mar(?:ch)?|apr(?:il)?|may|june?|july?|aug(?:ust)?|sept?(?:ember)?|oct(?:ober)?|nov(?:ember)?|dec(?:ember)?)';
// "5pm", "3:50pm", "3:04 PM", "5 a.m." — or a 24-hour "15:00".
const TIME_RE = '(\\d{1,2})(?::(\\d{2}))?\\s*([ap])\\.?\\s?m\\b\\.?|(\\d{1,2}):(\\d{2})\\b';
const ZONE_RE = '(?:\\s*\\(([A-Za-z_]+(?:/[A-Za-z0-9_+-]+)*)\\))?';
// What introduces a reset time in every wording we know.
const LEAD_RE = '(?:resets?|reset at|try again|retry|available again)\\s+(?:at\\s+|on\\s+)?';

const UNIX_RES = [
  /limit reached\s*\|\s*(\d{10,13})\b/i,
  /"resets?_?at"\s*:\s*(\d{10,13})\b/i,
  /\bresets?_?at[=:]\s*(\d{10,13})\b/i,
];
const RESETS_IN_SECONDS_RE = /"resets_in_seconds"\s*:\s*(\d+)/i;
const DATE_RE = new RegExp(
  `${LEAD_RE}${MONTH_RE}\\.?\\s+(\\d{1,2})(?:st|nd|rd|th)?(?:,?\\s+(\\d{4}))?(?:,?\\s+(?:at\\s+)?(?:${TIME_RE}))?${ZONE_RE}`,
  'i',
);
const TIME_ONLY_RE = new RegExp(`${LEAD_RE}(?:${TIME_RE})${ZONE_RE}`, 'i');
const UNIT_RE = 'milliseconds?|ms|seconds?|secs?|s|minutes?|mins?|m|hours?|hrs?|h|days?|d';
const DURATION_RE = `(?:\\d+(?:\\.\\d+)?\\s*(?:${UNIT_RE})(?![a-z])[\\s,]*(?:and\\s+)?)+`;
const RELATIVE_RE = new RegExp(`(?:try again|retry|resets?|available again)\\s+(?:in|after)\\s+(${DURATION_RE})`, 'i');

/**
 * The reset time (epoch ms) named in `text`, or undefined when it names none. A time of day that
 * is already past means the next day; a date without a year that is past means next year.
 */
export function parseResetTime(text: string, now: number, opts: ResetTimeOptions = {}): number | undefined {
  for (const re of UNIX_RES) {
    const m = re.exec(text);
    if (m) return unixToMs(Number(m[1]));
  }
  const inSeconds = RESETS_IN_SECONDS_RE.exec(text);
  if (inSeconds) return now + Number(inSeconds[1]) * 1000;

  const date = DATE_RE.exec(text);
  if (date) {
    const zone = pickZone(date[9], opts);
    const month = MONTHS[date[1].toLowerCase().slice(0, 3)];
    const day = Number(date[2]);
    const time = timeOfDay(date.slice(4, 9));
    if (day >= 1 && day <= 31 && time !== null) return datedReset(zone, month, day, date[3], time, now);
  }

  const tod = TIME_ONLY_RE.exec(text);
  if (tod) {
    const time = timeOfDay(tod.slice(1, 6));
    if (time) return nextTimeOfDay(pickZone(tod[6], opts), time.h, time.m, now);
  }

  const rel = RELATIVE_RE.exec(text);
  if (rel) {
    const ms = parseDurationText(rel[1]);
    if (ms !== undefined) return now + ms;
  }
  return undefined;
}

/** "3 days 6 hours 57 minutes", "2h30m", "44.09s", "1 hour and 5 mins" → ms; undefined if none. */
export function parseDurationText(text: string): number | undefined {
  const re = new RegExp(`(\\d+(?:\\.\\d+)?)\\s*(${UNIT_RE})(?![a-z])`, 'gi');
  let total = 0;
  let found = false;
  for (const m of text.matchAll(re)) {
    found = true;
    total += Number(m[1]) * unitMs(m[2].toLowerCase());
  }
  return found ? Math.round(total) : undefined;
}

function unitMs(unit: string): number {
  if (unit === 'ms' || unit.startsWith('milli')) return 1;
  if (unit.startsWith('s')) return 1000;
  if (unit.startsWith('m')) return 60_000;
  if (unit.startsWith('h')) return 3_600_000;
  return 86_400_000;
}

function unixToMs(n: number): number {
  return n > 1e12 ? n : n * 1000;
}

/** The next midnight in `zone` after `now` (Gemini's daily quotas reset at midnight Pacific time). */
export function nextMidnight(zone: string, now: number): number {
  const today = zonedParts(zone, now);
  const next = addDays(today.year, today.month, today.day, 1);
  return zonedToEpoch(zone, next.year, next.month, next.day, 0, 0);
}

export function localTimeZone(): string {
  return Intl.DateTimeFormat().resolvedOptions().timeZone || 'UTC';
}

export function isValidTimeZone(zone: string): boolean {
  try {
    formatter(zone);
    return true;
  } catch {
    return false;
  }
}

function pickZone(named: string | undefined, opts: ResetTimeOptions): string {
  if (named && isValidTimeZone(named)) return named;
  return opts.timeZone && isValidTimeZone(opts.timeZone) ? opts.timeZone : localTimeZone();
}

/** [h12, min, ampm, h24, min24] capture groups → hours and minutes; undefined when no time; null when invalid. */
function timeOfDay(g: (string | undefined)[]): { h: number; m: number } | undefined | null {
  const [h12, m12, ampm, h24, m24] = g;
  if (h12 !== undefined) {
    const h = Number(h12);
    const m = m12 === undefined ? 0 : Number(m12);
    if (h < 1 || h > 12 || m > 59) return null;
    const pm = ampm!.toLowerCase() === 'p';
    return { h: (h % 12) + (pm ? 12 : 0), m };
  }
  if (h24 !== undefined) {
    const h = Number(h24);
    const m = Number(m24);
    if (h > 23 || m > 59) return null;
    return { h, m };
  }
  return undefined;
}

function nextTimeOfDay(zone: string, h: number, m: number, now: number): number {
  const today = zonedParts(zone, now);
  const candidate = zonedToEpoch(zone, today.year, today.month, today.day, h, m);
  // Clocks print whole minutes: a time within the current minute is not past.
  if (candidate > now - 60_000) return candidate;
  const next = addDays(today.year, today.month, today.day, 1);
  return zonedToEpoch(zone, next.year, next.month, next.day, h, m);
}

function datedReset(
  zone: string,
  month: number,
  day: number,
  yearText: string | undefined,
  time: { h: number; m: number } | undefined,
  now: number,
): number | undefined {
  const today = zonedParts(zone, now);
  const at = (year: number): number => zonedToEpoch(zone, year, month, day, time?.h ?? 0, time?.m ?? 0);
  if (yearText) return at(Number(yearText));
  if (!time) {
    // A bare date: the limit lifts some time that day. Today means "unknown, soon".
    if (today.month === month && today.day === day) return undefined;
    const t = at(today.year);
    return t > now ? t : at(today.year + 1);
  }
  const t = at(today.year);
  // Slightly past is "due now" (a weekly reset is never a year away).
  return t >= now - 86_400_000 ? t : at(today.year + 1);
}

// ---------------------------------------------------------------------------------------------
// Wall clock in an IANA zone ↔ epoch, with Intl only.

const formatters = new Map<string, Intl.DateTimeFormat>();
function formatter(zone: string): Intl.DateTimeFormat {
  let f = formatters.get(zone);
  if (!f) {
    f = new Intl.DateTimeFormat('en-US', {
      timeZone: zone,
      hourCycle: 'h23',
      year: 'numeric',
      month: 'numeric',
      day: 'numeric',
      hour: 'numeric',
      minute: 'numeric',
      second: 'numeric',
    });
    formatters.set(zone, f);
  }
  return f;
}

interface ZonedParts {
  year: number;
  /** 0-based */
  month: number;
  day: number;
  hour: number;
  minute: number;
  second: number;
}

export function zonedParts(zone: string, epoch: number): ZonedParts {
  const parts: Record<string, number> = {};
  for (const p of formatter(zone).formatToParts(new Date(epoch))) {
    if (p.type !== 'literal') parts[p.type] = Number(p.value);
  }
  return {
    year: parts.year,
    month: parts.month - 1,
    day: parts.day,
    hour: parts.hour === 24 ? 0 : parts.hour,
    minute: parts.minute,
    second: parts.second,
  };
}

function offsetMs(zone: string, epoch: number): number {
  const p = zonedParts(zone, epoch);
  const wall = Date.UTC(p.year, p.month, p.day, p.hour, p.minute, p.second);
  return wall - Math.floor(epoch / 1000) * 1000;
}

/** The instant when the wall clock in `zone` shows the given time (month 0-based). */
export function zonedToEpoch(zone: string, year: number, month: number, day: number, h: number, m: number): number {
  const wall = Date.UTC(year, month, day, h, m);
  // Twice: the offset at the first guess may differ across a DST change.
  let t = wall - offsetMs(zone, wall);
  t = wall - offsetMs(zone, t);
  return t;
}

function addDays(year: number, month: number, day: number, n: number): { year: number; month: number; day: number } {
  const d = new Date(Date.UTC(year, month, day + n));
  return { year: d.getUTCFullYear(), month: d.getUTCMonth(), day: d.getUTCDate() };
}
