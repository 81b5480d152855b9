import { readFileSync } from "node:fs";
import YAML from "yaml";
import type { z } from "zod";
import { ConfigError } from "../errors.ts";
import { crossCheck } from "./cross-checks.ts";
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
    if (i.code === "unrecognized_keys")
      return `${where}: unknown field${i.keys.length > 1 ? "s" : ""} ${i.keys.map((k) => `'${k}'`).join(", ")} (check the spelling; see config/schema.json)`;
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

export function loadConfig(file: string, env: NodeJS.ProcessEnv = process.env): LoadedConfig {
  let text: string;
  try {
    text = readFileSync(file, "utf8");
  } catch (e) {
    throw new ConfigError(
      `Cannot read config file '${file}': ${(e as NodeJS.ErrnoException).code ?? (e as Error).message}`,
      [],
      { fix: "Pass an existing file with --config (see config/fleet.example.yaml)." },
    );
  }
  const doc = YAML.parseDocument(text, { prettyErrors: true });
  if (doc.errors.length) {
    throw new ConfigError(
      `${file} is not valid YAML`,
      doc.errors.map((e) => e.message.split("\n")[0]!),
      { fix: "Fix the YAML syntax at the line shown." },
    );
  }
  return validateConfig(doc.toJS(), file, env);
}
