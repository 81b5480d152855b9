/** Exit codes, everywhere: 0 done and nothing left, 1 error, 2 changes present (with --detailed-exitcode). */
export const EXIT = { ok: 0, error: 1, changes: 2 } as const;
