import { readFileSync, statSync } from "node:fs";
import YAML from "yaml";
import { isRecord } from "../azure/json.ts";
import type { z } from "zod";
import { ConfigError } from "../errors.ts";
import { crossCheck } from "./cross-checks.ts";
import { closestField } from "./did-you-mean.ts";
import { resolveApps, type AppConfig } from "./resolve.ts";
import { fleetSchema, type Fleet } from "./schema.ts";

export interface LoadedConfig {
  file: string;
  fleet: Fleet;
  apps: AppConfig[];
  warnings: string[];
}

/** `apps[3].auth.allowedAudiences[0]` from a zod issue path. */
export function formatPath(path: readonly PropertyKey[]): string {
  return path.reduce<string>(
    (acc, p) => (typeof p === "number" ? `${acc}[${p}]` : acc ? `${acc}.${String(p)}` : String(p)),
    "",
  );
}

function zodIssues(error: z.ZodError): string[] {
  return error.issues.map((i) => {
    const where = formatPath(i.path) || "(top level)";
    if (i.code === "unrecognized_keys") {
      const hints = i.keys.flatMap((k) => {
        const near = closestField(k);
        return near && near !== k ? [`'${k}': did you mean '${near}'?`] : [];
      });
      return `${where}: unknown field${i.keys.length > 1 ? "s" : ""} ${i.keys.map((k) => `'${k}'`).join(", ")} (${hints.length ? hints.join("; ") : "check the spelling; see config/schema.json"})`;
    }
    return `${where}: ${i.message}`;
  });
}

/** Validates a parsed document; every problem is reported, with its path, before anything touches the network. */
export function validateConfig(doc: unknown, file: string, env: NodeJS.ProcessEnv = process.env): LoadedConfig {
  const parsed = fleetSchema.safeParse(doc ?? {});
  if (!parsed.success) {
    const issues = zodIssues(parsed.error);
    throw new ConfigError(`${file}: ${issues.length} problem${issues.length > 1 ? "s" : ""} in the config`, issues, {
      fix: "Correct the fields above; config/schema.json describes every field.",
    });
  }
  const { apps, issues } = resolveApps(parsed.data, env);
  const checks = crossCheck(apps);
  const errors = [...issues, ...checks.errors];
  if (errors.length)
    throw new ConfigError(`${file}: ${errors.length} problem${errors.length > 1 ? "s" : ""} in the config`, errors, {
      fix: "Correct the fields above and run again.",
    });
  return { file, fleet: parsed.data, apps, warnings: checks.warnings };
}

/** A config is a page or two of YAML; anything this large is the wrong file (a log, a dump). */
export const MAX_CONFIG_BYTES = 4 * 1024 * 1024;
/** Aliases YAML may expand: enough for any real config, far too few for a "billion laughs" document. */
const MAX_ALIASES = 1000;

function readConfigBytes(file: string): Buffer {
  const fail = (why: string, fix = "Pass an existing file with --config (see config/fleet.example.yaml).") =>
    new ConfigError(`Cannot read config file '${file}': ${why}`, [], { fix });
  let size: number;
  try {
    const st = statSync(file);
    if (st.isDirectory())
      throw fail("it is a directory", "Pass the YAML file itself, e.g. --config config/fleet.yaml.");
    size = st.size;
  } catch (e) {
    if (e instanceof ConfigError) throw e;
    throw fail((e as NodeJS.ErrnoException).code ?? (e as Error).message);
  }
  if (size > MAX_CONFIG_BYTES)
    throw fail(
      `it is ${Math.round(size / 1024 / 1024)} MB; a fleet config is at most ${MAX_CONFIG_BYTES / 1024 / 1024} MB`,
      "Check that --config names the fleet's YAML file, not a log or a data file.",
    );
  try {
    return readFileSync(file);
  } catch (e) {
    throw fail((e as NodeJS.ErrnoException).code ?? (e as Error).message);
  }
}

/**
 * The file as text, or a ConfigError naming the encoding: a UTF-16 file (what PowerShell 5's `>` and Notepad's
 * "Unicode" write) would otherwise parse as one string and be reported as "expected object, received string".
 * A UTF-8 byte-order mark is accepted (YAML 1.2 allows it at the start of a stream).
 */
export function decodeConfig(bytes: Buffer, file: string): string {
  const fix = "Save the file as UTF-8 (in PowerShell: Set-Content -Encoding utf8; in an editor: 'UTF-8' encoding).";
  const utf16 =
    (bytes[0] === 0xff && bytes[1] === 0xfe) || (bytes[0] === 0xfe && bytes[1] === 0xff)
      ? "a UTF-16 byte-order mark"
      : bytes.subarray(0, 64).includes(0)
        ? "NUL bytes (UTF-16 without a byte-order mark?)"
        : undefined;
  if (utf16) throw new ConfigError(`${file} is not UTF-8: it starts with ${utf16}.`, [], { fix });
  try {
    return new TextDecoder("utf-8", { fatal: true, ignoreBOM: false }).decode(bytes);
  } catch {
    throw new ConfigError(
      `${file} is not valid UTF-8 (another encoding, such as Windows-1252, or a binary file).`,
      [],
      {
        fix,
      },
    );
  }
}

export function loadConfig(file: string, env: NodeJS.ProcessEnv = process.env): LoadedConfig {
  const text = decodeConfig(readConfigBytes(file), file);
  // JSON is YAML 1.2, so a JSON config is read as it is.
  const doc = YAML.parseDocument(text, { prettyErrors: true });
  if (doc.errors.length) {
    throw new ConfigError(
      `${file} is not valid YAML`,
      doc.errors.map((e) => e.message.split("\n")[0]!),
      { fix: "Fix the YAML syntax at the line shown." },
    );
  }
  if (doc.contents === null)
    throw new ConfigError(`${file} is empty (or holds only comments).`, [], {
      fix: "Describe the fleet in it: start from config/fleet.example.yaml.",
    });
  let value: unknown;
  try {
    value = doc.toJS({ maxAliasCount: MAX_ALIASES });
  } catch (e) {
    // The yaml library's own text ("Excessive alias count indicates a resource exhaustion attack") names no file.
    throw new ConfigError(
      `${file}: its YAML aliases expand too far (${(e as Error).message.replace(/\.$/, "")}); refused before use.`,
      [],
      { fix: "Write the repeated blocks out, or put shared settings under defaults: instead of aliases." },
    );
  }
  if (!isRecord(value))
    throw new ConfigError(
      `${file} holds ${Array.isArray(value) ? "a list" : `a single ${typeof value}`} at the top level, not a mapping of version, defaults and apps.`,
      [],
      { fix: "Start from config/fleet.example.yaml: the file is a mapping with an apps: list." },
    );
  return validateConfig(value, file, env);
}
