import { describe, expect, it } from 'vitest';
import { refusingLoader, render } from '../rich/vega';

describe('the Vega renderer fetches nothing', () => {
  it('refuses every URL and notes it', async () => {
    const refused: string[] = [];
    const loader = refusingLoader(refused);
    await expect(loader.load('https://example.invalid/a.csv')).rejects.toThrow(/never load from the network/);
    await expect(loader.sanitize('data.json')).rejects.toThrow(/refused data.json/);
    expect(refused).toEqual(['https://example.invalid/a.csv', 'data.json']);
  });

  it('a spec whose data is a URL runs, reporting the URL instead of fetching it', async () => {
    const spec = {
      data: { url: 'https://example.invalid/cars.json' },
      mark: 'point',
      encoding: { x: { field: 'a', type: 'quantitative' } },
    };
    const out = await render(undefined, spec);
    expect(out.refused).toEqual(['https://example.invalid/cars.json']);
    out.finalize();
  });

  it('inline data with a selection runs on the interpreter', async () => {
    const spec = {
      data: { values: [{ k: 'a', v: 1 }, { k: 'b', v: 2 }] },
      mark: 'bar',
      params: [{ name: 'pick', select: { type: 'point', fields: ['k'] } }],
      encoding: {
        x: { field: 'k', type: 'nominal' },
        y: { field: 'v', type: 'quantitative' },
        opacity: { condition: { param: 'pick', value: 1 }, value: 0.3 },
      },
    };
    const out = await render(undefined, spec);
    expect(out.refused).toEqual([]);
    out.finalize();
  });
});
