import { readFile, stat } from 'node:fs/promises';
import { join } from 'node:path';
import { badFile, BgfillError, errorMessage } from '@bgfill/core';
import { BANK_FILE, decodeBank, type DecodedBank } from './format.js';

/** A bank read from disk, with where it came from. */
export interface LoadedBank extends DecodedBank {
  /** The path as the recipe names it. */
  readonly path: string;
  /** The file actually read (the path, or the folder's bank.bgbank). */
  readonly file: string;
}

/** What a mask set records about a bank it drew from. */
export interface BankDigest {
  /** The path as the recipe names it. */
  readonly path: string;
  /** SHA-256 of the bank file. */
  readonly sha256: string;
  readonly outlines: number;
}

/**
 * The file a recipe's `bank` names: the path itself, or `bank.bgbank` inside it when it is a folder.
 * @example await bankFileFor('bank/') // 'bank/bank.bgbank'
 */
export async function bankFileFor(path: string): Promise<string> {
  const info = await stat(path).catch((err: NodeJS.ErrnoException) => {
    throw new BgfillError(
      err.code === 'ENOENT' ? `person-bank: ${path}: no such bank file or folder (make one with \`bgfill masks bank build\`)` : `person-bank: ${path}: ${errorMessage(err)}`,
      { subject: path },
    );
  });
  return info.isDirectory() ? join(path, BANK_FILE) : path;
}

/**
 * Read and check a bank. With `sha256`, a file whose digest differs is refused (the recipe was pinned to another
 * bank). Every problem is a BgfillError naming the file.
 * @example const bank = await loadBank('bank/'); bank.outlines.length
 */
export async function loadBank(path: string, options: { sha256?: string } = {}): Promise<LoadedBank> {
  const file = await bankFileFor(path);
  let bytes: Buffer;
  try {
    bytes = await readFile(file);
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    throw badFile(file, code === 'ENOENT' ? 'no bank here (make one with `bgfill masks bank build`)' : `cannot read the bank (${errorMessage(err)})`, err);
  }
  return checkBankPin({ ...decodeBank(bytes, file), path, file }, options.sha256);
}

/**
 * The bank itself when `sha256` is undefined or its digest; else a BgfillError saying the bank changed.
 * @example checkBankPin(bank, config.sha256)
 */
export function checkBankPin(bank: LoadedBank, sha256: string | undefined): LoadedBank {
  if (sha256 !== undefined && sha256 !== bank.sha256) {
    throw badFile(bank.file, `the bank changed: its SHA-256 is ${bank.sha256}, the recipe expects ${sha256}`);
  }
  return bank;
}

/**
 * The record of a loaded bank kept in stats.json, dataset manifests and training configs.
 * @example bankDigest(bank) // { path: 'bank/', sha256: '…', outlines: 812 }
 */
export function bankDigest(bank: LoadedBank): BankDigest {
  return { path: bank.path, sha256: bank.sha256, outlines: bank.outlines.length };
}
