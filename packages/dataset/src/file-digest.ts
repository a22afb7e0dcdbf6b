import { createHash } from 'node:crypto';
import { createReadStream } from 'node:fs';

/**
 * Hex SHA-256 of a file's bytes, streamed; null when it cannot be read (missing, a folder, no permission).
 * @example await sha256File('bundle/train-00000-of-00001.tfrecord')
 */
export async function sha256File(path: string): Promise<string | null> {
  const hash = createHash('sha256');
  try {
    for await (const chunk of createReadStream(path)) hash.update(chunk as Buffer);
  } catch {
    return null;
  }
  return hash.digest('hex');
}
