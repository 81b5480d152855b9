import { readFile, stat } from "node:fs/promises";
import { parseArgs } from "node:util";
import { openSession, type Session } from "../azure/session.ts";
import { explainToken, type ExplainResult } from "../audit/explain/explain.ts";
import { explanationJson, renderExplanation } from "../audit/explain/render.ts";
import { IssuerKeys, type FetchFn } from "../audit/explain/signature.ts";
import { MAX_TOKEN_BYTES, readToken } from "../audit/explain/token.ts";
import { parseCommandArgs, commandLine, type OptionSpec } from "../cli/args.ts";
import { WRITING_OPTIONS, type CommandIo } from "../cli/common.ts";
import { loadConfig } from "../config/load.ts";
import { UsageError } from "../errors.ts";
import type { ArmClient } from "../azure/arm-client.ts";
import type { AppConfig, FlagValues, RunContext } from "../pipeline/contract.ts";
import { EXIT } from "../pipeline/exit-codes.ts";
import { renderFatalJson } from "../pipeline/render-json.ts";
import { runContextOf } from "./run-context.ts";

const NAME = "explain-token";

export const explainTokenCli = {
  name: NAME,
  summary:
    "Explain what Easy Auth and the function answer to one bearer token, step by step in the platform's order:\n" +
    "platform, excluded path, provider, signature, issuer, audience, lifetime, unauthenticated action,\n" +
    "allowedApplications, allowedPrincipals, jwtClaimChecks, the function's scope/role. Read-only.\n" +
    "The token is the one argument: <jwt>, @<file> or - (stdin); it is never printed (docs/explain-token.md).",
  options: {
    app: { type: "string", valueName: "name", description: "The app the token is sent to (required)" },
    slot: { type: "string", valueName: "name", description: "A slot of the app ('production' for the app itself)" },
    path: {
      type: "string",
      valueName: "/api/x",
      description: "Request path (default: the first function in apps[].auth.functions, else /)",
    },
    config: {
      type: "string",
      valueName: "file",
      description: "Fleet config: the app's address and its functions' scopes/roles (without it: found by name)",
    },
    json: { type: "boolean", description: "One JSON document on stdout" },
    auth: WRITING_OPTIONS.auth,
    cloud: WRITING_OPTIONS.cloud,
  },
  examples: [
    "npx tsx scripts/explain-token.ts @token.txt --app func-greeting --path /api/greeting --config config/fleet.yaml",
    "az account get-access-token --scope api://…/.default --query accessToken -o tsv | npx tsx scripts/explain-token.ts - --app func-greeting",
  ],
} as const satisfies { name: string; summary: string; options: Record<string, OptionSpec>; examples: string[] };

/** What tests may replace. */
export interface ExplainOverrides {
  now?: () => Date;
  /** Stdin's text (`-`); default: the process's stdin. */
  readStdin?: () => Promise<string>;
  fetch?: FetchFn;
}

/** Splits the one positional (the token source) from the flags, which are then parsed strictly. */
function splitArgs(argv: string[]): { source?: string; extra: string[]; flags: string[] } {
  const options = Object.fromEntries(
    Object.entries(explainTokenCli.options).map(([k, o]) => [k, { type: o.type }]),
  ) as Record<string, { type: "string" | "boolean" }>;
  const { tokens } = parseArgs({ args: argv, options, strict: false, allowPositionals: true, tokens: true });
  const positional = new Set(tokens.filter((t) => t.kind === "positional").map((t) => t.index));
  const values = argv.filter((_, i) => positional.has(i));
  return { source: values[0], extra: values.slice(1), flags: argv.filter((_, i) => !positional.has(i)) };
}

async function readProcessStdin(): Promise<string> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const c of process.stdin) {
    const b = Buffer.isBuffer(c) ? c : Buffer.from(String(c));
    size += b.length;
    chunks.push(b);
    // Enough to know it is oversized; the rest is not read.
    if (size > MAX_TOKEN_BYTES) break;
  }
  return Buffer.concat(chunks).toString("utf8");
}

/** The token text from `<jwt>`, `@file` or `-`; offline, before any sign-in. */
async function tokenText(source: string, overrides: ExplainOverrides): Promise<string> {
  if (source === "-") {
    if (!overrides.readStdin && process.stdin.isTTY)
      throw new UsageError("'-' reads the token from stdin, and stdin is a terminal.", {
        fix: "Pipe the token in (… | explain-token - --app …) or pass @file.",
      });
    return (overrides.readStdin ?? readProcessStdin)();
  }
  if (source.startsWith("@")) {
    const file = source.slice(1);
    const info = await stat(file).catch(() => undefined);
    if (!info?.isFile())
      throw new UsageError(`${source}: no such file.`, {
        fix: "Give the path of a file that holds the token, e.g. @token.txt.",
      });
    if (info.size > MAX_TOKEN_BYTES + 2) return "x".repeat(MAX_TOKEN_BYTES + 1);
    return readFile(file, "utf8");
  }
  return source;
}

function findConfigApp(file: string, name: string, io: CommandIo): AppConfig {
  const config = loadConfig(file, io.env);
  for (const w of config.warnings) io.stderr.write(`warning: ${w}\n`);
  const app = config.apps.find((a) => a.name.toLowerCase() === name.toLowerCase());
  if (!app)
    throw new UsageError(`--app '${name}' is no app of ${config.file}.`, {
      fix: `Apps in the config: ${config.apps.map((a) => a.name).join(", ")}.`,
    });
  return app;
}

/** Without a config: the site of that name in AZURE_SUBSCRIPTION_ID (site names are global), found through ARM. */
async function findSite(
  arm: ArmClient,
  name: string,
  slot: string | undefined,
  env: NodeJS.ProcessEnv,
): Promise<AppConfig> {
  const subscriptionId = env.AZURE_SUBSCRIPTION_ID;
  if (!subscriptionId)
    throw new UsageError(`--app '${name}' without --config needs AZURE_SUBSCRIPTION_ID to find the app.`, {
      fix: "Pass --config config/fleet.yaml, or export AZURE_SUBSCRIPTION_ID.",
    });
  let next: string | undefined = `/subscriptions/${encodeURIComponent(subscriptionId)}/providers/Microsoft.Web/sites`;
  while (next) {
    const page: { body: { value?: { id?: string; name?: string }[]; nextLink?: string } } = await arm.get(next);
    const site = page.body.value?.find((s) => s.name?.toLowerCase() === name.toLowerCase());
    const rg = site?.id ? /\/resourceGroups\/([^/]+)\//i.exec(site.id)?.[1] : undefined;
    if (site?.name && rg)
      return {
        index: 0,
        name: site.name,
        subscriptionId,
        resourceGroup: decodeURIComponent(rg),
        slots: slot && slot.toLowerCase() !== "production" ? [slot] : [],
      };
    next = page.body.nextLink;
  }
  throw new UsageError(`No app named '${name}' in subscription ${subscriptionId}.`, {
    fix: "Check the name (az functionapp list), or pass --config with the app's subscription and resource group.",
  });
}

/** The run's context (as every command builds it from its session) and the issuers' key cache. */
export function explainContext(
  session: Session,
  env: NodeJS.ProcessEnv,
  flags: FlagValues,
  overrides: Pick<ExplainOverrides, "now" | "fetch"> = {},
): { ctx: RunContext; keys: IssuerKeys } {
  const ctx = runContextOf(session, flags, env, overrides.now ? { now: overrides.now } : {});

  const keys = new IssuerKeys({
    cloud: session.cloud.cloud,
    authorityHost: session.endpoints.authorityHost,
    ...(overrides.fetch ? { fetch: overrides.fetch } : {}),
  });
  return { ctx, keys };
}

/** The default path: the first function whose requirement the config declares, else the root. */
function defaultPath(app: AppConfig): string {
  const first = Object.keys(app.auth?.functions ?? {})[0];
  return first ? `/api/${first}` : "/";
}

export async function explainTokenCommand(
  argv: string[],
  io: CommandIo,
  overrides: ExplainOverrides = {},
): Promise<number> {
  try {
    return await run(argv, io, overrides);
  } catch (e) {
    if (!argv.includes("--json")) throw e;
    io.stdout.write(renderFatalJson(NAME, e));
    return EXIT.error;
  }
}

async function run(argv: string[], io: CommandIo, overrides: ExplainOverrides): Promise<number> {
  const split = splitArgs(argv);
  const args = parseCommandArgs(explainTokenCli, split.flags);
  if (args.help) {
    io.stdout.write(args.text);
    return EXIT.ok;
  }
  const flags = args.values;
  const usage = `Run '${commandLine(NAME)} <jwt | @file | -> --app <name>'`;
  if (!split.source)
    throw new UsageError("the token is missing.", {
      fix: `${usage}; prefer @file or - so the token stays out of shell history.`,
    });
  if (split.extra.length)
    throw new UsageError(`one token only; also got ${split.extra.length} more argument(s).`, { fix: usage });
  if (!flags.app) throw new UsageError("--app <name> is required.", { fix: `${usage}.` });
  if (flags.path !== undefined && !flags.path.startsWith("/"))
    throw new UsageError(`--path must start with '/', got '${flags.path}'.`, {
      fix: "For example --path /api/greeting.",
    });

  // The input is checked before any network call: bad input makes no request.
  const reading = readToken(await tokenText(split.source, overrides));
  if (!reading.ok)
    throw new UsageError(`the token cannot be explained: ${reading.message}.`, {
      fix:
        reading.problem === "oversized"
          ? "Pass the access token alone (not a whole HTTP request or a file of tokens)."
          : reading.problem === "unsigned"
            ? "Easy Auth never accepts an unsigned token: pass the signed access token the tenant's token endpoint returned."
            : "Pass the access token exactly as the token endpoint returned it (copy the whole value, three dot-separated parts).",
    });
  const configApp = flags.config ? findConfigApp(flags.config, flags.app, io) : undefined;

  const session = await openSession(flags, io.env, "arm");
  const app = configApp ?? (await findSite(session.arm, flags.app, flags.slot, io.env));
  const { ctx, keys } = explainContext(session, io.env, flags as unknown as FlagValues, overrides);
  const result: ExplainResult = await explainToken(ctx, keys, {
    token: reading.token.compact,
    app,
    ...(flags.slot ? { slot: flags.slot } : {}),
    // Easy Auth matches paths without the query string.
    path: (flags.path ?? defaultPath(app)).replace(/[?#].*$/, "") || "/",
  });
  io.stdout.write(flags.json ? explanationJson(result) : renderExplanation(result));
  return EXIT.ok;
}
