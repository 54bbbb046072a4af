/** The agent CLI adapters by config kind (the interface they implement is adapter.ts). */
import type { AgentCliKind } from '../config-schema.js';
import type { AgentAdapter } from './adapter.js';
import { aiderAdapter } from './aider.js';
import { claudeAdapter } from './claude.js';
import { codexAdapter } from './codex.js';
import { geminiAdapter } from './gemini.js';

export const ADAPTERS: Record<AgentCliKind, AgentAdapter> = {
  'claude-code': claudeAdapter,
  codex: codexAdapter,
  gemini: geminiAdapter,
  aider: aiderAdapter,
};
