import { useEffect, useState } from 'preact/hooks';
import { ApiError, type Me, type Validation } from './api.js';
import { CodeEditor, DiffView } from './editor.js';
import { Problem, useLoad } from './views.js';

/**
 * The routing and access pages: the run-time document in a code editor, problems shown inline as
 * one types, a diff against the saved version before anything is saved, and a way back to the
 * config file's version. Every change goes through the admin API, which validates it whole and
 * records it in the audit log.
 */
export interface RulesEditorProps {
  name: string;
  title: string;
  load: () => Promise<{ version: number; document: unknown; overridden: boolean }>;
  validate: (document: unknown) => Promise<Validation>;
  save: (document: unknown, version: number) => Promise<unknown>;
  /** Back to the config file's version (DELETE on the resource). */
  revert: (version: number) => Promise<unknown>;
  me: Me;
}

const pretty = (value: unknown) => JSON.stringify(value, null, 2);

export function RulesEditor({ name, title, load, validate, save, revert, me }: RulesEditorProps) {
  const loaded = useLoad(load);
  const saved = loaded.data ? pretty(loaded.data.document) : '';
  const [text, setText] = useState('');
  // Bumped when the editor's text is replaced from outside (a load, a discard).
  const [generation, setGeneration] = useState(0);
  const [problem, setProblem] = useState<ApiError>();
  const [message, setMessage] = useState('');
  const [review, setReview] = useState<string>();
  const [confirmRevert, setConfirmRevert] = useState(false);

  useEffect(() => {
    if (!loaded.data) return;
    setText(saved);
    setGeneration((g) => g + 1);
    setReview(undefined);
  }, [loaded.data]);

  const parsed = (): unknown => {
    try {
      return JSON.parse(text);
    } catch (e) {
      throw new ApiError(0, `Not valid JSON: ${(e as Error).message}`);
    }
  };
  const run = (action: () => Promise<string>) =>
    action()
      .then((m) => {
        setProblem(undefined);
        setMessage(m);
      })
      .catch((e: unknown) => {
        setMessage('');
        setProblem(e instanceof ApiError ? e : new ApiError(0, String(e)));
      });
  const check = async (document: unknown) => {
    const result = await validate(document);
    if (!result.ok) throw new ApiError(422, 'The change is not valid', result.problems);
  };
  const edited = text !== saved;

  const actions = {
    validate: () =>
      run(async () => {
        await check(parsed());
        return 'Valid';
      }),
    review: () =>
      run(async () => {
        const document = parsed();
        if (pretty(document) === saved) return 'No changes to save';
        await check(document);
        setReview(pretty(document));
        return '';
      }),
    save: () =>
      run(async () => {
        await save(JSON.parse(review!), loaded.data!.version);
        setReview(undefined);
        loaded.reload();
        return 'Saved';
      }),
    discard: () => {
      setText(saved);
      setGeneration((g) => g + 1);
      setProblem(undefined);
      setMessage('');
    },
    revert: () =>
      run(async () => {
        setConfirmRevert(false);
        await revert(loaded.data!.version);
        loaded.reload();
        return "Back to the config file's version";
      }),
  };

  return (
    <section class="wide">
      <h2>{title}</h2>
      <Problem error={loaded.error} />
      <p class="muted" data-testid={`${name}-status`}>
        Version {loaded.data?.version ?? '…'}; {loaded.data?.overridden ? 'changed at run time' : 'as in the config file'}
        {edited ? ' · edited, not saved' : ''}. Changes are validated as a whole and recorded in the audit log.
      </p>
      {review === undefined ? (
        <>
          <CodeEditor
            testId={`${name}-editor`}
            text={text}
            generation={generation}
            onChange={setText}
            validate={async (document) => {
              const result = await validate(document);
              return result.ok ? [] : result.problems;
            }}
          />
          <div class="actions">
            <button data-testid={`${name}-validate`} onClick={actions.validate}>
              Validate
            </button>
            {me.role === 'admin' && (
              <button data-testid={`${name}-save`} class="primary" onClick={actions.review}>
                Review and save…
              </button>
            )}
            <button data-testid={`${name}-discard`} disabled={!edited} onClick={actions.discard}>
              Discard edits
            </button>
            {me.role === 'admin' && loaded.data?.overridden && !confirmRevert && (
              <button data-testid={`${name}-revert`} onClick={() => setConfirmRevert(true)}>
                Revert to the file's version…
              </button>
            )}
            {confirmRevert && (
              <span class="confirm">
                Drop the run-time version and use the config file's?
                <button class="danger" data-testid={`${name}-revert-confirm`} onClick={actions.revert}>
                  Revert
                </button>
                <button onClick={() => setConfirmRevert(false)}>Keep</button>
              </span>
            )}
            {message && (
              <span class="ok-message" data-testid={`${name}-message`}>
                {message}
              </span>
            )}
          </div>
        </>
      ) : (
        <div data-testid={`${name}-review`}>
          <h3>Changes against the saved version {loaded.data?.version}</h3>
          <DiffView testId={`${name}-diff`} original={saved} edited={review} />
          <div class="actions">
            <button class="primary" data-testid={`${name}-confirm`} onClick={actions.save}>
              Save these changes
            </button>
            <button data-testid={`${name}-back`} onClick={() => setReview(undefined)}>
              Back to editing
            </button>
          </div>
        </div>
      )}
      <div data-testid={`${name}-problems`}>
        <Problem error={problem} />
      </div>
    </section>
  );
}
