// Progress indicators (`application/vnd.weir.progress+json`: `weir.status`,
// marimo's `mo.status`), drawn by the page itself: a bar when the total
// is known, else a spinner, with its words, rate and time left. The worker
// redraws one in place (`replace_at`) as it advances, so this only draws
// a state; every string reaches the DOM as text.

export const PROGRESS_MIME = 'application/vnd.weir.progress+json';

export interface ProgressState {
  title: string | null;
  subtitle: string | null;
  current: number;
  total: number | null;
  rate: number | null;
  eta: number | null;
  done: boolean;
}

const num = (v: unknown): number | null => (typeof v === 'number' && Number.isFinite(v) ? v : null);
const str = (v: unknown): string | null => (typeof v === 'string' ? v : null);

/** The state an output carries, or null when it is not a progress state. */
export function parseProgress(data: unknown): ProgressState | null {
  if (!data || typeof data !== 'object' || Array.isArray(data)) return null;
  const d = data as Record<string, unknown>;
  const current = num(d.current);
  if (current === null) return null;
  return {
    title: str(d.title),
    subtitle: str(d.subtitle),
    current,
    total: num(d.total),
    rate: num(d.rate),
    eta: num(d.eta),
    done: d.done === true,
  };
}

function seconds(s: number): string {
  if (s < 60) return `${Math.round(s)}s`;
  const m = Math.floor(s / 60);
  return m < 60 ? `${m}m ${Math.round(s % 60)}s` : `${Math.floor(m / 60)}h ${m % 60}m`;
}

export function renderProgress(p: ProgressState): HTMLElement {
  const box = document.createElement('div');
  box.className = `progress${p.done ? ' done' : ''}`;
  box.dataset.testid = 'progress';
  box.dataset.done = String(p.done);
  const words = document.createElement('div');
  words.className = 'progress-words';
  if (p.title) {
    const t = document.createElement('strong');
    t.textContent = p.title;
    words.append(t);
  }
  if (p.subtitle) {
    const s = document.createElement('span');
    s.className = 'progress-subtitle';
    s.textContent = p.subtitle;
    words.append(s);
  }
  box.append(words);
  if (p.total !== null && p.total > 0) {
    const bar = document.createElement('progress');
    bar.max = p.total;
    bar.value = Math.min(p.current, p.total);
    box.append(bar);
    const count = document.createElement('span');
    count.className = 'progress-count';
    count.dataset.testid = 'progress-count';
    const facts = [`${p.current}/${p.total}`];
    if (p.rate !== null && !p.done) facts.push(`${p.rate}/s`);
    if (p.eta !== null && !p.done) facts.push(`${seconds(p.eta)} left`);
    count.textContent = facts.join(' · ');
    box.append(count);
  } else if (!p.done) {
    const spin = document.createElement('span');
    spin.className = 'spinner';
    spin.setAttribute('role', 'progressbar');
    spin.setAttribute('aria-label', p.title ?? 'working');
    box.append(spin);
  }
  return box;
}
