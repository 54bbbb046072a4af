/**
 * docker-compose.yml for a team deployment, checked by Docker Compose itself (`docker compose config`, or
 * Debian's `docker-compose`; no Docker engine needed) and read back: a real Temporal server on its own
 * PostgreSQL with the schema set up by admin-tools (no auto-setup), the Web UI, a separate store
 * database, a one-shot `switchyard setup`, and the worker built from ./Dockerfile.
 */
import { execa } from 'execa';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { PROJECT_ROOT } from '../../activities/paths.js';
import { loadConfig } from '../../worker/config.js';

interface Service {
  image?: string;
  build?: unknown;
  command?: string[];
  depends_on?: Record<string, { condition: string }>;
  environment?: Record<string, string>;
}

async function composeConfig(): Promise<string> {
  for (const argv of [
    ['docker', 'compose', 'config'],
    ['docker-compose', 'config'],
  ]) {
    const r = await execa(argv[0], argv.slice(1), { cwd: PROJECT_ROOT, reject: false, env: { ANTHROPIC_API_KEY: '' } });
    if (r.exitCode === 0) return r.stdout;
    if (
      r.failed &&
      r.exitCode !== undefined &&
      !/unknown command|is not a docker command|ENOENT/.test(`${r.stderr}${r.message}`)
    )
      throw new Error(`${argv.join(' ')} refused docker-compose.yml:\n${r.stderr}`);
  }
  throw new Error(
    'neither `docker compose` nor `docker-compose` is installed (Debian: apt-get install docker-compose)',
  );
}

describe('docker-compose.yml', () => {
  it('is valid for Docker Compose and wires a real deployment', async () => {
    const services = (parse(await composeConfig()) as { services: Record<string, Service> }).services;
    expect(Object.keys(services).sort()).toEqual([
      'switchyard-db',
      'switchyard-setup',
      'switchyard-worker',
      'temporal',
      'temporal-postgresql',
      'temporal-schema',
      'temporal-ui',
    ]);
    expect(Object.values(services).map((s) => s.image ?? '')).not.toContainEqual(expect.stringContaining('auto-setup'));
    expect(services.temporal.image).toMatch(/^temporalio\/server:/);
    expect(services['temporal-schema'].image).toMatch(/^temporalio\/admin-tools:/);
    expect(services.temporal.depends_on?.['temporal-schema'].condition).toBe('service_completed_successfully');
    expect(services['temporal-ui'].image).toMatch(/^temporalio\/ui:2\.42/);
    // The store is its own database, and the worker starts once setup has finished.
    expect(services['switchyard-worker'].environment?.DATABASE_URL).toMatch(/@switchyard-db:5432\//);
    expect(services['switchyard-worker'].environment?.TEMPORAL_ADDRESS).toBe('temporal:7233');
    expect(services['switchyard-setup'].command).toEqual(['setup']);
    expect(services['switchyard-worker'].depends_on?.['switchyard-setup'].condition).toBe(
      'service_completed_successfully',
    );
    expect(services['switchyard-worker'].build).toBeDefined();
  });

  it('ships a worker config that Switchyard accepts, and a Dockerfile with git and the ssh client', () => {
    expect(() => loadConfig(join(PROJECT_ROOT, 'deploy', 'switchyard.config.yaml'))).not.toThrow();
    const dockerfile = readFileSync(join(PROJECT_ROOT, 'Dockerfile'), 'utf8');
    expect(dockerfile).toMatch(/^FROM node:20-slim/m);
    expect(dockerfile).toMatch(/apt-get install .*git openssh-client/);
    expect(dockerfile).toMatch(/^ENTRYPOINT \["node", "\/app\/bin\/switchyard.js"\]/m);
  });
});
