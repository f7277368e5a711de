import { defaultKeymap, history, historyKeymap, indentWithTab } from '@codemirror/commands';
import { json, jsonParseLinter } from '@codemirror/lang-json';
import { bracketMatching, defaultHighlightStyle, ensureSyntaxTree, foldGutter, HighlightStyle, indentOnInput, syntaxHighlighting, syntaxTree } from '@codemirror/language';
import { linter, lintGutter, type Diagnostic } from '@codemirror/lint';
import { unifiedMergeView } from '@codemirror/merge';
import { EditorState, type Extension } from '@codemirror/state';
import { EditorView, highlightActiveLine, highlightActiveLineGutter, keymap, lineNumbers } from '@codemirror/view';
import { tags } from '@lezer/highlight';
import { useEffect, useRef } from 'preact/hooks';

type SyntaxNode = ReturnType<typeof syntaxTree>['topNode'];

/**
 * The JSON editors of the routing and access pages (CodeMirror 6): highlighting, bracket
 * matching, folding, undo, and problems shown on the line they are about — JSON syntax at once,
 * the server's validation (the same as on save) after a pause in typing.
 */

/**
 * The page's CSP nonce (static-assets.ts puts a fresh one in each answer): CodeMirror puts its
 * styles in a <style> element, which the policy admits only with it. Browsers hide a nonce from
 * getAttribute, not from the property.
 */
function cspNonce(): string {
  return document.querySelector<HTMLMetaElement>('meta[property="csp-nonce"]')?.nonce ?? '';
}

/** Keys apart from values: the default style leaves JSON property names plain. */
const jsonStyle = HighlightStyle.define([
  { tag: tags.propertyName, color: '#2f58c4' },
  { tag: [tags.bool, tags.null], color: '#8a3ffc' },
]);

function base(): Extension[] {
  return [
    EditorView.cspNonce.of(cspNonce()),
    lineNumbers(),
    foldGutter(),
    highlightActiveLineGutter(),
    highlightActiveLine(),
    history(),
    indentOnInput(),
    bracketMatching(),
    json(),
    syntaxHighlighting(jsonStyle),
    syntaxHighlighting(defaultHighlightStyle),
    keymap.of([...defaultKeymap, ...historyKeymap, indentWithTab]),
    EditorView.theme({ '&': { fontSize: '12px', border: '1px solid #c4cad6', borderRadius: '6px', background: '#fff' }, '.cm-scroller': { fontFamily: 'ui-monospace, Menlo, monospace', maxHeight: '60vh', overflow: 'auto' }, '&.cm-focused': { outline: '2px solid #3b68d9' } }),
  ];
}

interface CodeEditorProps {
  /** The text to show; a new `generation` replaces what was typed by it. */
  text: string;
  generation: number;
  onChange: (text: string) => void;
  /** Problems of a parsed document, each `path: message` as the admin API words them. */
  validate: (document: unknown) => Promise<string[]>;
  testId: string;
}

export function CodeEditor({ text, generation, onChange, validate, testId }: CodeEditorProps) {
  const host = useRef<HTMLDivElement>(null);
  const view = useRef<EditorView | undefined>(undefined);
  // The editor is made once: callbacks are read through refs so that it always calls the current ones.
  const callbacks = useRef({ onChange, validate });
  callbacks.current = { onChange, validate };

  useEffect(() => {
    const problems = linter(
      async (v) => {
        const syntax = jsonParseLinter()(v);
        if (syntax.length) return syntax;
        const doc = v.state.doc.toString();
        let value: unknown;
        try {
          value = JSON.parse(doc);
        } catch {
          return [];
        }
        try {
          return (await callbacks.current.validate(value)).map((p) => diagnosticFor(v.state, p));
        } catch {
          // Validation unavailable (network, session): the buttons report it; the editor stays quiet.
          return [];
        }
      },
      { delay: 700 },
    );
    view.current = new EditorView({
      parent: host.current!,
      state: EditorState.create({
        doc: text,
        extensions: [base(), problems, lintGutter(), EditorView.updateListener.of((u) => u.docChanged && callbacks.current.onChange(u.state.doc.toString())), EditorView.contentAttributes.of({ 'aria-label': `${testId} JSON` })],
      }),
    });
    return () => view.current?.destroy();
  }, []);

  useEffect(() => {
    const v = view.current;
    if (v && v.state.doc.toString() !== text) v.dispatch({ changes: { from: 0, to: v.state.doc.length, insert: text } });
  }, [generation]);

  return <div class="code-editor" data-testid={testId} ref={host} />;
}

/** The saved document against the edited one, read-only: what a save would change. */
export function DiffView({ original, edited, testId }: { original: string; edited: string; testId: string }) {
  const host = useRef<HTMLDivElement>(null);
  useEffect(() => {
    const v = new EditorView({
      parent: host.current!,
      state: EditorState.create({
        doc: edited,
        extensions: [base(), EditorState.readOnly.of(true), EditorView.editable.of(false), unifiedMergeView({ original, mergeControls: false, highlightChanges: true, gutter: true })],
      }),
    });
    return () => v.destroy();
  }, [original, edited]);
  return <div class="code-editor diff" data-testid={testId} ref={host} />;
}

// ---------------------------------------------------------------- problems on their lines

/** A problem `a.b[2].c: message` (the API's wording) placed on the part of the document it names. */
export function diagnosticFor(state: EditorState, problem: string): Diagnostic {
  const colon = problem.indexOf(': ');
  const path = colon > 0 ? parsePath(problem.slice(0, colon)) : [];
  const range = rangeOf(state, path);
  return { from: range.from, to: range.to, severity: 'error', message: problem, source: 'validation' };
}

/** `change.routing.routingGroups.local.targets.0` or `rules.tables[2].privileges[0]` to its keys. */
export function parsePath(path: string): string[] {
  if (path === '(root)') return [];
  const keys = path.split(/\.|\[(\d+)\]/).filter((k): k is string => k !== undefined && k !== '');
  // Prefixes of the request body, not of the document being edited.
  if (keys[0] === 'change') keys.shift();
  if (keys[0] === 'routing' || keys[0] === 'rules') keys.shift();
  return keys;
}

const VALUES = new Set(['Object', 'Array', 'String', 'Number', 'True', 'False', 'Null']);

function childValues(node: SyntaxNode): SyntaxNode[] {
  const out: SyntaxNode[] = [];
  for (let child = node.firstChild; child; child = child.nextSibling) if (VALUES.has(child.name)) out.push(child);
  return out;
}

/** The deepest part of the document the path reaches: a scalar value whole, else the key or bracket that opens it. */
function rangeOf(state: EditorState, path: string[]): { from: number; to: number } {
  const tree = ensureSyntaxTree(state, state.doc.length, 500) ?? syntaxTree(state);
  let node: SyntaxNode | null = tree.topNode.firstChild;
  if (!node) return { from: 0, to: Math.min(1, state.doc.length) };
  let mark = { from: node.from, to: node.from + 1 };
  for (const key of path) {
    let next: SyntaxNode | undefined;
    if (node.name === 'Object') {
      for (let property = node.firstChild; property; property = property.nextSibling) {
        if (property.name !== 'Property') continue;
        const name = property.getChild('PropertyName');
        if (!name || unquote(state.sliceDoc(name.from, name.to)) !== key) continue;
        mark = { from: name.from, to: name.to };
        next = childValues(property)[0];
        break;
      }
    } else if (node.name === 'Array') {
      next = childValues(node)[Number(key)];
      if (next) mark = { from: next.from, to: next.from + 1 };
    }
    if (!next) break;
    node = next;
    if (!['Object', 'Array'].includes(node.name)) mark = { from: node.from, to: node.to };
  }
  return mark;
}

function unquote(text: string): string {
  try {
    return JSON.parse(text) as string;
  } catch {
    return text;
  }
}
