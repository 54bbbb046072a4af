/**
 * `switchyard setup` through the built CLI on the harness's dev server: it creates a namespace that does
 * not exist yet, registers every search attribute there, migrates a fresh PostgreSQL database, and a second
 * run changes nothing; `doctor` then finds the namespace and the attributes.
 */
import { execa } from 'execa';
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
  it('creates the namespace, registers the search attributes and migrates the store; a second run changes nothing', async () => {
    // A cluster as the server image starts it: no such namespace yet.
    const before = await checkTemporal({ address: temporalAddress(), namespace });
    expect(before.at(-1)).toMatchObject({ status: 'fail', detail: `namespace ${namespace} does not exist` });
    expect(before.at(-1)?.fix).toContain('`switchyard setup` creates it');

    const first = await setup();
    expect(first.exitCode, first.stderr).toBe(0);
    expect(first.stdout).toContain(`namespace: created ${namespace} (7 days of retention)`);
    expect(first.stdout).toContain(
      `search attributes: registered SwitchyardState, SwitchyardStage, SwitchyardRepo, SwitchyardProvider, SwitchyardCostUsd, SwitchyardTitle in namespace ${namespace}`,
    );
    expect(first.stdout).toContain('store: applied 001_initial.sql, 002_usage_job.sql');

    const second = await setup();
    expect(second.exitCode, second.stderr).toBe(0);
    expect(second.stdout).not.toContain('namespace: created');
    expect(second.stdout).toContain(`search attributes: all 6 already registered in namespace ${namespace}`);
    expect(second.stdout).toContain('store: migrations up to date');

    const after = await checkTemporal({ address: temporalAddress(), namespace });
    expect(after.map((c) => c.status)).toEqual(['pass', 'pass']);
  });

  it('says what is wrong when Temporal cannot be reached, exit 1', async () => {
    const r = await execa('node', [CLI, 'setup'], { reject: false, env: { TEMPORAL_ADDRESS: '127.0.0.1:1' } });
    expect(r.exitCode).toBe(1);
    expect(r.stderr).toMatch(/^setup: cannot reach Temporal at 127\.0\.0\.1:1 \(namespace default\): /);
  });
});
