export { createPool, type PoolOptions } from './pool.js';
export { migrate, readMigrations, MIGRATIONS_DIR, type MigrateOptions, type MigrationFile } from './migrate.js';
export { isStoreUnavailable, withStoreRetry, type StoreRetryOptions } from './retry.js';
export { PREVIEW_MAX_BYTES, textPreview } from './preview.js';
export * from './store.js';
