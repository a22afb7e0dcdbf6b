/** One input the build will try to turn into a record. */
export interface SourceItem {
  /** Where to read it. */
  readonly path: string;
  /** Stored as `image/filename`: relative to the input root with `/` separators (absolute when outside it). */
  readonly filename: string;
  /** Class index, or -1 when unlabelled. */
  readonly label: number;
  /** Class name, or '' when unlabelled. */
  readonly labelText: string;
  /** A split fixed by the source (Places365 file lists); otherwise the build assigns one by hash. */
  readonly split?: string;
}

/** What a source lists: its items and the category names (label index → name). */
export interface SourceListing {
  readonly items: SourceItem[];
  /** `categories[label]` is the name of class `label`. */
  readonly categories: string[];
}

/** Category include/exclude filters (names as the source spells them). */
export interface CategoryFilter {
  readonly include?: readonly string[];
  readonly exclude?: readonly string[];
}
