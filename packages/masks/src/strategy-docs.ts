import { fromFilesSchema } from './from-files.js';
import { mixShallowSchema, unionShallowSchema } from './mix.js';
import { postStepSchema } from './post.js';
import { MASK_STRATEGIES, SHORT_ARGUMENTS } from './registry.js';
import { PERSON_BANK_DESCRIPTION, personBankSchema } from './strategies/person-bank.js';

/** One option of a strategy: name, description (from the schema's `.describe()`) and default, for help text. */
export interface OptionDoc {
  name: string;
  description: string;
  default?: unknown;
}

export interface StrategyDoc {
  name: string;
  description: string;
  /** The option `name:value` sets in the short form, if any. */
  shortArgument?: string;
  options: OptionDoc[];
}

function optionsOf(schema: unknown, defaults: Record<string, unknown>): OptionDoc[] {
  const shape = (schema as { shape?: Record<string, { description?: string }> }).shape ?? {};
  return Object.entries(shape)
    .filter(([name]) => name !== 'strategy')
    .map(([name, field]) => ({
      name,
      description: field.description ?? '',
      ...(defaults[name] === undefined ? {} : { default: defaults[name] }),
    }));
}

/**
 * Name, description and options of every strategy, the combinators and `from-files`, for `bgfill masks strategies`.
 * @example describeStrategies().map((d) => d.name) // ['person-box', 'scribble', …, 'mix', 'union', 'from-files']
 */
export function describeStrategies(): StrategyDoc[] {
  const docs: StrategyDoc[] = Object.values(MASK_STRATEGIES).map((s) => {
    const parsed = s.schema.safeParse({ strategy: s.name });
    return {
      name: s.name,
      description: s.description,
      shortArgument: SHORT_ARGUMENTS[s.name]?.option,
      options: optionsOf(s.schema, parsed.success ? (parsed.data as Record<string, unknown>) : {}),
    };
  });
  const { paths: _p, ...fileDefaults } = fromFilesSchema.parse({ strategy: 'from-files', paths: '.' });
  const { bank: _b, ...bankDefaults } = personBankSchema.parse({ strategy: 'person-bank', bank: '.' });
  docs.push(
    {
      name: 'mix',
      description: 'One component per mask, drawn with probability weight / total. Short form: a*0.7|b*0.3.',
      options: optionsOf(mixShallowSchema, {}),
    },
    {
      name: 'union',
      description: 'Every part drawn for every mask, holes OR-ed. Short form: a+b.',
      options: optionsOf(unionShallowSchema, {}),
    },
    {
      name: 'from-files',
      description:
        'Masks read from image files: mask i is file i mod n (sorted), thresholded, resized (nearest) and dilated. ' +
        'Unreadable files are skipped and reported.',
      shortArgument: 'paths',
      options: optionsOf(fromFilesSchema, fileDefaults),
    },
    {
      name: 'person-bank',
      description: `${PERSON_BANK_DESCRIPTION} Short form: person-bank:bank/(dilate=6).`,
      shortArgument: 'bank',
      options: optionsOf(personBankSchema, bankDefaults),
    },
    {
      name: 'post',
      description:
        'Post-processing on any node, in order: dilate / erode (OpenCV semantics, 3x3 cross or square) or invert. ' +
        'Short form: recipe>dilate:2>invert.',
      options: postStepSchema.options.flatMap((o) => optionsOf(o, { iterations: 1, kernel: 'square' }).filter((x) => x.name !== 'op')).filter(
        (o, i, all) => all.findIndex((p) => p.name === o.name) === i,
      ),
    },
    {
      name: 'ramp',
      description:
        'Any number or [min, max] option (except from-files options), mix weight or post-step iterations may move with training ' +
        'progress as LaMa\'s LinearRamp: ramp(from,to,start,end) goes from `from` to `to` between epochs start and end ' +
        '(finished epochs), ramp(from,to,start,end,step) counts optimizer steps; integer options are rounded. ' +
        'JSON: {"ramp":{"from":2,"to":10,"start":0,"end":8,"unit":"epoch"}}. Without a progress, masks use the end values. ' +
        'Example: person-bank:bank/(dilate=ramp(2,10,0,8))+scribble:ramp(0-1,0-3,0,8).',
      options: [],
    },
  );
  return docs;
}

/**
 * The docs as plain text, one block per strategy.
 * @example process.stdout.write(formatStrategyDocs(describeStrategies()));
 */
export function formatStrategyDocs(docs: ReadonlyArray<StrategyDoc>): string {
  return docs
    .map((d) => {
      const head = `${d.name}${d.shortArgument ? `  (short form: ${d.name}:<${d.shortArgument}>)` : ''}`;
      const opts = d.options.map(
        (o) => `    ${o.name}${o.default === undefined ? '' : ` = ${JSON.stringify(o.default)}`}${o.description ? `\n        ${o.description}` : ''}`,
      );
      return [head, `  ${d.description}`, ...(opts.length ? ['  options:', ...opts] : [])].join('\n');
    })
    .join('\n\n')
    .concat('\n');
}
