import { stateDictChecksum } from "./checksum.js";
import { cloneStateDict, type NestedStateDict } from "./tensor.js";

/**
 * A loaded policy the sweep can modify and evaluate: any agent that round-trips its weights through
 * a nested state dict, plus an evaluator bound to a fixed list of evaluation seeds.
 */
export interface LaserSubject {
  exportStateDict(): NestedStateDict;
  importStateDict(dict: NestedStateDict): void;
  /** Per-episode returns of the weights currently loaded, over the SAME evaluation seeds on every call. */
  evaluate(): Float64Array;
}

/**
 * Runs one trial at a time on a subject and guarantees the original weights come back:
 * the pristine dict is a private deep copy, every trial imports a new dict built from it, and
 * after the trial the original is re-imported and the subject's exported weights are checked
 * bit-for-bit (SHA-256 of the float64 bytes) against the checksum taken at the start.
 */
export class TrialRunner {
  readonly original: NestedStateDict;
  readonly checksum: string;
  private trials = 0;

  constructor(private readonly subject: LaserSubject) {
    this.original = cloneStateDict(subject.exportStateDict());
    this.checksum = stateDictChecksum(this.original);
    subject.importStateDict(this.original);
    this.assertRestored("after the initial import");
  }

  /** Returns of the unmodified policy. */
  evaluateOriginal(): Float64Array {
    return this.subject.evaluate();
  }

  /** Loads `modified`, evaluates, restores the original and verifies the restore. */
  evaluateWith(modified: NestedStateDict): Float64Array {
    this.trials++;
    this.subject.importStateDict(modified);
    try {
      return this.subject.evaluate();
    } finally {
      this.subject.importStateDict(this.original);
      this.assertRestored(`after trial ${this.trials}`);
    }
  }

  /** Throws if the subject's weights or the pristine copy differ from the initial checksum. */
  assertRestored(when: string): void {
    const live = stateDictChecksum(this.subject.exportStateDict());
    if (live !== this.checksum)
      throw new Error(`LASER: policy weights not restored ${when} (${live} != ${this.checksum})`);
    const kept = stateDictChecksum(this.original);
    if (kept !== this.checksum) throw new Error(`LASER: pristine weight copy was modified ${when}`);
  }
}
