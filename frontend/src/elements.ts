// Interactive elements (`weir.ui`), rendered natively in the page from
// the `application/vnd.weir.ui+json` MIME type. Unlike HTML outputs they
// are not sandboxed frames: their bundle is data ({id, kind, label, props,
// value}), every string of it reaches the DOM as text or an attribute
// value set through the DOM API, never as markup.
//
// A person's change is sent as `set_ui_value`; a dragged slider sends at
// most one value per THROTTLE_MS and always its last one (docs/editor-protocol.md).

import { renderMatplotlib } from './elements-figure';
import { renderAltairChart } from './elements-chart';
import { renderComposite } from './elements-composite';
import { renderFile, renderMatrix, renderRefresh } from './elements-more';

export const UI_MIME = 'application/vnd.weir.ui+json';
export const THROTTLE_MS = 50;

export interface ElementData {
  readonly id: string;
  readonly kind: string;
  readonly label: string;
  readonly props: Readonly<Record<string, unknown>>;
  readonly value: unknown;
}

export interface ElementContext {
  /** Send a value the person set. */
  send(elementId: string, value: unknown): void;
  /** Values set since the element was made (element id → value). */
  readonly values: Readonly<Record<string, unknown>>;
}

/** The bundle's element data, or null when it is not well formed. */
export function parseElement(data: unknown): ElementData | null {
  if (typeof data !== 'object' || data === null || Array.isArray(data)) return null;
  const d = data as Record<string, unknown>;
  if (typeof d.id !== 'string' || !d.id || typeof d.kind !== 'string') return null;
  const props = typeof d.props === 'object' && d.props !== null && !Array.isArray(d.props) ? (d.props as Record<string, unknown>) : {};
  return { id: d.id, kind: d.kind, label: typeof d.label === 'string' ? d.label : '', props, value: d.value };
}

/**
 * `fn` at most once per `ms`, the first call at once and the last one
 * always (after the wait, or at once on `flush`). `now` and `schedule`
 * are injectable for tests.
 */
export function throttleLatest<T>(
  fn: (value: T) => void,
  ms: number,
  now: () => number = () => Date.now(),
  schedule: (f: () => void, ms: number) => unknown = (f, d) => setTimeout(f, d),
): { call(value: T): void; flush(): void } {
  let last = -Infinity;
  let pending: { value: T } | null = null;
  let timer = false;
  const fire = () => {
    timer = false;
    if (!pending) return;
    const { value } = pending;
    pending = null;
    last = now();
    fn(value);
  };
  return {
    call(value: T) {
      pending = { value };
      const wait = last + ms - now();
      if (wait <= 0) fire();
      else if (!timer) {
        timer = true;
        schedule(fire, wait);
      }
    },
    flush() {
      fire();
    },
  };
}

/**
 * Where elements send values when their renderer was given no context
 * (an element inside another output, e.g. a layout's child): set once by
 * the controller.
 */
let defaultSend: ((elementId: string, value: unknown) => void) | null = null;

export function setDefaultSender(send: (elementId: string, value: unknown) => void): void {
  defaultSend = send;
}

function fallbackContext(): ElementContext | null {
  const send = defaultSend;
  return send ? { send, values: {} } : null;
}

/** Live elements on the page, so values set elsewhere (another tab) show. */
const live = new Map<string, { root: HTMLElement; show: (value: unknown) => void }>();

/** Shows values set on elements (from `ui_value` events), except on a
 * control the person is using now. */
export function syncValues(values: Readonly<Record<string, unknown>>): void {
  for (const [id, entry] of live) {
    if (!entry.root.isConnected) live.delete(id); // its cell ran again or went
    else if (id in values) entry.show(values[id]);
  }
}

function text(tag: string, cls: string, content: string): HTMLElement {
  const e = document.createElement(tag);
  e.className = cls;
  e.textContent = content;
  return e;
}

function num(v: unknown, fallback: number): number {
  return typeof v === 'number' && Number.isFinite(v) ? v : fallback;
}

function options(props: Readonly<Record<string, unknown>>): string[] {
  return Array.isArray(props.options) ? props.options.filter((o): o is string => typeof o === 'string') : [];
}

/** The control for one element; `disabled` renders it static (export, read-only). */
export function renderElement(data: ElementData, given: ElementContext | null): HTMLElement {
  const ctx = given ?? fallbackContext();
  const root = document.createElement('div');
  root.className = `ui-element ui-${data.kind}`;
  root.dataset.testid = 'ui-element';
  root.dataset.kind = data.kind;
  root.dataset.elementId = data.id;
  const label = document.createElement('label');
  label.className = 'ui-label';
  if (data.label) label.append(text('span', 'ui-label-text', data.label));
  root.append(label);
  const value = data.id in (ctx?.values ?? {}) ? ctx!.values[data.id] : data.value;
  const send = (v: unknown) => ctx?.send(data.id, v);
  const p = data.props;
  const disabled = !ctx || p.disabled === true;
  let busy = false;
  let show: (v: unknown) => void = () => {};
  const input = (type: string): HTMLInputElement => {
    const i = document.createElement('input');
    i.type = type;
    i.disabled = disabled;
    i.addEventListener('focus', () => (busy = true));
    i.addEventListener('blur', () => (busy = false));
    label.append(i);
    return i;
  };
  switch (data.kind) {
    case 'slider':
    case 'number': {
      const slider = data.kind === 'slider';
      const i = input(slider ? 'range' : 'number');
      const steps = Array.isArray(p.steps) ? (p.steps as unknown[]).filter((s): s is number => typeof s === 'number') : null;
      if (steps && steps.length) {
        // Explicit steps: the control moves over their indices.
        i.min = '0';
        i.max = String(steps.length - 1);
        i.step = '1';
      } else {
        if (p.start != null) i.min = String(num(p.start, 0));
        if (p.stop != null) i.max = String(num(p.stop, 100));
        i.step = p.step != null ? String(num(p.step, 1)) : slider ? 'any' : 'any';
      }
      const readout = text('span', 'ui-value', '');
      readout.dataset.testid = 'ui-value';
      label.append(readout);
      const toValue = (): number | null => {
        if (!slider && i.value === '') return null;
        const n = Number(i.value);
        return steps && steps.length ? steps[Math.round(n)] ?? steps[0] : n;
      };
      show = (v) => {
        if (steps && steps.length) i.value = String(Math.max(0, steps.indexOf(v as number)));
        else i.value = v == null ? '' : String(v);
        readout.textContent = v == null ? '' : String(v);
      };
      const throttled = throttleLatest(send, THROTTLE_MS);
      i.addEventListener('input', () => {
        const v = toValue();
        readout.textContent = v == null ? '' : String(v);
        if (slider) throttled.call(v);
      });
      i.addEventListener('change', () => {
        if (slider) {
          throttled.call(toValue());
          throttled.flush();
        } else send(toValue());
      });
      // A drag ends with pointerup even where `change` is late.
      i.addEventListener('pointerdown', () => (busy = true));
      i.addEventListener('pointerup', () => (busy = false));
      break;
    }
    case 'range_slider': {
      const lo = input('range');
      const hi = input('range');
      for (const i of [lo, hi]) {
        i.min = String(num(p.start, 0));
        i.max = String(num(p.stop, 100));
        i.step = p.step != null ? String(num(p.step, 1)) : 'any';
      }
      const readout = text('span', 'ui-value', '');
      readout.dataset.testid = 'ui-value';
      label.append(readout);
      show = (v) => {
        if (Array.isArray(v) && v.length === 2) {
          lo.value = String(v[0]);
          hi.value = String(v[1]);
          readout.textContent = `${v[0]} – ${v[1]}`;
        }
      };
      const throttled = throttleLatest(send, THROTTLE_MS);
      const current = () => {
        const a = Number(lo.value);
        const b = Number(hi.value);
        return [Math.min(a, b), Math.max(a, b)];
      };
      for (const i of [lo, hi]) {
        i.addEventListener('input', () => {
          readout.textContent = current().join(' – ');
          throttled.call(current());
        });
        i.addEventListener('change', () => {
          throttled.call(current());
          throttled.flush();
        });
      }
      break;
    }
    case 'text':
    case 'date': {
      const kind = typeof p.kind === 'string' && ['text', 'password', 'email', 'url'].includes(p.kind) ? p.kind : 'text';
      const i = input(data.kind === 'date' ? 'date' : kind);
      if (typeof p.placeholder === 'string') i.placeholder = p.placeholder;
      if (typeof p.max_length === 'number') i.maxLength = p.max_length;
      if (data.kind === 'date') {
        if (typeof p.start === 'string') i.min = p.start;
        if (typeof p.stop === 'string') i.max = p.stop;
      }
      show = (v) => (i.value = typeof v === 'string' ? v : '');
      i.addEventListener('change', () => send(i.value));
      break;
    }
    case 'text_area':
    case 'code_editor': {
      const t = document.createElement('textarea');
      if (data.kind === 'code_editor') {
        t.className = 'ui-code';
        t.spellcheck = false;
        if (typeof p.language === 'string') t.dataset.language = p.language;
      }
      t.disabled = disabled;
      if (typeof p.placeholder === 'string') t.placeholder = p.placeholder;
      if (typeof p.rows === 'number') t.rows = p.rows;
      if (typeof p.max_length === 'number') t.maxLength = p.max_length;
      t.addEventListener('focus', () => (busy = true));
      t.addEventListener('blur', () => (busy = false));
      label.append(t);
      show = (v) => (t.value = typeof v === 'string' ? v : '');
      t.addEventListener('change', () => send(t.value));
      break;
    }
    case 'datetime': {
      const i = input('datetime-local');
      i.step = p.precision === 'second' ? '1' : p.precision === 'hour' ? '3600' : '60';
      if (typeof p.start === 'string') i.min = p.start;
      if (typeof p.stop === 'string') i.max = p.stop;
      show = (v) => (i.value = typeof v === 'string' ? v : '');
      i.addEventListener('change', () => i.value && send(i.value));
      break;
    }
    case 'refresh':
      renderRefresh(data, value, ctx ? send : null, label, root);
      break;
    case 'file':
      renderFile(data, value, ctx ? send : null, label);
      break;
    case 'matrix':
      renderMatrix(data, value, ctx ? send : null, label);
      break;
    case 'matplotlib':
      renderMatplotlib(data, ctx ? send : null, root);
      break;
    case 'altair_chart':
      // The label is the chart's title (as marimo shows it), not repeated.
      label.replaceChildren();
      renderAltairChart(data, value, ctx ? send : null, root);
      break;
    case 'checkbox':
    case 'switch': {
      const i = input('checkbox');
      if (data.kind === 'switch') i.setAttribute('role', 'switch');
      show = (v) => (i.checked = v === true);
      i.addEventListener('change', () => send(i.checked));
      break;
    }
    case 'dropdown':
    case 'multiselect': {
      const s = document.createElement('select');
      s.disabled = disabled;
      const multi = data.kind === 'multiselect';
      s.multiple = multi;
      if (!multi && p.allow_select_none !== false) {
        const none = document.createElement('option');
        none.value = '';
        none.textContent = '--';
        s.append(none);
      }
      const keys = options(p);
      for (const key of keys) {
        const o = document.createElement('option');
        o.value = key;
        o.textContent = key;
        s.append(o);
      }
      label.append(s);
      show = (v) => {
        const chosen = Array.isArray(v) ? v : [];
        for (const o of s.options) o.selected = o.value !== '' ? chosen.includes(o.value) : chosen.length === 0;
      };
      s.addEventListener('change', () => {
        const chosen = [...s.selectedOptions].map((o) => o.value).filter((v) => v !== '');
        send(multi ? chosen : chosen.slice(0, 1));
      });
      break;
    }
    case 'radio': {
      const group = document.createElement('span');
      group.className = p.inline === true ? 'ui-radio inline' : 'ui-radio';
      const name = `weir-radio-${data.id}`;
      const buttons: HTMLInputElement[] = [];
      for (const key of options(p)) {
        const l = document.createElement('label');
        const r = document.createElement('input');
        r.type = 'radio';
        r.name = name;
        r.value = key;
        r.disabled = disabled;
        r.addEventListener('change', () => r.checked && send(key));
        buttons.push(r);
        l.append(r, ` ${key}`);
        group.append(l);
      }
      label.append(group);
      show = (v) => buttons.forEach((r) => (r.checked = r.value === v));
      break;
    }
    case 'button':
    case 'run_button': {
      const b = document.createElement('button');
      b.type = 'button';
      b.className = `ui-button kind-${typeof p.kind === 'string' ? p.kind : 'neutral'}`;
      b.disabled = disabled;
      b.textContent = data.label || (data.kind === 'run_button' ? 'click to run' : 'click here');
      if (typeof p.tooltip === 'string') b.title = p.tooltip;
      label.replaceChildren(b);
      let clicks = typeof value === 'number' ? value : 0;
      show = (v) => {
        if (typeof v === 'number') clicks = v;
      };
      b.addEventListener('click', () => send(++clicks));
      break;
    }
    default:
      if (!renderComposite(data, value, disabled ? null : ctx, root, renderElement)) {
        label.append(text('span', 'ui-unknown', `(${data.kind} element: value ${JSON.stringify(value)})`));
      }
  }
  show(value);
  live.set(data.id, {
    root,
    show: (v) => {
      if (!busy) show(v);
    },
  });
  return root;
}
