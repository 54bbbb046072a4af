import { expect, test } from 'vitest';
import { createPool } from '../../activities/store/pool.js';
import { isStoreUnavailable, withStoreRetry } from '../../activities/store/retry.js';
import { freePort } from '../../worker/ports.js';

const refused = () => Object.assign(new Error('connect ECONNREFUSED 127.0.0.1:1'), { code: 'ECONNREFUSED' });

test('a closed port is "unavailable"; ordinary errors are not', async () => {
  const pool = createPool(`postgres://postgres@127.0.0.1:${await freePort()}/postgres`);
  const err = await pool.query('SELECT 1').catch((e: unknown) => e);
  await pool.end();
  expect(err).toBeInstanceOf(Error);
  expect(isStoreUnavailable(err)).toBe(true);

  expect(
    isStoreUnavailable(
      Object.assign(new Error('terminating connection due to administrator command'), { code: '57P01' }),
    ),
  ).toBe(true);
  expect(isStoreUnavailable(new Error('Connection terminated unexpectedly'))).toBe(true);
  expect(isStoreUnavailable(new Error('migration 002_x.sql failed: ...', { cause: refused() }))).toBe(true);
  expect(isStoreUnavailable(new AggregateError([refused(), refused()]))).toBe(true);
  expect(isStoreUnavailable(Object.assign(new Error('duplicate key'), { code: '23505' }))).toBe(false);
  expect(isStoreUnavailable(new Error('boom'))).toBe(false);
  expect(isStoreUnavailable(undefined)).toBe(false);
});

test('createPool refuses a URL that is not postgres://, without echoing credentials', () => {
  expect(() => createPool('mysql://u:secret@h/db')).toThrow(
    /must start with postgres:\/\/ .*got "mysql:\/\/\*\*\*@h\/db"/,
  );
});

test('withStoreRetry rethrows other errors at once', async () => {
  let calls = 0;
  const boom = new Error('boom');
  await expect(
    withStoreRetry(async () => {
      calls++;
      throw boom;
    }),
  ).rejects.toBe(boom);
  expect(calls).toBe(1);
});

test('withStoreRetry gives up after maxWaitMs with the last error', async () => {
  const waits: number[] = [];
  const last = refused();
  let calls = 0;
  await expect(
    withStoreRetry(
      async () => {
        calls++;
        throw calls === 2 ? last : refused();
      },
      // 250 ms waited after the first failure; the next wait (500 ms) would pass 300 ms.
      { maxWaitMs: 300, onWait: (attempt) => void waits.push(attempt) },
    ),
  ).rejects.toBe(last);
  expect(waits).toEqual([1]);
  expect(calls).toBe(2);
});

test('withStoreRetry stops waiting when aborted and throws the abort reason', async () => {
  const controller = new AbortController();
  const reason = new Error('activity cancelled');
  let calls = 0;
  const result = withStoreRetry(
    async () => {
      calls++;
      throw refused();
    },
    { signal: controller.signal, onWait: () => controller.abort(reason) },
  );
  await expect(result).rejects.toBe(reason);
  expect(calls).toBe(1);

  await expect(withStoreRetry(async () => 1, { signal: controller.signal })).rejects.toBe(reason);
});
