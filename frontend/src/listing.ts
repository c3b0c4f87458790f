// Directory mode: the notebooks under the root, and a form to create one.

interface Listing {
  root: string;
  notebooks: { path: string; size: number }[];
}

export async function showListing(root: HTMLElement): Promise<void> {
  const res = await fetch('/api/notebooks', { credentials: 'same-origin' });
  if (!res.ok) throw new Error(`GET /api/notebooks: ${res.status} ${res.statusText}`);
  const listing = (await res.json()) as Listing;
  const page = document.createElement('div');
  page.className = 'listing';
  page.dataset.testid = 'listing';
  const h = document.createElement('h1');
  h.textContent = `Notebooks in ${listing.root}`;
  const list = document.createElement('ul');
  for (const nb of listing.notebooks) {
    const li = document.createElement('li');
    const a = document.createElement('a');
    a.href = `/?notebook=${encodeURIComponent(nb.path)}`;
    a.textContent = nb.path;
    a.dataset.testid = 'notebook-link';
    li.append(a);
    list.append(li);
  }
  if (!listing.notebooks.length) {
    const li = document.createElement('li');
    li.textContent = 'No notebooks here yet.';
    list.append(li);
  }
  const form = document.createElement('form');
  const input = document.createElement('input');
  input.placeholder = 'new_notebook.py';
  input.dataset.testid = 'new-notebook-name';
  const create = document.createElement('button');
  create.textContent = 'Create';
  create.dataset.testid = 'new-notebook';
  const error = document.createElement('div');
  error.className = 'notice error';
  error.hidden = true;
  form.append(input, create, error);
  form.addEventListener('submit', async (e) => {
    e.preventDefault();
    let path = input.value.trim();
    if (!path) return;
    if (!path.endsWith('.py')) path += '.py';
    const r = await fetch('/api/notebooks', {
      method: 'POST',
      credentials: 'same-origin',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ path }),
    });
    if (!r.ok) {
      error.hidden = false;
      error.textContent = `Could not create ${path}: ${await r.text()}`;
      return;
    }
    const made = (await r.json()) as { path: string };
    location.href = `/?notebook=${encodeURIComponent(made.path)}`;
  });
  page.append(h, list, form);
  root.replaceChildren(page);
}
