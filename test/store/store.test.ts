import type pg from 'pg';
import { beforeAll, describe, expect, test } from 'vitest';
import { migrate } from '../../activities/store/migrate.js';
import { PREVIEW_MAX_BYTES } from '../../activities/store/preview.js';
import { isStoreUnavailable } from '../../activities/store/retry.js';
import { createStore, type Store } from '../../activities/store/store.js';
import { forEachDatabase } from '../helpers/databases.js';

let taskSeq = 0;
const newTask = () => `t${Date.now().toString(36)}-${++taskSeq}`;

forEachDatabase('store', (db) => {
  let pool: pg.Pool;
  let store: Store;

  beforeAll(async () => {
    pool = db.pool();
    await migrate(pool);
    store = createStore(pool);
  });

  const count = async (table: string, key: string): Promise<number> =>
    (await pool.query(`SELECT count(*)::int AS n FROM ${table} WHERE key = $1`, [key])).rows[0].n;

  describe('artifacts', () => {
    test('writing the same key again replaces the row instead of adding one', async () => {
      const taskId = newTask();
      const input = { key: `${taskId}/analysis/1/log`, taskId, stage: 'analysis', attempt: 1, kind: 'log' };
      const first = await store.putArtifact({ ...input, content: 'first try' });
      const second = await store.putArtifact({ ...input, content: 'second try, longer' });

      expect(second.id).toBe(first.id);
      expect(second).toEqual({ id: first.id, kind: 'log', size: 18, preview: 'second try, longer', truncated: false });
      expect(await count('artifacts', input.key)).toBe(1);
      expect(await store.artifactText(first.id)).toBe('second try, longer');
    });

    test('a 5 MB log round-trips and its preview is at most 4 KB with head and tail', async () => {
      const taskId = newTask();
      const line = (i: number) => `line ${i}: ünïcödé ✓ output of the test command\n`;
      const lines: string[] = [];
      for (let i = 0, size = 0; size < 5 * 1024 * 1024; i++) {
        lines.push(line(i));
        size += Buffer.byteLength(line(i));
      }
      const text = `HEAD-MARKER\n${lines.join('')}TAIL-MARKER`;
      const bytes = Buffer.byteLength(text);

      const ref = await store.putArtifact({
        key: `${taskId}/test`,
        taskId,
        stage: 'testing',
        attempt: 1,
        kind: 'test-log',
        content: text,
      });
      expect(ref.size).toBe(bytes);
      expect(ref.truncated).toBe(true);
      expect(Buffer.byteLength(ref.preview)).toBeLessThanOrEqual(PREVIEW_MAX_BYTES);
      expect(ref.preview.startsWith('HEAD-MARKER\nline 0: ')).toBe(true);
      expect(ref.preview.endsWith(`${lines.at(-1)}TAIL-MARKER`)).toBe(true);
      const omitted = Number(/\[(\d+) bytes omitted\]/.exec(ref.preview)?.[1]);
      const marker = `\n… [${omitted} bytes omitted] …\n`;
      expect(Buffer.byteLength(ref.preview) - Buffer.byteLength(marker) + omitted).toBe(bytes);
      expect(ref.preview).not.toContain('\uFFFD'); // cuts fall between characters

      expect(await store.artifactText(ref.id)).toBe(text);
      const stored = await store.getArtifact(ref.id);
      expect(stored?.content.equals(Buffer.from(text))).toBe(true);
      expect(stored).toMatchObject({ taskId, stage: 'testing', attempt: 1, kind: 'test-log', size: bytes });
      expect(stored?.contentType).toMatch(/^text\/plain/);
      const [listed] = await store.listArtifacts({ taskId });
      expect(listed.text).toBe(text);
    });

    test('binary content is stored byte for byte with a note as preview', async () => {
      const taskId = newTask();
      const content = Buffer.from([0, 1, 2, 255, 0, 0x80, 10]);
      const ref = await store.putArtifact({
        key: `${taskId}/bin`,
        taskId,
        stage: 'testing',
        attempt: 1,
        kind: 'core',
        content,
      });
      expect(ref.preview).toBe('[binary content, 7 bytes, application/octet-stream]');
      expect(ref.truncated).toBe(true);
      expect((await store.getArtifact(ref.id))?.content.equals(content)).toBe(true);
      const [listed] = await store.listArtifacts({ taskId });
      expect(listed.text).toBeUndefined();
      expect(listed.contentType).toBe('application/octet-stream');
    });

    test('text with NUL bytes and JSON content types are previewed as text', async () => {
      const taskId = newTask();
      const ref = await store.putArtifact({
        key: `${taskId}/nul`,
        taskId,
        stage: 'testing',
        attempt: 1,
        kind: 'log',
        content: 'a\0b',
      });
      expect(ref.preview).toBe('a?b');
      expect(await store.artifactText(ref.id)).toBe('a\0b');
      const json = await store.putArtifact({
        key: `${taskId}/json`,
        taskId,
        stage: 'analysis',
        attempt: 1,
        kind: 'report',
        content: Buffer.from('{"ok":true}'),
        contentType: 'application/json',
      });
      expect(json).toMatchObject({ preview: '{"ok":true}', truncated: false });
      expect((await store.listArtifacts({ taskId, kind: 'report' }))[0].text).toBe('{"ok":true}');
    });

    test('listing filters by stage, kind and attempt, oldest first', async () => {
      const taskId = newTask();
      const put = (stage: string, attempt: number, kind: string) =>
        store.putArtifact({
          key: `${taskId}/${stage}/${attempt}/${kind}`,
          taskId,
          stage,
          attempt,
          kind,
          content: `${stage} ${attempt} ${kind}`,
        });
      await put('analysis', 1, 'analysis');
      await put('development', 1, 'transcript');
      await put('testing', 1, 'test-log');
      await put('development', 2, 'transcript');
      await put('testing', 2, 'test-log');
      await store.putArtifact({
        key: `${newTask()}/other`,
        taskId: `${taskId}-other`,
        stage: 'analysis',
        attempt: 1,
        kind: 'analysis',
        content: 'x',
      });

      const texts = async (filter: Parameters<Store['listArtifacts']>[0]) =>
        (await store.listArtifacts(filter)).map((a) => a.text);
      expect(await texts({ taskId })).toEqual([
        'analysis 1 analysis',
        'development 1 transcript',
        'testing 1 test-log',
        'development 2 transcript',
        'testing 2 test-log',
      ]);
      expect(await texts({ taskId, stage: 'testing' })).toEqual(['testing 1 test-log', 'testing 2 test-log']);
      expect(await texts({ taskId, kind: 'transcript', attempt: 2 })).toEqual(['development 2 transcript']);
      expect(await store.listArtifacts({ taskId: 'no-such-task' })).toEqual([]);
      expect(await store.getArtifact(987654321)).toBeUndefined();
      expect(await store.artifactText(987654321)).toBeUndefined();
    });

    test('bad input is rejected with what and where', async () => {
      await expect(
        store.putArtifact({ key: '', taskId: 't', stage: 's', attempt: 1, kind: 'k', content: 'x' }),
      ).rejects.toThrow('artifact: key must be a non-empty string, got ""');
      await expect(
        store.putArtifact({ key: 'k1', taskId: 't', stage: 's', attempt: -1, kind: 'k', content: 'x' }),
      ).rejects.toThrow('artifact: attempt must be a non-negative integer, got -1');
    });
  });

  describe('usage and cost', () => {
    test('a retried activity leaves one usage row; taskCost sums the task', async () => {
      const taskId = newTask();
      const run = {
        taskId,
        stage: 'development',
        attempt: 1,
        provider: 'claude',
        model: 'm',
        inputTokens: 1000,
        outputTokens: 200,
      };
      await store.recordUsage({ ...run, key: `${taskId}/dev/1`, costUsd: 0.1 });
      await store.recordUsage({ ...run, key: `${taskId}/dev/1`, costUsd: 0.1 }); // the retry
      await store.recordUsage({ ...run, key: `${taskId}/dev/2`, attempt: 2, costUsd: 0.2 });

      expect(await count('usage', `${taskId}/dev/1`)).toBe(1);
      expect(await store.taskCost(taskId)).toBe(0.3);
      expect(await store.taskCost('no-such-task')).toBe(0);
    });

    test('usage input is validated', async () => {
      const base = { key: 'u1', taskId: 't', stage: 's', attempt: 1, provider: 'p' };
      await expect(store.recordUsage({ ...base, costUsd: -1 })).rejects.toThrow(
        'usage u1: costUsd must be a non-negative number, got -1',
      );
      await expect(store.recordUsage({ ...base, costUsd: NaN })).rejects.toThrow(
        /costUsd must be a non-negative number/,
      );
      await expect(store.recordUsage({ ...base, costUsd: 1, inputTokens: 1.5 })).rejects.toThrow(
        'usage u1: inputTokens must be a non-negative integer, got 1.5',
      );
    });

    test('the cost report groups by task, provider or UTC day since a date', async () => {
      // Dates in the future keep rows other tests write "now" out of the `since` window.
      const [a, b] = [newTask(), newTask()];
      const at = (iso: string) => new Date(iso);
      const usage = [
        {
          key: `${a}/1`,
          taskId: a,
          provider: 'claude',
          costUsd: 1.5,
          inputTokens: 100,
          outputTokens: 10,
          at: at('2031-03-01T23:30:00Z'),
        },
        { key: `${a}/2`, taskId: a, provider: 'codex', costUsd: 0.25, inputTokens: 50, at: at('2031-03-02T00:30:00Z') },
        { key: `${b}/1`, taskId: b, provider: 'claude', costUsd: 2, outputTokens: 7, at: at('2031-03-02T12:00:00Z') },
        { key: `${b}/0`, taskId: b, provider: 'claude', costUsd: 100, at: at('2030-12-31T12:00:00Z') },
        { key: `${b}/job`, taskId: b, provider: 'gpu', jobId: 'job-7', costUsd: 0.5, at: at('2031-03-03T00:00:00Z') },
      ];
      for (const u of usage) await store.recordUsage({ stage: 'development', attempt: 1, ...u });
      const since = at('2031-01-01T00:00:00Z');

      expect(await store.costReport({ since, by: 'task' })).toEqual([
        { group: b, runs: 2, inputTokens: 0, outputTokens: 7, costUsd: 2.5 },
        { group: a, runs: 2, inputTokens: 150, outputTokens: 10, costUsd: 1.75 },
      ]);
      expect(await store.costReport({ since, by: 'provider' })).toEqual([
        { group: 'claude', runs: 2, inputTokens: 100, outputTokens: 17, costUsd: 3.5 },
        { group: 'gpu', runs: 1, inputTokens: 0, outputTokens: 0, costUsd: 0.5 },
        { group: 'codex', runs: 1, inputTokens: 50, outputTokens: 0, costUsd: 0.25 },
      ]);
      expect(await store.costReport({ since, by: 'day' })).toEqual([
        { group: '2031-03-01', runs: 1, inputTokens: 100, outputTokens: 10, costUsd: 1.5 },
        { group: '2031-03-02', runs: 2, inputTokens: 50, outputTokens: 7, costUsd: 2.25 },
        { group: '2031-03-03', runs: 1, inputTokens: 0, outputTokens: 0, costUsd: 0.5 },
      ]);
      // Only delegated jobs, each named with its provider and task.
      expect(await store.costReport({ since, by: 'job' })).toEqual([
        { group: `job-7 (gpu, task ${b})`, runs: 1, inputTokens: 0, outputTokens: 0, costUsd: 0.5 },
      ]);
      const allDays = await store.costReport({ by: 'day' });
      expect(allDays.find((r) => r.group === '2030-12-31')?.costUsd).toBe(100);
      await expect(store.costReport({ by: 'week' as never })).rejects.toThrow(
        /by must be task, provider, day or job, got "week"/,
      );
    });
  });

  test('events are recorded once per key and listed oldest first', async () => {
    const taskId = newTask();
    const answer = {
      key: `${taskId}/answer/1`,
      taskId,
      kind: 'answer',
      actor: 'alice',
      payload: { text: 'use the v2 API', n: [1, 2] },
    };
    expect(await store.recordEvent(answer)).toBe(true);
    expect(await store.recordEvent({ ...answer, payload: { text: 'changed' } })).toBe(false);
    expect(
      await store.recordEvent({
        key: `${taskId}/transition/1`,
        taskId,
        kind: 'transition',
        payload: 'analysis→development',
        at: new Date(Date.now() + 60_000),
      }),
    ).toBe(true);
    expect(await store.recordEvent({ key: `${taskId}/cancel`, taskId: `${taskId}-other`, kind: 'cancel' })).toBe(true);

    const events = await store.listEvents(taskId);
    expect(events.map((e) => [e.kind, e.actor, e.payload])).toEqual([
      ['answer', 'alice', { text: 'use the v2 API', n: [1, 2] }],
      ['transition', null, 'analysis→development'],
    ]);
    expect(events[0].at).toBeInstanceOf(Date);
  });

  test('text with NUL characters (agent output, answers) is stored without them, not refused', async () => {
    const taskId = newTask();
    await store.recordEvent({
      key: `${taskId}/nul`,
      taskId,
      kind: 'answer',
      actor: 'a\u0000b',
      payload: { text: 'x\u0000y' },
    });
    expect((await store.listEvents(taskId)).map((e) => [e.actor, e.payload])).toEqual([['ab', { text: 'xy' }]]);
    await store.setCooldown(`p-${taskId}`, 'acct', new Date('2031-01-01T00:00:00Z'), 'limit\u0000reached');
    expect((await store.listAccounts(`p-${taskId}`))[0].lastError).toBe('limitreached');
  });

  test('account cooldowns are set, replaced, cleared and listed per provider', async () => {
    const provider = `p-${newTask()}`;
    const until = new Date('2031-01-01T00:00:00Z');
    await store.setCooldown(provider, 'work', until, 'rate limited (429)');
    await store.setCooldown(provider, 'personal', until, 'quota');
    await store.setCooldown(provider, 'work', new Date('2031-01-02T00:00:00Z'), 'rate limited again');
    await store.setCooldown(`${provider}-other`, 'work', until, 'x');

    let accounts = await store.listAccounts(provider);
    expect(accounts.map((a) => [a.name, a.cooldownUntil?.toISOString(), a.lastError])).toEqual([
      ['personal', '2031-01-01T00:00:00.000Z', 'quota'],
      ['work', '2031-01-02T00:00:00.000Z', 'rate limited again'],
    ]);
    await store.clearCooldown(provider, 'work');
    accounts = await store.listAccounts(provider);
    expect(accounts.find((a) => a.name === 'work')).toMatchObject({
      cooldownUntil: null,
      lastError: 'rate limited again',
    });
    expect(await store.listAccounts('nobody')).toEqual([]);
  });

  test('a worker pool and a CLI pool work at the same time', async () => {
    const taskId = newTask();
    const worker = createStore(db.pool());
    const cli = createStore(db.pool());
    const body = (i: number) => `${i}:`.padEnd(1024 * 1024, String.fromCharCode(97 + (i % 26)));
    const writes = Array.from({ length: 8 }, (_, i) =>
      worker.putArtifact({
        key: `${taskId}/${i}`,
        taskId,
        stage: 'testing',
        attempt: i,
        kind: 'log',
        content: body(i),
      }),
    );
    const reads = Array.from({ length: 20 }, async (_, i) => {
      const listed = await cli.listArtifacts({ taskId, attempt: i % 8 });
      await cli.recordUsage({
        key: `${taskId}/u${i}`,
        taskId,
        stage: 'testing',
        attempt: i,
        provider: 'p',
        costUsd: 0.01,
      });
      return listed.every((a) => a.text === body(a.attempt));
    });
    const [refs, consistent] = await Promise.all([Promise.all(writes), Promise.all(reads)]);
    expect(consistent.every(Boolean)).toBe(true);
    expect(refs.map((r) => r.size)).toEqual(Array(8).fill(1024 * 1024));
    const all = (await cli.listArtifacts({ taskId })).sort((x, y) => x.attempt - y.attempt);
    expect(all.map((a) => a.text)).toEqual(Array.from({ length: 8 }, (_, i) => body(i)));
    expect(await worker.taskCost(taskId)).toBe(0.2);
  });

  test('SQL errors are not mistaken for an unreachable store', async () => {
    const err = await pool.query('SELECT * FROM no_such_table').catch((e: unknown) => e);
    expect((err as { code?: string }).code).toBe('42P01');
    expect(isStoreUnavailable(err)).toBe(false);
  });
});
