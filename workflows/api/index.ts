/**
 * The contract between workflows, activities, the worker and the client, by kind. Every floor may
 * import it; it imports nothing above workflows/.
 */
export * from './errors.js';
export * from './ids.js';
export * from './messages.js';
export * from './search-attributes.js';
export * from './shapes.js';
export * from './status.js';
