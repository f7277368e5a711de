import type { Authenticator } from '../ports/index.js';
import { BASIC_CHALLENGE, type AuthMethod } from './chain.js';
import { requestedUser } from './credentials.js';

/**
 * Takes the client's word for who it is, as Trino's insecure authentication does: the user of a
 * Basic header sent without a password, or else the X-Trino-User / X-Presto-User header. Only for
 * the local mode or where a config enables it by name; never a deployed default.
 */
export function headerMethod(): AuthMethod {
  return {
    type: 'header',
    challenges: [BASIC_CHALLENGE],
    async attempt(request, presented) {
      if (presented.kind === 'basic') {
        // A password here would be taken and ignored: refuse it (the chain says why) rather than
        // let a client believe it was checked.
        if (presented.password !== undefined) return { kind: 'absent' };
        return { kind: 'accepted', principal: { user: presented.user, groups: [], method: 'header' } };
      }
      if (presented.kind !== 'none') return { kind: 'absent' };
      const user = requestedUser(request);
      if (user === undefined) return { kind: 'absent' };
      return { kind: 'accepted', principal: { user, groups: [], method: 'header' } };
    },
  };
}

/** An Authenticator that trusts the user header: only for local mode, tests and benchmarks. */
export const headerAuthenticator: Authenticator = {
  trustsUserHeader: true,
  async authenticate(request) {
    const user = request.headers['x-trino-user']?.[0] ?? request.headers['x-presto-user']?.[0];
    if (!user) return { ok: false, status: 400, message: 'User must be set' };
    return { ok: true, principal: { user, groups: [], method: 'header' } };
  },
};
