// The CodeMirror 6 setup of one cell: Python (highlighting, indentation,
// bracket matching), undo history, search, and the notebook's keys.

import { defaultKeymap, history, historyKeymap, indentWithTab } from '@codemirror/commands';
import { python } from '@codemirror/lang-python';
import { bracketMatching, defaultHighlightStyle, indentOnInput, syntaxHighlighting } from '@codemirror/language';
import { highlightSelectionMatches, search, searchKeymap } from '@codemirror/search';
import { Compartment, EditorState, Prec, type Extension } from '@codemirror/state';
import {
  drawSelection, dropCursor, EditorView, highlightActiveLine, highlightSpecialChars, keymap, lineNumbers,
} from '@codemirror/view';

/**
 * What the editor needs and no more (codemirror's `basicSetup` brings
 * autocompletion, linting and folding too, about a third of the bundle).
 */
const setup: Extension = [
  lineNumbers(),
  highlightSpecialChars(),
  history(),
  drawSelection(),
  dropCursor(),
  EditorState.allowMultipleSelections.of(true),
  indentOnInput(),
  syntaxHighlighting(defaultHighlightStyle, { fallback: true }),
  bracketMatching(),
  highlightActiveLine(),
  highlightSelectionMatches(),
  search({ top: true }),
  keymap.of([...defaultKeymap, ...historyKeymap, ...searchKeymap, indentWithTab]),
];

export interface EditorKeys {
  run: () => void;
  runAndNext: () => void;
  moveUp: () => void;
  moveDown: () => void;
  escape: () => void;
}

const language = new Compartment();

export function createEditor(
  parent: HTMLElement,
  doc: string,
  asPython: boolean,
  keys: EditorKeys,
  onChange: () => void,
): EditorView {
  const bind = (f: () => void) => () => {
    f();
    return true;
  };
  const extensions: Extension[] = [
    Prec.highest(
      keymap.of([
        { key: 'Shift-Enter', run: bind(keys.run) },
        { key: 'Mod-Enter', run: bind(keys.run) },
        { key: 'Alt-Enter', run: bind(keys.runAndNext) },
        { key: 'Mod-Shift-ArrowUp', run: bind(keys.moveUp) },
        { key: 'Mod-Shift-ArrowDown', run: bind(keys.moveDown) },
        { key: 'Escape', run: bind(keys.escape) },
      ]),
    ),
    setup,
    language.of(asPython ? python() : []),
    EditorView.lineWrapping,
    EditorView.updateListener.of((u) => {
      if (u.docChanged) onChange();
    }),
  ];
  return new EditorView({ parent, state: EditorState.create({ doc, extensions }) });
}

/**
 * Builds and drops one editor off screen: the first editor of a page pays
 * for CodeMirror's one-time work (its style sheets, the Python grammar's
 * first parse, facet set-up), tens of milliseconds. Called while the page
 * waits for the notebook, so the cells on screen do not wait for it.
 */
export function prewarm(): void {
  const box = document.createElement('div');
  box.style.cssText = 'position:absolute;left:-10000px;top:0;width:600px;visibility:hidden';
  document.body.append(box);
  const noop = () => undefined;
  const keys = { run: noop, runAndNext: noop, moveUp: noop, moveDown: noop, escape: noop };
  const view = createEditor(box, 'x = f(1, "a")  # warm\n', true, keys, noop);
  view.destroy();
  box.remove();
}

/** Replaces the whole document (a change from the server, not an undoable edit of the person's). */
export function setDoc(view: EditorView, doc: string, asPython: boolean): void {
  view.dispatch({
    changes: { from: 0, to: view.state.doc.length, insert: doc },
    effects: language.reconfigure(asPython ? python() : []),
  });
}
