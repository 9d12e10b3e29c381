/**
 * Labels consecutive stretches of the plain text as a streaming reader passes
 * through them (e.g. "inside this embed", "inside an <a> citing that"): each
 * label holds from the position where it was set to where the next one is set.
 * Looking a position up is a binary search, so nesting depth costs nothing.
 */
export class Stretches<Label> {
  private readonly starts: number[] = [];
  private readonly labels: (Label | undefined)[] = [];

  /** Labels the text from `position` on (positions must not go back). */
  set(position: number, label: Label | undefined): void {
    const last = this.starts.length - 1;
    // Most <a> cite nothing: opening and closing one changes no label, and adds no stretch.
    if (last < 0 ? label === undefined : this.labels[last] === label) return;
    if (this.starts[last] === position) this.labels[last] = label;
    else {
      this.starts.push(position);
      this.labels.push(label);
    }
  }

  /** The label at `position`; undefined before the first label. */
  at(position: number): Label | undefined {
    let low = 0;
    let high = this.starts.length - 1;
    let found: Label | undefined;
    while (low <= high) {
      const middle = (low + high) >>> 1;
      if ((this.starts[middle] ?? Infinity) <= position) {
        found = this.labels[middle];
        low = middle + 1;
      } else {
        high = middle - 1;
      }
    }
    return found;
  }
}
