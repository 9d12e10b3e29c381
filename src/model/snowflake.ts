/** Twitter's epoch: Snowflake ids count milliseconds from 2010-11-04T01:42:54.657Z. */
const TWITTER_EPOCH_MS = 1288834974657n;
/** The first Snowflake id; older ids are sequential and carry no time. */
const FIRST_SNOWFLAKE_ID = 29700859247n;

/**
 * The creation time a post id carries, as ISO 8601, or undefined for pre-Snowflake
 * or malformed ids. Ids exceed 2^53, so the arithmetic stays in BigInt.
 */
export function snowflakeTime(id: string): string | undefined {
  if (!/^\d{1,20}$/.test(id)) return undefined;
  const value = BigInt(id);
  if (value < FIRST_SNOWFLAKE_ID) return undefined;
  const ms = (value >> 22n) + TWITTER_EPOCH_MS;
  if (ms > BigInt(8_640_000_000_000_000)) return undefined;
  return new Date(Number(ms)).toISOString();
}
