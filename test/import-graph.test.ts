/**
 * The import graph of packages/*\/src:
 * - packages import one way (core ← masks ← dataset ← trainer/eval ← cli; trainer may import eval), dynamic
 *   `import()` included, and @bgfill/masks is imported for masks only (the plumbing is in @bgfill/core);
 * - the static graph has no cycles: every `import` / `export … from` (type-only ones too, since a type cycle is still
 *   two modules that cannot be read one after the other) between source files, with `@bgfill/<name>` resolved to
 *   that package's src/index.ts. Dynamic `import()` is left out of the cycle check: the CLI loads its actions
 *   lazily, and a lazy load cannot form an initialisation cycle.
 */
import test from 'ava';
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import ts from 'typescript';

const root = resolve(dirname(fileURLToPath(import.meta.url)), '..');
const packagesDir = join(root, 'packages');

function sourceFiles(dir: string, out: string[] = []): string[] {
  for (const name of readdirSync(dir)) {
    const path = join(dir, name);
    if (statSync(path).isDirectory()) sourceFiles(path, out);
    else if (name.endsWith('.ts') && !name.endsWith('.d.ts')) out.push(path);
  }
  return out;
}

interface ImportEdge {
  spec: string;
  /** Imported names (`{ a, b as c }` gives a, b); empty for namespace, default and dynamic imports. */
  names: string[];
  dynamic: boolean;
}

/** The file's imports and re-exports, static and dynamic (`import('x')` with a string literal). */
function imports(file: string): ImportEdge[] {
  const source = ts.createSourceFile(file, readFileSync(file, 'utf8'), ts.ScriptTarget.Latest, false);
  const out: ImportEdge[] = [];
  for (const statement of source.statements) {
    if ((ts.isImportDeclaration(statement) || ts.isExportDeclaration(statement)) && statement.moduleSpecifier && ts.isStringLiteral(statement.moduleSpecifier)) {
      const bindings = ts.isImportDeclaration(statement) ? statement.importClause?.namedBindings : statement.exportClause;
      const names = bindings && (ts.isNamedImports(bindings) || ts.isNamedExports(bindings)) ? bindings.elements.map((e) => (e.propertyName ?? e.name).text) : [];
      out.push({ spec: statement.moduleSpecifier.text, names, dynamic: false });
    }
  }
  const visit = (node: ts.Node): void => {
    if (ts.isCallExpression(node) && node.expression.kind === ts.SyntaxKind.ImportKeyword && node.arguments[0] && ts.isStringLiteral(node.arguments[0])) {
      out.push({ spec: node.arguments[0].text, names: [], dynamic: true });
    }
    ts.forEachChild(node, visit);
  };
  visit(source);
  return out;
}

/** Module specifiers of the file's static imports and re-exports. */
function staticImports(file: string): string[] {
  return imports(file).filter((i) => !i.dynamic).map((i) => i.spec);
}

/** Every source file of packages/<name>/src, by package name. */
function packageSources(): Map<string, string[]> {
  const out = new Map<string, string[]>();
  for (const pkg of readdirSync(packagesDir)) {
    const src = join(packagesDir, pkg, 'src');
    if (statSync(src, { throwIfNoEntry: false })?.isDirectory()) out.set(pkg, sourceFiles(src));
  }
  return out;
}

/** The source file a specifier names, or undefined for outside modules. */
function resolveSpecifier(from: string, spec: string): string | undefined {
  const pkg = /^@bgfill\/([a-z-]+)$/.exec(spec);
  if (pkg) return join(packagesDir, pkg[1], 'src', 'index.ts');
  if (!spec.startsWith('.')) return undefined;
  const target = resolve(dirname(from), spec);
  return target.endsWith('.js') ? `${target.slice(0, -3)}.ts` : target;
}

function importGraph(): Map<string, string[]> {
  const graph = new Map<string, string[]>();
  for (const files of packageSources().values()) {
    for (const file of files) {
      const edges = staticImports(file)
        .map((spec) => resolveSpecifier(file, spec))
        .filter((t): t is string => t !== undefined && statSync(t, { throwIfNoEntry: false }) !== undefined);
      graph.set(file, [...new Set(edges)]);
    }
  }
  return graph;
}

/** Strongly connected components with more than one module, or one module importing itself (Tarjan). */
function cycles(graph: Map<string, string[]>): string[][] {
  let next = 0;
  const index = new Map<string, number>();
  const low = new Map<string, number>();
  const stack: string[] = [];
  const onStack = new Set<string>();
  const found: string[][] = [];
  const visit = (v: string): void => {
    index.set(v, next);
    low.set(v, next++);
    stack.push(v);
    onStack.add(v);
    for (const w of graph.get(v) ?? []) {
      if (!index.has(w)) {
        visit(w);
        low.set(v, Math.min(low.get(v)!, low.get(w)!));
      } else if (onStack.has(w)) low.set(v, Math.min(low.get(v)!, index.get(w)!));
    }
    if (low.get(v) === index.get(v)) {
      const component: string[] = [];
      let w: string;
      do {
        w = stack.pop()!;
        onStack.delete(w);
        component.push(w);
      } while (w !== v);
      if (component.length > 1 || (graph.get(v) ?? []).includes(v)) found.push(component.sort());
    }
  };
  for (const v of graph.keys()) if (!index.has(v)) visit(v);
  return found;
}

test('the cycle finder finds a planted cycle and passes a chain', (t) => {
  const chain = new Map([['a', ['b']], ['b', ['c']], ['c', []]]);
  t.deepEqual(cycles(chain), []);
  const looped = new Map([['a', ['b']], ['b', ['c']], ['c', ['a']], ['d', ['d']], ['e', ['a']]]);
  t.deepEqual(cycles(looped).sort(), [['a', 'b', 'c'], ['d']]);
});

test('the static import graph of packages/*/src has no cycles', (t) => {
  const graph = importGraph();
  t.true(graph.size > 50, `walked ${graph.size} source files`);
  // The walk sees real edges: masks' generate.ts imports its config module.
  t.true(graph.get(join(packagesDir, 'masks', 'src', 'generate.ts'))?.includes(join(packagesDir, 'masks', 'src', 'config.ts')));
  const found = cycles(graph).map((c) => c.map((f) => relative(root, f)).join(' ↔ '));
  t.deepEqual(found, [], `import cycles:\n${found.join('\n')}`);
});

/** What each package may import (besides itself). */
const ALLOWED: Record<string, readonly string[]> = {
  core: [],
  masks: ['core'],
  dataset: ['core', 'masks'],
  eval: ['core', 'masks', 'dataset'],
  trainer: ['core', 'masks', 'dataset', 'eval'],
  cli: ['core', 'masks', 'dataset', 'eval', 'trainer'],
};

/** Names @bgfill/core exports: importing one of them from @bgfill/masks is the plumbing creeping back. */
function coreNames(): Set<string> {
  return new Set(imports(join(packagesDir, 'core', 'src', 'index.ts')).flatMap((i) => i.names));
}

test('packages import one way, and @bgfill/masks only for masks', (t) => {
  const core = coreNames();
  t.true(core.has('BgfillError') && core.has('checkOutputPath'), 'core exports read');
  const problems: string[] = [];
  for (const [pkg, files] of packageSources()) {
    t.truthy(ALLOWED[pkg], `packages/${pkg} is listed in ALLOWED`);
    for (const file of files) {
      for (const { spec, names } of imports(file)) {
        const m = /^@bgfill\/([a-z-]+)/.exec(spec);
        if (!m || m[1] === pkg) continue;
        if (!ALLOWED[pkg]?.includes(m[1])) problems.push(`${relative(root, file)} imports ${spec}`);
        if (m[1] === 'masks') for (const n of names.filter((n) => core.has(n))) problems.push(`${relative(root, file)} imports ${n} from @bgfill/masks (it is in @bgfill/core)`);
      }
    }
  }
  t.deepEqual(problems, []);
});
