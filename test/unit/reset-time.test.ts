import { describe, expect, it } from 'vitest';
import {
  isValidTimeZone,
  localTimeZone,
  nextMidnight,
  parseDurationText,
  parseResetTime,
  zonedToEpoch,
} from '../../activities/agents/reset-time.js';

// Tuesday 2026-03-10 12:00 UTC: Warsaw is on CET (+1), New York already on EDT (-4), Lisbon on WET (0).
const NOW = Date.UTC(2026, 2, 10, 12, 0);
const utc = (...a: [number, number, number, number?, number?]) => Date.UTC(a[0], a[1], a[2], a[3] ?? 0, a[4] ?? 0);

describe('parseResetTime: unix timestamps', () => {
  it('reads the pipe form in seconds and in milliseconds', () => {
    expect(parseResetTime('Claude AI usage limit reached|1773165600', NOW)).toBe(1773165600_000);
    expect(parseResetTime('Claude AI usage limit reached|1773165600000', NOW)).toBe(1773165600_000);
  });

  it('reads resets_at / resetsAt fields and resets_in_seconds', () => {
    expect(parseResetTime('{"type":"usage_limit_reached","resets_at":1773113950}', NOW)).toBe(1773113950_000);
    expect(parseResetTime('{"resetsAt":1773113950}', NOW)).toBe(1773113950_000);
    expect(parseResetTime('{"resets_in_seconds":13872}', NOW)).toBe(NOW + 13872_000);
  });
});

describe('parseResetTime: a time of day in a named zone', () => {
  it('converts "5pm (Europe/Warsaw)" on the same day', () => {
    const text = 'Claude usage limit reached. Your limit will reset at 5pm (Europe/Warsaw).';
    expect(parseResetTime(text, NOW)).toBe(utc(2026, 2, 10, 16));
  });

  it('rolls a time already past to the next day', () => {
    const text = 'Claude usage limit reached. Your limit will reset at 5pm (Europe/Warsaw).';
    expect(parseResetTime(text, utc(2026, 2, 10, 17, 30))).toBe(utc(2026, 2, 11, 16));
  });

  it('uses the next day’s offset when the roll crosses a DST change', () => {
    // 21:00 CET on Mar 28; Warsaw moves to CEST (+2) in the night.
    expect(parseResetTime('resets 5pm (Europe/Warsaw)', utc(2026, 2, 28, 20))).toBe(utc(2026, 2, 29, 15));
  });

  it('is exact west of UTC on the day of a DST change', () => {
    // New York moves from EST (-5) to EDT (-4) at 2am on Mar 8: 5am that day is 09:00 UTC, not 10:00.
    const text = 'resets 5am (America/New_York)';
    expect(parseResetTime(text, utc(2026, 2, 8, 6))).toBe(utc(2026, 2, 8, 9)); // 01:00 EST, same day
    expect(parseResetTime(text, utc(2026, 2, 7, 12))).toBe(utc(2026, 2, 8, 9)); // 07:00 EST the day before: rolls
    expect(zonedToEpoch('America/New_York', 2026, 2, 8, 5, 0)).toBe(utc(2026, 2, 8, 9));
  });

  it('reads "1pm (Europe/Lisbon)" and "3:50pm (Asia/Tokyo)"', () => {
    expect(parseResetTime("You've hit your limit · resets 1pm (Europe/Lisbon)", NOW)).toBe(utc(2026, 2, 10, 13));
    // 15:50 JST is 06:50 UTC, already past at noon UTC: tomorrow.
    expect(parseResetTime("You've hit your session limit · resets 3:50pm (Asia/Tokyo)", NOW)).toBe(
      utc(2026, 2, 11, 6, 50),
    );
  });

  it('reads 12am and 12pm and a 24-hour clock', () => {
    expect(parseResetTime('resets 12am (UTC)', NOW)).toBe(utc(2026, 2, 11, 0));
    expect(parseResetTime('resets 12pm (UTC)', utc(2026, 2, 10, 9))).toBe(utc(2026, 2, 10, 12));
    expect(parseResetTime('limit will reset at 15:00 (Europe/Warsaw)', NOW)).toBe(utc(2026, 2, 10, 14));
  });

  it('falls back to the default zone for an unknown zone name', () => {
    expect(parseResetTime('resets 5pm (Mars/Olympus)', NOW, { timeZone: 'UTC' })).toBe(utc(2026, 2, 10, 17));
  });
});

describe('parseResetTime: no zone means the worker’s zone', () => {
  it('reads "resets 12pm" in the given zone', () => {
    expect(parseResetTime('5-hour limit reached ∙ resets 12pm', utc(2026, 2, 10, 10), { timeZone: 'UTC' })).toBe(
      utc(2026, 2, 10, 12),
    );
    expect(parseResetTime('5-hour limit reached ∙ resets 12pm', NOW, { timeZone: 'America/New_York' })).toBe(
      utc(2026, 2, 10, 16),
    );
  });

  it('defaults to the local zone of this process', () => {
    const text = 'try again at 3:04 PM.';
    expect(parseResetTime(text, NOW)).toBe(parseResetTime(text, NOW, { timeZone: localTimeZone() }));
  });

  it('reads codex’s "try again at 3:04 PM." and rolls a past one to tomorrow', () => {
    expect(parseResetTime("You've hit your usage limit. Try again at 3:04 PM.", NOW, { timeZone: 'UTC' })).toBe(
      utc(2026, 2, 10, 15, 4),
    );
    expect(parseResetTime('or try again at 3:04 PM.', NOW, { timeZone: 'Europe/Berlin' })).toBe(
      utc(2026, 2, 10, 14, 4),
    );
    expect(parseResetTime('or try again at 11:30 AM.', NOW, { timeZone: 'UTC' })).toBe(utc(2026, 2, 11, 11, 30));
  });

  it('treats a time within the current minute as due, not tomorrow', () => {
    expect(parseResetTime('try again at 12:00 PM.', NOW + 30_000, { timeZone: 'UTC' })).toBe(NOW);
  });
});

describe('parseResetTime: dates', () => {
  it('reads "Jun 9, 5am (Australia/Melbourne)" this year, or next year once past', () => {
    const text = "You've hit your weekly limit · resets Jun 9, 5am (Australia/Melbourne)";
    expect(parseResetTime(text, NOW)).toBe(utc(2026, 5, 8, 19));
    expect(parseResetTime(text, utc(2026, 6, 1))).toBe(utc(2027, 5, 8, 19));
  });

  it('keeps a date-and-time only just past (it is due, not a year away)', () => {
    const text = 'resets Jun 9, 5am (Australia/Melbourne)';
    expect(parseResetTime(text, utc(2026, 5, 8, 20))).toBe(utc(2026, 5, 8, 19));
  });

  it('reads codex’s "Mar 12th, 2026 3:39 AM" and "October 2nd, 2026 1:07 PM"', () => {
    expect(parseResetTime('or try again at Mar 12th, 2026 3:39 AM.', NOW, { timeZone: 'UTC' })).toBe(
      utc(2026, 2, 12, 3, 39),
    );
    expect(parseResetTime('try again at October 2nd, 2026 1:07 PM.', NOW, { timeZone: 'America/New_York' })).toBe(
      utc(2026, 9, 2, 17, 7),
    );
  });

  it('reads a bare date as the start of that day; today is unknown', () => {
    expect(parseResetTime("You've hit your usage limit. Try again Aug 18.", NOW, { timeZone: 'UTC' })).toBe(
      utc(2026, 7, 18),
    );
    expect(parseResetTime('Try again Aug 18.', utc(2026, 8, 1), { timeZone: 'UTC' })).toBe(utc(2027, 7, 18));
    expect(parseResetTime('Try again Aug 18.', utc(2026, 7, 18, 10), { timeZone: 'UTC' })).toBeUndefined();
  });
});

describe('parseResetTime: relative times', () => {
  it('reads "in 3 days 6 hours 57 minutes", "after 2h30m" and "in 44.09s"', () => {
    expect(parseResetTime('or try again in 3 days 6 hours 57 minutes.', NOW)).toBe(
      NOW + ((3 * 24 + 6) * 3600 + 57 * 60) * 1000,
    );
    expect(parseResetTime('Your quota will reset after 2h30m.', NOW)).toBe(NOW + 9_000_000);
    expect(parseResetTime('Please retry in 44.09s.', NOW)).toBe(NOW + 44_090);
  });

  it('finds nothing where no reset is named', () => {
    expect(parseResetTime("You've hit your usage limit. Try again later.", NOW)).toBeUndefined();
    expect(parseResetTime('API Error: Repeated 529 Overloaded errors', NOW)).toBeUndefined();
    expect(parseResetTime('Tests: 3 passed in 4.5s at 5pm', NOW)).toBeUndefined();
  });
});

describe('helpers', () => {
  it('parseDurationText sums units and rejects text without any', () => {
    expect(parseDurationText('1 hour and 5 mins')).toBe(3_900_000);
    expect(parseDurationText('250ms')).toBe(250);
    expect(parseDurationText('2d 1h')).toBe(176_400_000);
    expect(parseDurationText('soon')).toBeUndefined();
  });

  it('nextMidnight uses the zone’s own calendar', () => {
    // 05:00 PDT on Mar 10 → midnight PDT (UTC-7) on Mar 11.
    expect(nextMidnight('America/Los_Angeles', NOW)).toBe(utc(2026, 2, 11, 7));
  });

  it('zonedToEpoch round-trips a wall clock on both sides of a DST change', () => {
    expect(zonedToEpoch('Europe/Warsaw', 2026, 2, 28, 12, 0)).toBe(utc(2026, 2, 28, 11));
    expect(zonedToEpoch('Europe/Warsaw', 2026, 2, 29, 12, 0)).toBe(utc(2026, 2, 29, 10));
  });
});

describe('parseResetTime: edges of each wording', () => {
  const Z = { timeZone: 'UTC' };

  it('reads the unix forms with or without spaces, underscores and the plural', () => {
    expect(parseResetTime('usage limit reached | 1773165600', NOW)).toBe(1773165600_000);
    expect(parseResetTime('{"reset_at" : 1773113950}', NOW)).toBe(1773113950_000);
    expect(parseResetTime('{"resetAt": 1773113950}', NOW)).toBe(1773113950_000);
    expect(parseResetTime('resetsAt=1773113950', NOW)).toBe(1773113950_000);
    expect(parseResetTime('reset_at: 1773113950', NOW)).toBe(1773113950_000);
    expect(parseResetTime('resets_at:  1773113950', NOW)).toBe(1773113950_000);
    expect(parseResetTime('{"resets_in_seconds" : 60}', NOW)).toBe(NOW + 60_000);
  });

  it('reads a relative time whatever its case', () => {
    expect(parseResetTime('Try Again In 5 Minutes', NOW)).toBe(NOW + 300_000);
  });

  it('refuses a day of the month outside 1..31, and takes 1 and 31', () => {
    expect(parseResetTime('Try again Mar 0.', NOW, Z)).toBeUndefined();
    expect(parseResetTime('Try again Mar 32.', NOW, Z)).toBeUndefined();
    expect(parseResetTime('Try again Mar 31.', NOW, Z)).toBe(utc(2026, 2, 31));
    expect(parseResetTime('Try again Apr 1.', NOW, Z)).toBe(utc(2026, 3, 1));
  });

  it('a bare date is unknown only on the very day: same month or same day alone is not today', () => {
    expect(parseResetTime('Try again Mar 20.', NOW, Z)).toBe(utc(2026, 2, 20));
    expect(parseResetTime('Try again Apr 10.', NOW, Z)).toBe(utc(2026, 3, 10));
  });

  it('refuses impossible times of day, on their own or after a date', () => {
    for (const t of ['0am', '13pm', '5:60pm', '24:00', '10:60']) {
      expect(parseResetTime(`resets ${t}`, NOW, Z)).toBeUndefined();
    }
    expect(parseResetTime('resets Jun 9, 13pm (UTC)', NOW)).toBeUndefined();
  });

  it('takes the last minute of an hour and the last hour of a day', () => {
    expect(parseResetTime('resets 5:59pm', NOW, Z)).toBe(utc(2026, 2, 10, 17, 59));
    expect(parseResetTime('resets 23:00', NOW, Z)).toBe(utc(2026, 2, 10, 23));
    expect(parseResetTime('resets 10:59', utc(2026, 2, 10, 9), Z)).toBe(utc(2026, 2, 10, 10, 59));
  });

  it('a time a whole minute past is tomorrow', () => {
    expect(parseResetTime('try again at 12:00 PM.', NOW + 60_000, Z)).toBe(utc(2026, 2, 11, 12));
    expect(parseResetTime('try again at 12:00 PM.', NOW + 59_999, Z)).toBe(NOW);
  });

  it('a date and time exactly a day past is still due; a written year is taken as is', () => {
    const t = utc(2026, 5, 8, 19);
    expect(parseResetTime('resets Jun 9, 5am (Australia/Melbourne)', t + 86_400_000)).toBe(t);
    expect(parseResetTime('resets Jun 9, 5am (Australia/Melbourne)', t + 86_400_001)).toBe(utc(2027, 5, 8, 19));
    expect(parseResetTime('or try again at Mar 12th, 2027 3:39 AM.', NOW, Z)).toBe(utc(2027, 2, 12, 3, 39));
  });

  it('an invalid configured zone falls back to the worker’s', () => {
    const text = 'resets 5pm';
    expect(parseResetTime(text, NOW, { timeZone: 'Nowhere/Else' })).toBe(
      parseResetTime(text, NOW, { timeZone: localTimeZone() }),
    );
  });
});

describe('helpers (edges)', () => {
  it('parseDurationText reads milliseconds spelt out', () => {
    expect(parseDurationText('500 milliseconds')).toBe(500);
    expect(parseDurationText('1 millisecond')).toBe(1);
  });

  it('localTimeZone is a valid zone name; isValidTimeZone refuses an unknown one', () => {
    expect(typeof localTimeZone()).toBe('string');
    expect(isValidTimeZone(localTimeZone())).toBe(true);
    expect(isValidTimeZone('Europe/Warsaw')).toBe(true);
    expect(isValidTimeZone('Mars/Olympus')).toBe(false);
  });
});
