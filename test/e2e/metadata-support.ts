import type { Engine, EngineHealth, EnginePage, EngineSubmission, EngineSubmitted, PollOptions, GatewayResult } from '../../lambdas/core/ports/index.js';
import { QueryFailure } from '../../lambdas/core/errors.js';
import { answerMetadata, type MetadataDeps } from '../../lambdas/core/metadata/answer.js';
import { parseType } from '../../lambdas/core/protocol/sql-types.js';

/**
 * Puts `answerMetadata` in front of an engine, for end-to-end tests through the local server
 * before the gateway calls the hook itself in postStatement: a metadata statement is answered
 * here with the hook's result, anything else goes to the engine. Once the gateway is wired, the
 * gateway answers first and this wrapper only ever sees the other statements.
 */
export class MetadataFrontEngine implements Engine {
  private readonly answers = new Map<string, { result?: GatewayResult; failure?: QueryFailure }>();
  private counter = 0;
  /** Statements this wrapper answered (to tell the wired gateway apart in tests). */
  readonly answered: string[] = [];

  constructor(
    private readonly inner: Engine,
    private readonly deps: MetadataDeps,
  ) {}

  async submit(submission: EngineSubmission): Promise<EngineSubmitted> {
    let result: GatewayResult | undefined;
    let failure: QueryFailure | undefined;
    try {
      result = await answerMetadata(submission.sql, submission.session, { user: submission.session.user, groups: [], method: 'header' }, this.deps);
    } catch (error) {
      if (!(error instanceof QueryFailure)) throw error;
      failure = error;
    }
    if (!result && !failure) return this.inner.submit(submission);
    this.answered.push(submission.sql);
    const handle = `metadata-${++this.counter}`;
    this.answers.set(handle, { ...(result ? { result } : {}), ...(failure ? { failure } : {}) });
    return { handle, state: 'QUEUED' };
  }

  async poll(handle: string, cursor: string | undefined, options: PollOptions): Promise<EnginePage> {
    const answer = this.answers.get(handle);
    if (!answer) return this.inner.poll(handle, cursor, options);
    if (answer.failure) return { state: 'FAILED', error: answer.failure.error };
    const result = answer.result!;
    return { state: 'FINISHED', columns: result.columns.map((c) => ({ name: c.name, type: parseType(c.type) })), rows: JSON.parse('[' + (result.rows ?? []).join(',') + ']') as unknown[][] };
  }

  async cancel(handle: string): Promise<void> {
    if (!this.answers.delete(handle)) await this.inner.cancel(handle);
  }

  health(): Promise<EngineHealth> {
    return this.inner.health();
  }
}
