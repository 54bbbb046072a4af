/** The areas `switchyard doctor --check` can pick: a module of its own so `--help` lists them without loading the checks. */
export const CHECK_AREAS = ['temporal', 'store', 'repos', 'tests', 'staging', 'agents', 'delegation'] as const;
export type CheckArea = (typeof CHECK_AREAS)[number];
