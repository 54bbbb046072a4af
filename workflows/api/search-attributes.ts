/**
 * Search-attribute keys (registered by the dev-server launcher, worker/dev-server.ts).
 * Imported by workflow code: no Node built-ins, no I/O.
 */
import { defineSearchAttributeKey, SearchAttributeType } from '@temporalio/common';

export const SA_STATE = defineSearchAttributeKey('SwitchyardState', SearchAttributeType.KEYWORD);
export const SA_STAGE = defineSearchAttributeKey('SwitchyardStage', SearchAttributeType.KEYWORD);
export const SA_REPO = defineSearchAttributeKey('SwitchyardRepo', SearchAttributeType.KEYWORD);
export const SA_PROVIDER = defineSearchAttributeKey('SwitchyardProvider', SearchAttributeType.KEYWORD);
export const SA_COST_USD = defineSearchAttributeKey('SwitchyardCostUsd', SearchAttributeType.DOUBLE);
/** The task's title, set at submit: the Web UI's list has no summary column, but it shows search attributes. */
export const SA_TITLE = defineSearchAttributeKey('SwitchyardTitle', SearchAttributeType.TEXT);

/** Name → type as `temporal server start-dev --search-attribute NAME=TYPE` expects it. */
export const SEARCH_ATTRIBUTES: Record<string, 'Keyword' | 'Double' | 'Text'> = {
  SwitchyardState: 'Keyword',
  SwitchyardStage: 'Keyword',
  SwitchyardRepo: 'Keyword',
  SwitchyardProvider: 'Keyword',
  SwitchyardCostUsd: 'Double',
  SwitchyardTitle: 'Text',
};
