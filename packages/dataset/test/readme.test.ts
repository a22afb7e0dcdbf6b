import test from 'ava';
import { readFile } from 'node:fs/promises';
import { FEATURES, featuresMarkdownTable } from '../src/features.js';

test('the README feature table is the schema in features.ts', async (t) => {
  const readme = await readFile(new URL('../README.md', import.meta.url), 'utf8');
  const marker = readme.indexOf('<!-- features-table');
  t.true(marker >= 0);
  const start = readme.indexOf('\n', marker) + 1;
  const end = readme.indexOf('\n\n', start);
  t.is(readme.slice(start, end), featuresMarkdownTable());
  t.is(featuresMarkdownTable().split('\n').length, FEATURES.length + 2);
});
