/** `switchyard doctor`'s store check on real databases: an empty one is "not migrated", a migrated one passes. */
import { expect, test } from 'vitest';
import { checkStore } from '../../client/doctor.js';
import { createPool, migrate } from '../../activities/store/index.js';
import { forEachDatabase } from '../helpers/databases.js';

forEachDatabase('doctor store check', (db) => {
  test('names the pending migrations of an empty database, and passes once migrated', async () => {
    const url = await db.freshUrl();
    const before = await checkStore(async () => url);
    expect(before.map((c) => c.status)).toEqual(['pass', 'fail']);
    expect(before[1]).toMatchObject({
      detail: 'not migrated: 001_initial.sql, 002_usage_job.sql pending',
      fix: 'start a worker (it applies the migrations before it takes work)',
    });
    const pool = createPool(url);
    try {
      await migrate(pool);
    } finally {
      await pool.end();
    }
    const after = await checkStore(async () => url);
    expect(after.map((c) => c.status)).toEqual(['pass', 'pass']);
    expect(after[1].detail).toBe('migrated (2 migrations)');
  });
});
