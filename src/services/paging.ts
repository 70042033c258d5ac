import { badInput } from "../errors";
import { MAX_PAGE } from "../limits";

/** `first` of a paged field: from 0 to MAX_PAGE, or left out for every row. */
export function checkFirst(first: number | null | undefined): void {
  if (first !== undefined && first !== null && (!Number.isInteger(first) || first < 0 || first > MAX_PAGE)) throw badInput(`first: must be from 0 to ${MAX_PAGE}`);
}

/** A page's end as clients see it: opaque text they only hand back. */
export const encodeCursor = (position: string) => Buffer.from(position, "utf8").toString("base64url");

/** The position a cursor of encodeCursor holds; anything else is refused as `after`. */
export function decodeCursor(cursor: string): string {
  const decoded = Buffer.from(cursor, "base64url").toString("utf8");
  if (!decoded || encodeCursor(decoded) !== cursor) throw notACursor();
  return decoded;
}

export const notACursor = () => badInput("after: not a cursor returned by this field");
