// The document an HTML output is shown in: a sandboxed iframe's srcdoc
// (`sandbox="allow-scripts"`, never `allow-same-origin`), so the output has
// an opaque origin: it cannot read the editor's DOM, cookie or socket.
// The one script the editor puts in it reports the document's height to
// the parent, which sizes the frame. Under the editor's CSP (which a srcdoc
// document inherits) that script runs by its hash: vite.config.ts writes
// the hash to dist/csp.json for the server's Content-Security-Policy.

export const SIZER_SCRIPT =
  "(function(){var d=document.documentElement,last=-1;function s(){var h=Math.ceil(d.scrollHeight);" +
  "if(h!==last){last=h;parent.postMessage({weirFrameHeight:h},'*');}}" +
  "if(window.ResizeObserver){new ResizeObserver(s).observe(d);}addEventListener('load',s);s();})();";

const HEAD =
  '<!doctype html><html><head><meta charset="utf-8">' +
  '<style>html,body{margin:0;padding:0;background:transparent;font:14px/1.4 system-ui,sans-serif;overflow:hidden}</style>' +
  `<script>${SIZER_SCRIPT}</script></head><body>`;

/**
 * The srcdoc for an output's HTML. The sizer comes first, so whatever the
 * output's markup does (unclosed tags, a stray `</html>`), it has run.
 */
export function frameDocument(html: string): string {
  return `${HEAD}${html}`;
}

/** Frames are never taller than this (a runaway output cannot push the page away). */
export const MAX_FRAME_HEIGHT = 4000;
