/** A checkpoint that could not be scored. */
export interface SkippedCheckpoint {
  /** The epoch (0 for the start); null for a compare net. */
  epoch: number | null;
  /** The row, for rows other than the run's epochs: `start`, or a compare net's name. */
  row?: string;
  /** Relative to the run folder for epochs; as given for the start and compare nets. */
  checkpoint: string;
  reason: string;
}

/**
 * How a skipped checkpoint is named in reports: `epoch 5`, `start`, or a compare net's name.
 * @example skippedLabel({ epoch: 5, checkpoint: 'epoch-0005/generator.safetensors', reason: '…' }) // 'epoch 5'
 */
export function skippedLabel(s: SkippedCheckpoint): string {
  return s.row ?? `epoch ${s.epoch}`;
}
