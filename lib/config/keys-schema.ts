import { z } from "zod";

// Key rotation policy. Placeholder shape until rotate-keys lands.
export const keysSchema = z.object({}).passthrough();

export type KeysConfig = z.output<typeof keysSchema>;
