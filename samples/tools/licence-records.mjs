// Reads the licence records that ship inside the packages and checks each catalogue entry against them, so a
// typo in catalogue.mjs (wrong author, wrong licence) stops the generator instead of reaching CREDITS.md.
// Pure functions over text; make-samples.mjs does the file reading.

/**
 * Parse a machine-readable Debian copyright file (DEP-5) into its stanzas. Continuation lines (leading space) are
 * joined to the field above with a newline.
 * @example parseDebianCopyright('Files: a.jpg\nCopyright: 2018, Ann\nLicense: CC0-1.0\n')
 *   // [{ Files: 'a.jpg', Copyright: '2018, Ann', License: 'CC0-1.0' }]
 * @param {string} text
 * @returns {Record<string, string>[]}
 */
export function parseDebianCopyright(text) {
  const stanzas = [];
  let current = null;
  let field = null;
  for (const line of text.split('\n')) {
    if (line.trim() === '') {
      current = null;
      field = null;
      continue;
    }
    if (/^\s/.test(line)) {
      if (current && field) current[field] += `\n${line.trim()}`;
      continue;
    }
    const match = /^([A-Za-z-]+):\s*(.*)$/.exec(line);
    if (!match) continue;
    if (!current) {
      current = {};
      stanzas.push(current);
    }
    field = match[1];
    current[field] = match[2];
  }
  return stanzas;
}

/**
 * The stanza whose `Files:` patterns match `path` (DEP-5: `*` matches any run of characters, `?` one character;
 * the last matching stanza wins).
 * @example stanzaFor(parseDebianCopyright(text), 'nature/Dune.jpg')?.License // 'GPL-2+'
 * @param {Record<string, string>[]} stanzas
 * @param {string} path
 */
export function stanzaFor(stanzas, path) {
  let found;
  for (const stanza of stanzas) {
    if (stanza.Files === undefined) continue;
    const patterns = stanza.Files.split(/\s+/).filter(Boolean);
    if (patterns.some((pattern) => globToRegExp(pattern).test(path))) found = stanza;
  }
  return found;
}

/** @param {string} pattern */
function globToRegExp(pattern) {
  const body = pattern.replace(/[.+^${}()|[\]\\]/g, '\\$&').replaceAll('*', '.*').replaceAll('?', '.');
  return new RegExp(`^${body}$`);
}

/** Licence names as the records spell them → the keys of LICENCES in catalogue.mjs. */
export const LICENCE_ALIASES = {
  'CC0-1.0': 'CC0-1.0',
  'CC-BY-4.0': 'CC-BY-4.0',
  'CC-BY-SA-3.0': 'CC-BY-SA-3.0',
  'CC-BY-SA-4.0': 'CC-BY-SA-4.0',
  'GPL-2+': 'GPL-2.0-or-later',
  LGPLv3: 'LGPL-3.0',
  'https://creativecommons.org/licenses/by-sa/3.0/': 'CC-BY-SA-3.0',
};

/**
 * Check an entry against a DEP-5 copyright file: the stanza for `filesPath` must name the entry's author in its
 * `Copyright:` field and give the entry's licence. Returns a reason string when it does not, else null.
 * @param {{ author: string, licence: string }} entry
 * @param {string} copyrightText
 * @param {string} filesPath  Path as the copyright file's `Files:` fields write it (e.g. "16.04/Wine_by_Jakkub_Mede.jpg").
 */
export function checkAgainstDebianCopyright(entry, copyrightText, filesPath) {
  const stanza = stanzaFor(parseDebianCopyright(copyrightText), filesPath);
  if (!stanza) return `no "Files:" stanza matches ${filesPath}`;
  if (!stanza.Copyright?.includes(entry.author)) return `copyright of ${filesPath} is "${stanza.Copyright}", not ${entry.author}`;
  const licence = LICENCE_ALIASES[stanza.License?.trim()];
  if (licence !== entry.licence) return `licence of ${filesPath} is "${stanza.License}", not ${entry.licence}`;
  return null;
}

/**
 * Check an entry against a KDE wallpaper's metadata.json (KPlugin.Authors[].Name, KPlugin.License).
 * @param {{ author: string, licence: string }} entry
 * @param {string} metadataText
 */
export function checkAgainstPlasmaMetadata(entry, metadataText) {
  const plugin = JSON.parse(metadataText).KPlugin ?? {};
  const authors = (plugin.Authors ?? []).map((author) => author.Name);
  if (!authors.includes(entry.author)) return `metadata.json names ${JSON.stringify(authors)}, not ${entry.author}`;
  if (LICENCE_ALIASES[plugin.License] !== entry.licence) return `metadata.json licence is "${plugin.License}", not ${entry.licence}`;
  return null;
}

/**
 * Check an entry against LXQt's wallpapers/License: it must give the CC BY-SA 3.0 URL and credit the entry's
 * author with the file (its name without extension, or the short name the credits use).
 * @param {{ author: string, licence: string }} entry
 * @param {string} licenseText
 * @param {string} creditedAs  How the credits line spells the file, e.g. "not-windows".
 */
export function checkAgainstLxqtLicense(entry, licenseText, creditedAs) {
  const url = licenseText.match(/https:\/\/creativecommons\.org\/licenses\/[a-z-]+\/[0-9.]+\//)?.[0];
  if (LICENCE_ALIASES[url] !== entry.licence) return `wallpapers/License gives ${url}, not ${entry.licence}`;
  const at = licenseText.indexOf(entry.author);
  if (at < 0) return `wallpapers/License does not credit ${entry.author}`;
  const credited = licenseText.slice(at).split('\n')[1] ?? '';
  if (!credited.split(/[,;]\s*/).includes(creditedAs)) return `wallpapers/License does not credit ${entry.author} for ${creditedAs}`;
  return null;
}

/**
 * Check an entry against a scikit-image data docstring that says "CC0 by the photographer (<name>)".
 * @param {{ author: string, licence: string }} entry
 * @param {string} fetchersText  Source of skimage/data/_fetchers.py.
 * @param {string} functionName  e.g. "coffee".
 */
export function checkAgainstSkimageDocstring(entry, fetchersText, functionName) {
  const start = fetchersText.indexOf(`def ${functionName}(`);
  if (start < 0) return `_fetchers.py has no function ${functionName}`;
  const end = fetchersText.indexOf('\ndef ', start + 1);
  const body = fetchersText.slice(start, end < 0 ? undefined : end);
  const photographer = /CC0 by the photographer \(([^)]+)\)/.exec(body)?.[1];
  if (entry.licence !== 'CC0-1.0' || photographer === undefined) return `${functionName} is not marked CC0 in _fetchers.py`;
  if (!entry.author.startsWith(photographer)) return `${functionName} is by ${photographer}, not ${entry.author}`;
  return null;
}
