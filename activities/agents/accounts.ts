/**
 * The account pool of a provider: separate seats or keys the operator is entitled to use. A quota
 * rejection cools the account down until its reset (kept in the store, so every worker knows);
 * the next run takes the first account, in config order, that is not cooling down.
 */
import type { AccountConfig } from '../config-schema.js';
import type { Store } from '../store/index.js';

/** A provider without `accounts:` runs on the worker's own login or key, as one implicit account. */
export const DEFAULT_ACCOUNT: AccountConfig = { name: 'default', env: {} };

export type AccountChoice =
  | { kind: 'account'; account: AccountConfig }
  | { kind: 'all-cooling'; resetAt: number; accounts: { name: string; until: number; lastError?: string }[] };

/** Pure: which account to use, given the cooldowns the store knows. */
export function chooseAccount(
  accounts: readonly AccountConfig[],
  cooldowns: ReadonlyMap<string, { until: number; lastError?: string }>,
  now: number,
): AccountChoice {
  const pool = accounts.length ? accounts : [DEFAULT_ACCOUNT];
  const free = pool.find((a) => (cooldowns.get(a.name)?.until ?? 0) <= now);
  if (free) return { kind: 'account', account: free };
  const cooling = pool.map((a) => ({ name: a.name, ...cooldowns.get(a.name)! }));
  return { kind: 'all-cooling', resetAt: Math.min(...cooling.map((c) => c.until)), accounts: cooling };
}

export async function cooldownsOf(
  store: Store,
  provider: string,
): Promise<Map<string, { until: number; lastError?: string }>> {
  const rows = await store.listAccounts(provider);
  return new Map(
    rows
      .filter((r) => r.cooldownUntil)
      .map((r) => [r.name, { until: new Date(r.cooldownUntil!).getTime(), lastError: r.lastError ?? undefined }]),
  );
}

/** Without a reset time a quota still cools the account, for a while. */
export const DEFAULT_COOLDOWN_MS = 60 * 60 * 1000;
/** A reset further away than this is taken as a parse error, not a plan. */
export const MAX_COOLDOWN_MS = 8 * 24 * 60 * 60 * 1000;

export function cooldownUntil(resetAt: number | undefined, now: number): number {
  if (resetAt === undefined || !Number.isFinite(resetAt) || resetAt <= now) return now + DEFAULT_COOLDOWN_MS;
  return Math.min(resetAt, now + MAX_COOLDOWN_MS);
}
