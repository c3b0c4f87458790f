// The server is ours, but a page that trusts every byte is one bug away
// from a blank screen: each event is checked for the fields the reducer
// reads before it is folded in. A malformed one is reported and the page
// asks for a fresh snapshot (replaying it from `since` would bring the
// same bytes again).

type Check = 'number' | 'string' | 'boolean' | 'array' | 'object' | 'number?' | 'string?' | 'object?' | 'boolean?' | 'array?';

const FIELDS: Record<string, Record<string, Check>> = {
  cell_inserted: { index: 'number', cell: 'object' },
  cell_deleted: { id: 'number' },
  cell_moved: { id: 'number', index: 'number' },
  cell_code: { id: 'number', code: 'string', version: 'number?' },
  cell_renamed: { id: 'number', name: 'string' },
  cell_options: { id: 'number', hide_code: 'boolean', disabled: 'boolean', persist: 'boolean?' },
  stale: { ids: 'array' },
  graph: { cells: 'array' },
  change_refused: { message: 'string' },
  mode_changed: { mode: 'string' },
  queued: { ids: 'array' },
  dequeued: { id: 'number', status: 'string' },
  started: { id: 'number' },
  stream: { id: 'number', stream: 'string', text: 'string', hash: 'string?' },
  console: { stream: 'string', text: 'string', hash: 'string?' },
  output: { id: 'number', action: 'string', output: 'object?', at: 'number?' },
  finished: { id: 'number', status: 'string', outputs: 'array', error: 'object?', variables: 'array?' },
  skipped: { id: 'number', status: 'string', reason: 'string', about: 'number?' },
  worker_died: { message: 'string' },
  ui_value: { id: 'number', element_id: 'string' },
  ui_value_refused: { element_id: 'string', message: 'string' },
};

const CELL_FIELDS: Record<string, Check> = {
  id: 'number', name: 'string', code: 'string', hide_code: 'boolean', disabled: 'boolean',
};

function fits(value: unknown, check: Check): boolean {
  const optional = check.endsWith('?');
  if (optional && (value === undefined || value === null)) return true;
  const base = optional ? check.slice(0, -1) : check;
  if (base === 'array') return Array.isArray(value);
  if (base === 'object') return typeof value === 'object' && value !== null && !Array.isArray(value);
  return typeof value === base;
}

function checkFields(obj: Record<string, unknown>, fields: Record<string, Check>, what: string): string | null {
  for (const [name, check] of Object.entries(fields)) {
    if (!fits(obj[name], check)) return `${what}: field "${name}" should be ${check.replace('?', ' (or null)')}`;
  }
  return null;
}

/** What is wrong with an event, or null when the reducer can fold it. */
export function checkEvent(ev: unknown): string | null {
  if (typeof ev !== 'object' || ev === null) return 'an event that is not an object';
  const e = ev as Record<string, unknown>;
  if (typeof e.type !== 'string') return 'an event without a type';
  if (typeof e.seq !== 'number' && e.type !== 'resync') return `a ${e.type} event without a seq`;
  const fields = FIELDS[e.type];
  if (!fields) return null; // unknown kinds are skipped, so newer servers work with older pages
  const problem = checkFields(e, fields, `a ${e.type} event`);
  if (problem) return problem;
  if (e.type === 'cell_inserted') return checkFields(e.cell as Record<string, unknown>, CELL_FIELDS, 'a cell_inserted event\'s cell');
  if (e.type === 'finished' && !(e.outputs as unknown[]).every((o) => fits(o, 'object'))) return 'a finished event: an output is not an object';
  return null;
}

/** What is wrong with a snapshot, or null. */
export function checkSnapshot(s: Record<string, unknown>): string | null {
  const problem = checkFields(s, { seq: 'number', cells: 'array', mode: 'string' }, 'a snapshot');
  if (problem) return problem;
  for (const [i, c] of (s.cells as unknown[]).entries()) {
    if (!fits(c, 'object')) return `a snapshot: cell ${i} is not an object`;
    const p = checkFields(c as Record<string, unknown>, { ...CELL_FIELDS, status: 'string' }, `a snapshot's cell ${i}`);
    if (p) return p;
  }
  return null;
}
