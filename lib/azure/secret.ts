import { inspect } from "node:util";

const values = new WeakMap<Secret, string>();
export const REDACTED = "REDACTED";

/**
 * A secret value (function key, client secret). It prints, serialises and inspects as REDACTED, so it cannot leak
 * through a log line, a plan file or an error; `reveal()` is the one deliberate way to read it.
 */
export class Secret {
  constructor(value: string) {
    values.set(this, value);
  }
  reveal(): string {
    return values.get(this)!;
  }
  toString(): string {
    return REDACTED;
  }
  toJSON(): string {
    return REDACTED;
  }
  [inspect.custom](): string {
    return REDACTED;
  }
}
