// Markdown to sanitised HTML for the editor's own DOM (markdown cells and
// `text/markdown` outputs): marked renders, DOMPurify keeps only inert
// markup (no scripts, handlers, forms, frames or styles), and the page's
// CSP blocks inline script besides. Links open in a new tab so a click
// never navigates the editor away from unsaved work.

import DOMPurify from 'dompurify';
import { marked } from 'marked';
import { mathExtension } from './math';

let hooked = false;

export function renderMarkdown(text: string): string {
  if (!hooked) {
    hooked = true;
    marked.use(mathExtension());
    DOMPurify.addHook('afterSanitizeAttributes', (node) => {
      if (node.tagName === 'A') {
        node.setAttribute('target', '_blank');
        node.setAttribute('rel', 'noopener noreferrer');
      }
    });
  }
  const html = marked.parse(text, { async: false, gfm: true }) as string;
  return DOMPurify.sanitize(html, {
    FORBID_TAGS: ['style', 'form', 'input', 'button', 'textarea', 'select', 'iframe', 'object', 'embed', 'link', 'meta', 'base'],
    FORBID_ATTR: ['style'],
  });
}
