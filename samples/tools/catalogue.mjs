// What the sample set is made of: the Debian packages the photos come from, the licences they carry, and one entry
// per output image (source file, author, licence, crop). make-samples.mjs turns this into samples/scenes/*.jpg,
// samples/scenes/manifest.json and samples/CREDITS.md, so the three never disagree.
//
// Every author and licence below was read from the package itself (Debian bookworm):
// - lomiri-wallpapers-16.04 / -20.04: /usr/share/doc/<pkg>/copyright, one `Files:` stanza per photo;
// - mate-backgrounds: /usr/share/doc/mate-backgrounds/copyright, one `Files:` stanza per photo;
// - plasma-workspace-wallpapers: /usr/share/wallpapers/<Name>/metadata.json (KPlugin.Authors, KPlugin.License),
//   while the package's debian copyright file puts every file under GPL-2+ (© 2014 KDE Visual Design Group);
// - lxqt-themes: /usr/share/lxqt/wallpapers/License (CC BY-SA 3.0, photos credited to "stefonarch");
// - python3-skimage: the docstring of skimage.data.coffee in skimage/data/_fetchers.py (CC0, Rachel Michetti).

/**
 * @typedef {object} Licence
 * @property {string} name     Full name.
 * @property {string} url      Where the licence text lives.
 * @property {string[]} texts  Files under samples/licenses/ with its full text (empty where the URL is enough).
 * @property {boolean} shareAlike  Whether a crop (an adaptation) must carry the same licence.
 */

/** @type {Record<string, Licence>} */
export const LICENCES = {
  'CC0-1.0': {
    name: 'Creative Commons CC0 1.0 Universal (public domain dedication)',
    url: 'https://creativecommons.org/publicdomain/zero/1.0/',
    texts: ['licenses/CC0-1.0.txt'],
    shareAlike: false,
  },
  'CC-BY-4.0': {
    name: 'Creative Commons Attribution 4.0 International',
    url: 'https://creativecommons.org/licenses/by/4.0/',
    texts: ['licenses/debian/lomiri-wallpapers-16.04/usr/share/doc/lomiri-wallpapers-16.04/copyright'],
    shareAlike: false,
  },
  'CC-BY-SA-3.0': {
    name: 'Creative Commons Attribution-ShareAlike 3.0 Unported',
    url: 'https://creativecommons.org/licenses/by-sa/3.0/',
    texts: [],
    shareAlike: true,
  },
  'CC-BY-SA-4.0': {
    name: 'Creative Commons Attribution-ShareAlike 4.0 International',
    url: 'https://creativecommons.org/licenses/by-sa/4.0/',
    texts: ['licenses/debian/lomiri-wallpapers-16.04/usr/share/doc/lomiri-wallpapers-16.04/copyright'],
    shareAlike: true,
  },
  'GPL-2.0-or-later': {
    name: 'GNU General Public License, version 2 or (at your option) any later version',
    url: 'https://www.gnu.org/licenses/old-licenses/gpl-2.0.html',
    texts: ['licenses/GPL-2.0.txt', 'licenses/GPL-3.0.txt'],
    shareAlike: true,
  },
  'LGPL-3.0': {
    name: 'GNU Lesser General Public License, version 3',
    url: 'https://www.gnu.org/licenses/lgpl-3.0.html',
    texts: ['licenses/LGPL-3.0.txt', 'licenses/GPL-3.0.txt'],
    shareAlike: true,
  },
};

/**
 * A Debian package the photos come from. `version` is the exact bookworm version used; make-samples.mjs refuses
 * another one, because a different upload may change the pictures.
 * @typedef {object} SourcePackage
 * @property {string} version
 * @property {'dep5'|'plasma-metadata'|'lxqt-license'|'skimage-docstring'} recordKind  How the licence record is read.
 * @property {(entry: Entry) => string} recordFile  The file (inside the package) that states the entry's author and licence.
 * @property {(entry: Entry) => string} recordKey   What to look up in it: DEP-5 `Files:` path, credited name, function.
 * @property {boolean} copyRecord  Whether each recordFile is copied to samples/licenses/debian/<package>/ (not for
 *   python3-skimage, whose record is a docstring inside library code: CREDITS.md quotes it instead).
 * @property {string[]} copied  Other files copied verbatim to samples/licenses/debian/<package>/.
 * @property {string} summary   One line on where the package states authors and licences.
 */

/** @param {string} path */
const baseName = (path) => path.split('/').pop();

/** @type {Record<string, SourcePackage>} */
export const PACKAGES = {
  'plasma-workspace-wallpapers': {
    version: '4:5.27.5-2',
    recordKind: 'plasma-metadata',
    copyRecord: true,
    recordFile: (entry) => entry.path.replace(/contents\/images\/[^/]+$/, 'metadata.json'),
    recordKey: (entry) => entry.path,
    copied: ['usr/share/doc/plasma-workspace-wallpapers/copyright'],
    summary:
      'each wallpaper\'s metadata.json gives author and licence (KPlugin.Authors, KPlugin.License "LGPLv3"); the Debian ' +
      'copyright file says "Files: * / Copyright: 2014 KDE Visual Design Group / License: GPL-2+"',
  },
  'lomiri-wallpapers-16.04': {
    version: '20.04.0-2',
    recordKind: 'dep5',
    copyRecord: true,
    recordFile: () => 'usr/share/doc/lomiri-wallpapers-16.04/copyright',
    recordKey: (entry) => `16.04/${baseName(entry.path)}`,
    copied: [],
    summary: 'the Debian copyright file has one "Files: 16.04/<file>" stanza per photo (and the full CC BY 4.0 and CC BY-SA 4.0 texts)',
  },
  'lomiri-wallpapers-20.04': {
    version: '20.04.0-2',
    recordKind: 'dep5',
    copyRecord: true,
    recordFile: () => 'usr/share/doc/lomiri-wallpapers-20.04/copyright',
    recordKey: (entry) => `20.04/${baseName(entry.path)}`,
    copied: [],
    summary: 'the Debian copyright file (same text as lomiri-wallpapers-16.04\'s) has one "Files: 20.04/<file>" stanza per photo',
  },
  'mate-backgrounds': {
    version: '1.26.0-1',
    recordKind: 'dep5',
    copyRecord: true,
    recordFile: () => 'usr/share/doc/mate-backgrounds/copyright',
    recordKey: (entry) => `nature/${baseName(entry.path)}`,
    copied: [],
    summary: 'the Debian copyright file has one "Files: nature/<file>" stanza per photo',
  },
  'lxqt-themes': {
    version: '1.2.0-1',
    recordKind: 'lxqt-license',
    copyRecord: true,
    recordFile: () => 'usr/share/lxqt/wallpapers/License',
    recordKey: (entry) => entry.creditedAs ?? baseName(entry.path).replace(/\.[a-z]+$/, ''),
    copied: ['usr/share/doc/lxqt-themes/copyright'],
    summary:
      'the wallpapers\' own licence file puts them under CC BY-SA 3.0 and credits stefonarch for fog, not-windows, ' +
      'after-the-rain, flowers (among others); the Debian copyright file has no stanza for them (its "Files: *" says LGPL-2.1+)',
  },
  'python3-skimage': {
    version: '0.19.3-8',
    recordKind: 'skimage-docstring',
    copyRecord: false,
    recordFile: () => 'usr/lib/python3/dist-packages/skimage/data/_fetchers.py',
    recordKey: () => 'coffee',
    copied: ['usr/share/doc/python3-skimage/copyright'],
    summary:
      'the docstring of skimage.data.coffee says "This photograph is courtesy of Pikolo Espresso Bar. [...] No copyright ' +
      'restrictions. CC0 by the photographer (Rachel Michetti)."; the Debian copyright file covers the code (BSD-3-Clause)',
  },
};

/**
 * Where to cut the square: the square's side is (shorter side / zoom) source pixels, and x, y place it within the
 * slack (0 = left/top edge, 0.5 = centred, 1 = right/bottom edge). zoom 1 at (0.5, 0.5) is "resize the shorter
 * side to 256 and centre-crop".
 * @typedef {{ x: number, y: number, zoom: number }} Crop
 */

/** @type {Crop} */
export const CENTRE = { x: 0.5, y: 0.5, zoom: 1 };

/**
 * @typedef {object} Entry
 * @property {string} name       Short kebab-case name; the file is NNN-<name>.jpg, NNN being its place in ENTRIES.
 * @property {'outdoor'|'urban'|'indoor'|'still-life'} scene
 * @property {string} description
 * @property {string} package    Key of PACKAGES.
 * @property {string} path       File inside the package (no leading slash).
 * @property {string} author
 * @property {string} licence    Key of LICENCES.
 * @property {string} [licenceNote]  Anything more the licence record needs.
 * @property {string} [creditedAs]   How the licence record names the file, where not its base name.
 * @property {Crop} crop
 */

const PLASMA = 'plasma-workspace-wallpapers';
const L16 = 'lomiri-wallpapers-16.04';
const L20 = 'lomiri-wallpapers-20.04';
const MATE = 'mate-backgrounds';
const LXQT = 'lxqt-themes';

/** Plasma wallpapers: the upstream metadata says LGPLv3, Debian's copyright file says GPL-2+ for every file. */
const PLASMA_NOTE = 'metadata.json says LGPLv3; the Debian copyright file lists all files as GPL-2+ (© 2014 KDE Visual Design Group)';

/** @param {string} name */
const plasma = (name) => `usr/share/wallpapers/${name}/contents/images/2560x1600.jpg`;
/** @param {string} file */
const lomiri = (file) => `usr/share/backgrounds/${file}`;
/** @param {string} file */
const mate = (file) => `usr/share/backgrounds/mate/nature/${file}`;
/** @param {string} file */
const lxqt = (file) => `usr/share/lxqt/wallpapers/${file}`;

/** @type {Entry[]} */
export const ENTRIES = [
  // --- outdoor: landscapes, water, vegetation ---
  { name: 'lake-jetty', scene: 'outdoor', description: 'wooden jetty boards running into a calm lake', package: PLASMA, path: plasma('BytheWater'), author: 'Maciej Wiklo', licence: 'LGPL-3.0', licenceNote: PLASMA_NOTE, crop: CENTRE },
  { name: 'misty-lake', scene: 'outdoor', description: 'misty blue lake with tree islands at dawn', package: PLASMA, path: plasma('DarkestHour'), author: 'Risto Saukonpää', licence: 'LGPL-3.0', licenceNote: PLASMA_NOTE, crop: CENTRE },
  { name: 'rowing-boats', scene: 'outdoor', description: 'rowing boats on a lake shore under an evening sky', package: PLASMA, path: plasma('EveningGlow'), author: 'Ian Hex', licence: 'LGPL-3.0', licenceNote: PLASMA_NOTE, crop: { x: 0.55, y: 0.5, zoom: 1 } },
  { name: 'autumn-leaves', scene: 'outdoor', description: 'fallen maple leaves on the ground, shallow depth of field', package: PLASMA, path: plasma('FallenLeaf'), author: 'Martin Klapetek', licence: 'LGPL-3.0', licenceNote: PLASMA_NOTE, crop: { x: 0.7, y: 0.5, zoom: 1 } },
  { name: 'forest-path', scene: 'outdoor', description: 'path through a pine forest', package: PLASMA, path: plasma('Path'), author: 'Risto Saukonpää', licence: 'LGPL-3.0', licenceNote: PLASMA_NOTE, crop: CENTRE },
  { name: 'night-lake', scene: 'outdoor', description: 'lake and reeds under a summer night sky', package: PLASMA, path: plasma('summer_1am'), author: 'Risto Saukonpää', licence: 'LGPL-3.0', licenceNote: PLASMA_NOTE, crop: { x: 0.7, y: 0.5, zoom: 1 } },
  { name: 'moss', scene: 'outdoor', description: 'moss shoots seen from above', package: PLASMA, path: plasma('OneStandsOut'), author: 'Risto Saukonpää', licence: 'LGPL-3.0', licenceNote: PLASMA_NOTE, crop: CENTRE },
  { name: 'foggy-pier', scene: 'outdoor', description: 'concrete pier on a grey foggy lake (black and white)', package: PLASMA, path: plasma('ColdRipple'), author: 'Risto Saukonpää', licence: 'LGPL-3.0', licenceNote: PLASMA_NOTE, crop: CENTRE },
  { name: 'kite-sky', scene: 'outdoor', description: 'blue sky with thin clouds and a small kite', package: PLASMA, path: plasma('Kite'), author: 'Risto Saukonpää', licence: 'LGPL-3.0', licenceNote: PLASMA_NOTE, crop: { x: 0.75, y: 0.5, zoom: 1 } },
  { name: 'dragonfly-tree', scene: 'outdoor', description: 'dragonfly on a branch against leaves and sky', package: L16, path: lomiri('Dragonfly_by_Bolly.jpg'), author: '"Bolly"', licence: 'CC-BY-SA-4.0', crop: CENTRE },
  { name: 'aitzgorri', scene: 'outdoor', description: 'mountain range above autumn forest and pasture (Aitzgorri)', package: L16, path: lomiri('aitzgorri_by_Aitzol_Berasategi.jpg'), author: 'Aitzol Berasategi', licence: 'CC-BY-4.0', crop: CENTRE },
  { name: 'mountain-stream', scene: 'outdoor', description: 'stream over rocks in a forest', package: L16, path: lomiri('life_by_Aitzol_Berasategi.jpg'), author: 'Aitzol Berasategi', licence: 'CC-BY-4.0', crop: CENTRE },
  { name: 'picos-de-europa', scene: 'outdoor', description: 'mountain trail and rocky peaks (Picos de Europa)', package: L16, path: lomiri('picosdeeuropa_by_Aitzol_Berasategi.jpg'), author: 'Aitzol Berasategi', licence: 'CC-BY-4.0', crop: CENTRE },
  { name: 'dandelion-meadow', scene: 'outdoor', description: 'dandelion clocks in a meadow, low sun', package: L16, path: lomiri('seeding_by_Clements_Engelhardt.jpg'), author: 'Clemens Engelhardt', licence: 'CC0-1.0', crop: { x: 0.3, y: 0.5, zoom: 1 } },
  { name: 'hilltop-sunset', scene: 'outdoor', description: 'sun setting over a hilltop', package: L16, path: lomiri('sunset_by_Aitzol_Berasategi.jpg'), author: 'Aitzol Berasategi', licence: 'CC-BY-4.0', crop: CENTRE },
  { name: 'nuthatch-trunk', scene: 'outdoor', description: 'nuthatch on a tree trunk, blurred snowy background', package: L20, path: lomiri('Kleiber_by_Lukas_Baubkus.jpg'), author: 'Lukas Baubkus', licence: 'CC-BY-SA-3.0', crop: { x: 0.3, y: 0.5, zoom: 1 } },
  { name: 'dune-grass', scene: 'outdoor', description: 'dune grass against the sea', package: MATE, path: mate('Dune.jpg'), author: 'Marco Cogoni', licence: 'GPL-2.0-or-later', crop: CENTRE },
  { name: 'grass', scene: 'outdoor', description: 'close-up of green grass blades', package: MATE, path: mate('GreenMeadow.jpg'), author: 'Timothy Schellhase', licence: 'GPL-2.0-or-later', crop: CENTRE },
  { name: 'raindrops-leaf', scene: 'outdoor', description: 'raindrops on broad green leaves', package: MATE, path: mate('RainDrops.jpg'), author: '"blackcombwhistler07"', licence: 'GPL-2.0-or-later', crop: CENTRE },
  { name: 'foggy-fields', scene: 'outdoor', description: 'fog lifting over hills and a ploughed field', package: LXQT, path: lxqt('fog.jpg'), author: 'stefonarch', licence: 'CC-BY-SA-3.0', crop: CENTRE },
  { name: 'green-hills', scene: 'outdoor', description: 'rolling green hills with a row of trees under blue sky', package: LXQT, path: lxqt('this-is-not-windows.jpg'), creditedAs: 'not-windows', author: 'stefonarch', licence: 'CC-BY-SA-3.0', crop: CENTRE },
  { name: 'sunset-clouds', scene: 'outdoor', description: 'storm clouds lit by the sunset above a dark ridge', package: LXQT, path: lxqt('after-the-rain.jpg'), author: 'stefonarch', licence: 'CC-BY-SA-3.0', crop: CENTRE },
  { name: 'wildflowers', scene: 'outdoor', description: 'meadow of purple and pink wildflowers', package: LXQT, path: lxqt('flowers.png'), author: 'stefonarch', licence: 'CC-BY-SA-3.0', crop: CENTRE },

  // --- urban: roads, buildings, structures ---
  { name: 'storm-road', scene: 'urban', description: 'motorway under a dark storm front (motion blur)', package: MATE, path: mate('Storm.jpg'), author: 'Sergey Nazarov', licence: 'GPL-2.0-or-later', crop: CENTRE },
  { name: 'bridge-cables', scene: 'urban', description: 'stay cables of a bridge over tidal flats', package: L16, path: lomiri('Bridge_by_Sander_Klootwijk.jpg'), author: 'Sander Klootwijk', licence: 'CC-BY-SA-4.0', crop: { x: 0.4, y: 0.5, zoom: 1 } },
  { name: 'facade-waves', scene: 'urban', description: 'wave-shaped metal bands of a building facade (black and white)', package: PLASMA, path: plasma('Grey'), author: 'Sigi Sagi', licence: 'LGPL-3.0', licenceNote: PLASMA_NOTE, crop: { x: 0.1, y: 0.5, zoom: 1 } },
  { name: 'facade-detail', scene: 'urban', description: 'the same facade, closer view further right (black and white)', package: PLASMA, path: plasma('Grey'), author: 'Sigi Sagi', licence: 'LGPL-3.0', licenceNote: PLASMA_NOTE, crop: { x: 0.9, y: 0.3, zoom: 1.6 } },
  { name: 'dogs-at-window', scene: 'urban', description: 'two spaniels looking out of windows of a clapboard house', package: L16, path: lomiri('friends_by_Aitzol_Berasategi.jpg'), author: 'Aitzol Berasategi', licence: 'CC-BY-4.0', crop: { x: 0.5, y: 0.31, zoom: 1.14 } },
  { name: 'wooden-balcony', scene: 'urban', description: 'weathered board wall and rope rail below the same windows', package: L16, path: lomiri('friends_by_Aitzol_Berasategi.jpg'), author: 'Aitzol Berasategi', licence: 'CC-BY-4.0', crop: { x: 0.7, y: 1, zoom: 2 } },

  // --- indoor: rooms and tabletops ---
  { name: 'room-wine-table', scene: 'indoor', description: 'living room: pallet table with wine and a coffee grinder, speaker, glass-brick wall', package: L16, path: lomiri('Wine_by_Jakkub_Mede.jpg'), author: 'Jakub Mede', licence: 'CC-BY-4.0', crop: { x: 0.5, y: 0, zoom: 1.15 } },
  { name: 'room-drum', scene: 'indoor', description: 'the same room, lower part: djembe drum on a bean bag, cork floor', package: L16, path: lomiri('Wine_by_Jakkub_Mede.jpg'), author: 'Jakub Mede', licence: 'CC-BY-4.0', crop: { x: 0, y: 1, zoom: 1.28 } },
  { name: 'paint-brushes', scene: 'indoor', description: 'used paint brushes with coloured bristles in a studio', package: L16, path: lomiri('Picture_1A_by_freespace.jpg'), author: 'Trevor "Freespace"', licence: 'CC-BY-4.0', crop: { x: 0, y: 0.5, zoom: 1.25 } },
  { name: 'brush-handles', scene: 'indoor', description: 'the same brushes, right edge: wooden handles against the studio wall', package: L16, path: lomiri('Picture_1A_by_freespace.jpg'), author: 'Trevor "Freespace"', licence: 'CC-BY-4.0', crop: { x: 1, y: 0.5, zoom: 2 } },
  { name: 'wall-clock', scene: 'indoor', description: 'wall clock seen at an angle against a lit wall', package: L16, path: lomiri('greentock_by_Peter_Nerlich.jpg'), author: 'Peter Nerlich', licence: 'CC-BY-SA-4.0', crop: { x: 0.9, y: 0.2, zoom: 1.5 } },
  { name: 'clock-wall-edge', scene: 'indoor', description: 'rim of the same clock against the textured, yellow-lit wallpaper', package: L16, path: lomiri('greentock_by_Peter_Nerlich.jpg'), author: 'Peter Nerlich', licence: 'CC-BY-SA-4.0', crop: { x: 0, y: 1, zoom: 2 } },
  { name: 'lamps-bird', scene: 'indoor', description: 'globe ceiling lamps and a hanging wooden bird', package: L16, path: lomiri('free_by_Peter_Nerlich.jpg'), author: 'Peter Nerlich', licence: 'CC-BY-SA-4.0', crop: CENTRE },
  { name: 'espresso', scene: 'indoor', description: 'espresso cup and saucer on a café table', package: 'python3-skimage', path: 'usr/lib/python3/dist-packages/skimage/data/coffee.png', author: 'Rachel Michetti (courtesy of Pikolo Espresso Bar)', licence: 'CC0-1.0', crop: CENTRE },

  // --- still life: tabletop close-ups whose setting is not known ---
  { name: 'fig-bowl', scene: 'still-life', description: 'half a fig in a red bowl on concrete, hard shadow', package: L16, path: lomiri('Picture_0B_by_freespace.jpg'), author: 'Trevor "Freespace"', licence: 'CC-BY-4.0', crop: { x: 0.6, y: 0.5, zoom: 1 } },
  { name: 'plastic-cups', scene: 'still-life', description: 'rows of coloured plastic cups seen from above', package: PLASMA, path: plasma('ColorfulCups'), author: 'Dmitri Popov', licence: 'LGPL-3.0', licenceNote: PLASMA_NOTE, crop: CENTRE },
];
