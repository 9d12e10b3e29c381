/** `value` read against `base` as a browser would, or undefined where it is no URL at all. */
export function absoluteUrl(value: string, base: string): string | undefined {
  try {
    return new URL(value.trim(), base).href;
  } catch {
    return undefined;
  }
}
