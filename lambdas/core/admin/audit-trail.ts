import { historyQuery } from '../tracking/history.js';
import type { Handler } from './context.js';
import { json, queryNumber, queryText } from './responses.js';

/** GET /audit: the trail of changes, newest first, by actor and action (a prefix), paged. */
export const listAudit: Handler = async (ctx, request) => {
  const range = historyQuery({ from: queryNumber(request, 'from'), to: queryNumber(request, 'to'), limit: queryNumber(request, 'limit'), cursor: queryText(request, 'cursor') }, ctx.now());
  const actor = queryText(request, 'actor');
  const action = queryText(request, 'action');
  return json(200, await ctx.deps.audit.list({ ...range, ...(actor ? { actor } : {}), ...(action ? { action } : {}) }));
};
