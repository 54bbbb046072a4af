/**
 * `switchyard setup` through the built CLI: in a namespace made for this test on the harness's dev server
 * it registers every search attribute, migrates a fresh PostgreSQL database, and a second run changes
 * nothing; `doctor` then finds the attributes there.
 */
import { execa } from 'execa';
import { Connection } from '@temporalio/client';
import { msToTs } from '@temporalio/common/lib/time.js';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { checkTemporal } from '../../client/doctor.js';
import { CLI } from '../helpers/e2e.js';
import { TEST_PG_URL } from '../helpers/databases.js';
import { temporalAddress } from '../helpers/temporal.js';

const namespace = `setup-test-${Date.now().toString(36)}`;
const database = `switchyard_setup_${Date.now().toString(36)}`;
let databaseUrl: string;

async function admin<T>(fn: (c: pg.Client) => Promise<T>): Promise<T> {
  const c = new pg.Client({ connectionString: TEST_PG_URL });
  await c.connect();
  try {
    return await fn(c);
  } finally {
    await c.end();
  }
}

beforeAll(async () => {
  const connection = await Connection.connect({ address: temporalAddress() });
  try {
    await connection.workflowService.registerNamespace({
      namespace,
      workflowExecutionRetentionPeriod: msToTs('1 day'),
    });
    // A new namespace reaches every service's cache within seconds.
    for (let i = 0; ; i++) {
      try {
        await connection.operatorService.listSearchAttributes({ namespace });
        break;
      } catch (err) {
        if (i > 60) throw err;
        await new Promise((r) => setTimeout(r, 500));
      }
    }
  } finally {
    await connection.close();
  }
  await admin((c) => c.query(`CREATE DATABASE ${database}`));
  databaseUrl = TEST_PG_URL.replace(/\/[^/]*$/, `/${database}`);
}, 60_000);

afterAll(async () => {
  await admin((c) => c.query(`DROP DATABASE IF EXISTS ${database}`)).catch(() => undefined);
});

const setup = () =>
  execa('node', [CLI, 'setup', '--namespace', namespace], {
    reject: false,
    env: { TEMPORAL_ADDRESS: temporalAddress(), DATABASE_URL: databaseUrl },
  });

describe('switchyard setup', () => {
  it('registers the search attributes and migrates the store, then changes nothing on a second run', async () => {
    const before = await checkTemporal(temporalAddress(), namespace);
    expect(before.at(-1)).toMatchObject({
      status: 'fail',
      detail: expect.stringMatching(/^search attributes not registered: /),
    });
    expect(before.at(-1)?.fix).toContain(
      `temporal operator search-attribute create --namespace ${namespace} --name SwitchyardState --type Keyword`,
    );

    const first = await setup();
    expect(first.exitCode, first.stderr).toBe(0);
    expect(first.stdout).toContain(
      `search attributes: registered SwitchyardState, SwitchyardStage, SwitchyardRepo, SwitchyardProvider, SwitchyardCostUsd in namespace ${namespace}`,
    );
    expect(first.stdout).toContain('store: applied 001_initial.sql, 002_usage_job.sql');

    const second = await setup();
    expect(second.exitCode, second.stderr).toBe(0);
    expect(second.stdout).toContain(`search attributes: all 5 already registered in namespace ${namespace}`);
    expect(second.stdout).toContain('store: migrations up to date');

    const after = await checkTemporal(temporalAddress(), namespace);
    expect(after.map((c) => c.status)).toEqual(['pass', 'pass']);
  });

  it('says what is wrong when Temporal cannot be reached, exit 1', async () => {
    const r = await execa('node', [CLI, 'setup'], { reject: false, env: { TEMPORAL_ADDRESS: '127.0.0.1:1' } });
    expect(r.exitCode).toBe(1);
    expect(r.stderr).toMatch(/^setup: cannot reach Temporal at 127\.0\.0\.1:1: /);
  });
});
