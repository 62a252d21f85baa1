// The page editor: CodeMirror 6 with Python highlighting and Tab indenting.
// Bundled once into judge/serve/static/vendor/editor.js (see README.md beside this file),
// so the pages load nothing from a CDN.  Exposes one global, JudgeEditor.create.
import { EditorView, basicSetup } from "codemirror";
import { keymap } from "@codemirror/view";
import { indentWithTab } from "@codemirror/commands";
import { indentUnit } from "@codemirror/language";
import { python } from "@codemirror/lang-python";

/** Build an editor in `parent` holding `doc`; `onChange(text)` runs after every edit. */
export function create(parent, doc, onChange) {
  return new EditorView({
    doc,
    parent,
    extensions: [
      basicSetup,
      // Tab indents instead of leaving the editor: students write Python here.
      keymap.of([indentWithTab]),
      indentUnit.of("    "),
      python(),
      EditorView.updateListener.of((update) => {
        if (update.docChanged) onChange(update.state.doc.toString());
      }),
    ],
  });
}

/** The editor's whole text. */
export function text(view) {
  return view.state.doc.toString();
}

/** Replace the editor's whole text. */
export function setText(view, doc) {
  view.dispatch({ changes: { from: 0, to: view.state.doc.length, insert: doc } });
}
