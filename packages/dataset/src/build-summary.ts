/** What `bgfill dataset build` prints when it is done: lines for people, an object for `--json`. */
import type { BuildResult } from './build.js';
import { QUALITY_FLAGS } from './quality-policy.js';

/**
 * The build's summary as text: shards, records, rejects, flagged records and near-duplicate groups, per split.
 * @example process.stdout.write(formatBuildSummary(await buildDataset(options)))
 */
export function formatBuildSummary(result: BuildResult): string {
  const lines: string[] = [];
  const kept = result.shardsKept > 0 ? ` (${result.shardsKept} kept from an earlier run)` : '';
  lines.push(result.workerManifest ? `worker share written: ${result.workerManifest}` : `bundle written: ${result.out}`);
  lines.push(
    `  ${result.shardsWritten + result.shardsKept} shards${kept}, ${result.records} records ` +
      `(${result.passthrough} passed through unchanged), ${result.rejected} inputs rejected` +
      `${result.rejected > 0 && !result.workerManifest ? ` — see ${result.out}/rejects.jsonl` : ''}`,
  );
  const m = result.manifest;
  if (m) {
    for (const [name, s] of Object.entries(m.splits)) {
      const moved = s.movedIn + s.movedOut > 0 ? `, ${s.movedIn} moved in and ${s.movedOut} out with their near-duplicates` : '';
      lines.push(`  ${name}: ${s.count} records in ${s.shards} shards${s.hasMasks ? `, masks ${s.maskStrategy}` : ''}${moved}`);
    }
    const rejectedBy = Object.entries(m.rejected.byCode).filter(([code]) => code === 'too-small' || (QUALITY_FLAGS as readonly string[]).includes(code) || code === 'near-duplicate');
    if (rejectedBy.length > 0) lines.push(`  rejected for size or quality: ${rejectedBy.map(([c, n]) => `${c} ${n}`).join(', ')}`);
  }
  if (result.flagged) {
    const flagged = QUALITY_FLAGS.filter((f) => result.flagged![f] > 0).map((f) => `${f} ${result.flagged![f]}`);
    const policy = m?.quality && m.quality.reject.length > 0 ? `kept after --reject ${m.quality.reject.join(',')}` : 'kept (--flag-only; --reject drops them)';
    lines.push(flagged.length > 0 ? `  flagged, ${policy}: ${flagged.join(', ')} — see quality.jsonl` : '  no record flagged blurry, dark, low-information or upscaled');
  }
  const d = m?.duplicates;
  if (d) {
    const act = d.mode === 'keep-one' ? `${d.dropped} dropped (kept one per group)` : `${d.moved} moved so that each group sits in one split`;
    lines.push(`  near-duplicates: ${d.groups} groups of ${d.members} records (radius ${d.radius}); ${act}; ${d.leaks} groups span splits`);
    if (d.leaks > 0) lines.push('  warning: the source fixes the splits, so those groups stay split; --dedupe keep-one keeps one record per group');
  } else if (result.workerManifest && result.flagged) {
    lines.push('  near-duplicates are grouped across all workers by `bgfill dataset merge`');
  }
  return `${lines.join('\n')}\n`;
}

/** The build's summary for `--json`: counts, flags, duplicates, and where the bundle is. */
export function buildSummaryJson(result: BuildResult): Record<string, unknown> {
  const m = result.manifest;
  return {
    out: result.out,
    workerManifest: result.workerManifest,
    shardsWritten: result.shardsWritten,
    shardsKept: result.shardsKept,
    records: result.records,
    rejected: result.rejected,
    passthrough: result.passthrough,
    flagged: result.flagged,
    splits: m ? Object.fromEntries(Object.entries(m.splits).map(([k, s]) => [k, { count: s.count, shards: s.shards, movedIn: s.movedIn, movedOut: s.movedOut }])) : null,
    rejectedByCode: m?.rejected.byCode ?? null,
    duplicates: m?.duplicates ?? null,
  };
}
