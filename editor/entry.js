// Sparkplug's code editor: CodeMirror 6 behind a tiny API the Rust app calls.
// esbuild bundles this file into one ES module (dist/editor/editor.js), imported on first Edit.

import { EditorState, Compartment, Transaction } from "@codemirror/state";
import {
  EditorView, keymap, lineNumbers, highlightActiveLine, highlightActiveLineGutter,
  drawSelection, highlightSpecialChars,
} from "@codemirror/view";
import { defaultKeymap, history, historyKeymap, indentWithTab } from "@codemirror/commands";
import {
  syntaxHighlighting, HighlightStyle, bracketMatching, indentOnInput, foldGutter, foldKeymap,
} from "@codemirror/language";
import { search, searchKeymap, highlightSelectionMatches } from "@codemirror/search";
import { closeBrackets, closeBracketsKeymap } from "@codemirror/autocomplete";
import { tags as t } from "@lezer/highlight";
import { html } from "@codemirror/lang-html";
import { css } from "@codemirror/lang-css";
import { javascript } from "@codemirror/lang-javascript";
import { python } from "@codemirror/lang-python";

// The app's CSP (style-src 'self') blocks the <style> tags CodeMirror would add to the
// document, so the editor lives in a shadow root, where its styles are constructed
// stylesheets; the app's CSS variables still inherit into it. Colours match style/answer.css.
const tokens = (c) => HighlightStyle.define([
  { tag: [t.keyword, t.controlKeyword, t.moduleKeyword, t.operatorKeyword], color: c.kw },
  { tag: [t.string, t.special(t.string), t.regexp], color: c.str },
  { tag: [t.number, t.bool, t.null, t.atom, t.attributeName, t.propertyName], color: c.num },
  { tag: [t.comment, t.lineComment, t.blockComment], color: c.com, fontStyle: "italic" },
  { tag: [t.typeName, t.className], color: c.ty },
  { tag: [t.tagName, t.angleBracket], color: c.tag },
  { tag: [t.function(t.variableName), t.function(t.propertyName), t.meta, t.documentMeta], color: c.fn },
], { themeType: c.type });
const lightTokens = tokens({
  type: "light", kw: "#b31d28", str: "#0a3069", num: "#0550ae", com: "#57606a",
  ty: "#953800", tag: "#116329", fn: "#6639ba",
});
const darkTokens = tokens({
  type: "dark", kw: "#ff7b72", str: "#a5d6ff", num: "#79c0ff", com: "#8b949e",
  ty: "#ffa657", tag: "#7ee787", fn: "#d2a8ff",
});

const look = {
  "&": { color: "var(--text)", backgroundColor: "var(--code-bg)", maxHeight: "70vh" },
  "&.cm-focused": { outline: "3px solid var(--accent)", outlineOffset: "-3px" },
  ".cm-scroller": { fontFamily: "var(--mono)", fontSize: "13px", lineHeight: "1.45" },
  ".cm-gutters": { backgroundColor: "transparent", color: "var(--muted)", borderRight: "1px solid var(--border)" },
  ".cm-activeLine, .cm-activeLineGutter": { backgroundColor: "color-mix(in srgb, currentColor 4%, transparent)" },
  ".cm-cursor": { borderLeftColor: "var(--text)" },
  ".cm-panels": { backgroundColor: "var(--panel)", color: "var(--text)", borderColor: "var(--border)" },
  ".cm-panels input, .cm-panels button": { font: "inherit", color: "inherit" },
  "&.cm-focused .cm-matchingBracket": { outline: "1px solid var(--muted)", backgroundColor: "transparent" },
  "& :focus-visible": { outline: "3px solid var(--accent)" },
};

function language(lang) {
  switch ((lang || "").toLowerCase()) {
    case "html": case "htm": return html();
    case "css": return css();
    case "js": case "javascript": case "mjs": return javascript();
    case "ts": case "typescript": return javascript({ typescript: true });
    case "jsx": return javascript({ jsx: true });
    case "py": case "python": return python();
    default: return [];
  }
}

const prefersDark = matchMedia("(prefers-color-scheme: dark)");

// The page's theme: the one picked with the app's toggle (`data-theme` on <html>), else the
// system's.
function pageIsDark() {
  const picked = document.documentElement.dataset.theme;
  return picked === "dark" || (picked !== "light" && prefersDark.matches);
}

// Text typed over a selection is inserted here rather than by the browser: Chromium's own
// editing keeps the deleted text's colour as a `style` attribute on the new text, which the
// app's CSP (style-src 'self') blocks and reports. Compositions (IME) stay native.
const typeOverSelection = EditorView.domEventHandlers({
  beforeinput(event, view) {
    if (event.inputType !== "insertText" || !event.data || view.composing) return false;
    if (view.state.selection.ranges.every((range) => range.empty)) return false;
    event.preventDefault();
    view.dispatch(view.state.replaceSelection(event.data), {
      scrollIntoView: true,
      userEvent: "input.type",
    });
    return true;
  },
});

// The look above, with CodeMirror's light or dark base (selection, panels, tooltips).
function theme(dark) {
  return EditorView.theme(look, { dark: !!dark });
}

// Creates an editor in a shadow root of `parent`; the page's theme is followed unless `dark`
// is given.
export function createEditor(parent, options) {
  const opts = options || {};
  const shadow = parent.shadowRoot || parent.attachShadow({ mode: "open" });
  const themeSlot = new Compartment();
  let onRun = null;
  const runKeys = keymap.of([{
    key: "Mod-Enter",
    run: () => { if (onRun) onRun(); return true; },
  }]);
  const view = new EditorView({
    parent: shadow,
    state: EditorState.create({
      doc: opts.doc || "",
      extensions: [
        runKeys, typeOverSelection,
        lineNumbers(), highlightActiveLineGutter(), highlightSpecialChars(), history(),
        foldGutter(), drawSelection(), indentOnInput(), bracketMatching(), closeBrackets(),
        highlightActiveLine(), highlightSelectionMatches(), search({ top: true }),
        syntaxHighlighting(lightTokens), syntaxHighlighting(darkTokens),
        keymap.of([
          ...closeBracketsKeymap, ...defaultKeymap, ...searchKeymap, ...historyKeymap,
          ...foldKeymap, indentWithTab,
        ]),
        language(opts.lang),
        themeSlot.of(theme(opts.dark ?? pageIsDark())),
        // An explicit tabindex tells audits (axe: scrollable-region-focusable) what the
        // browser already does: the scrolling editor is reachable by keyboard.
        EditorView.contentAttributes.of({ "aria-label": "Code editor", tabindex: "0" }),
      ],
    }),
  });
  const api = {
    getValue: () => view.state.doc.toString(),
    // Streamed text goes at the end, outside the undo history (so undo takes back only the
    // user's edits), and the selection is kept as it was: old positions are still valid
    // after an insertion at the end, and a cursor there must not ride along.
    appendText: (text) => {
      if (!text) return;
      const { doc, selection } = view.state;
      view.dispatch({
        changes: { from: doc.length, insert: text },
        selection,
        annotations: Transaction.addToHistory.of(false),
      });
    },
    setDark: (dark) => view.dispatch({ effects: themeSlot.reconfigure(theme(dark)) }),
    onRunShortcut: (callback) => { onRun = callback; },
    focus: () => view.focus(),
    destroy: () => {
      if (opts.dark === undefined) {
        prefersDark.removeEventListener("change", follow);
        picked.disconnect();
      }
      view.destroy();
    },
  };
  const follow = () => api.setDark(pageIsDark());
  const picked = new MutationObserver(follow);
  if (opts.dark === undefined) {
    prefersDark.addEventListener("change", follow);
    picked.observe(document.documentElement, { attributes: true, attributeFilter: ["data-theme"] });
  }
  // The end-to-end tests read the whole text here: CodeMirror draws only the visible lines.
  parent.sparkplugEditor = api;
  return api;
}
