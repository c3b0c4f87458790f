// The two DOM builders the views share.

/** An element with an optional class and `data-testid` (the test hooks
 * frontend/README.md lists). */
export function el<K extends keyof HTMLElementTagNameMap>(tag: K, cls = '', testid = ''): HTMLElementTagNameMap[K] {
  const e = document.createElement(tag);
  if (cls) e.className = cls;
  if (testid) e.dataset.testid = testid;
  return e;
}

/** A button; `icon` buttons show a glyph, so their title is also their
 * accessible name. */
export function button(
  label: string,
  title: string,
  testid: string,
  onClick: () => void,
  icon = false,
): HTMLButtonElement {
  const b = el('button', icon ? 'icon' : '', testid);
  b.type = 'button';
  b.textContent = label;
  b.title = title;
  if (icon) b.setAttribute('aria-label', title);
  b.addEventListener('click', onClick);
  return b;
}
