import { createHash, randomUUID } from "node:crypto";
import { z } from "zod";
import type { Directory } from "./directory.ts";
import { jsonBody, route, send, type Ctx, type Route } from "./http.ts";

/** Azure CLI's public client id: the default `azp`/`appid` of a minted user token (a user signed in with `az login`). */
export const AZURE_CLI_APP_ID = "04b07795-8ddb-461a-bbee-02f9e1bf7b46";
const DEFAULT_UPN = "user@emulated.onmicrosoft.com";

const clientSchema = z
  .object({
    clientId: z.string().min(1),
    secret: z.string().min(1).optional(),
    displayName: z.string().min(1).optional(),
    federatedSubjects: z.array(z.string().min(1)).optional(),
  })
  .strict();

const userTokenSchema = z
  .object({
    audience: z.string().min(1),
    resourceAppId: z.string().min(1),
    version: z.union([z.literal(1), z.literal(2)]),
    scp: z.union([z.string(), z.array(z.string().min(1))]),
    roles: z.array(z.string().min(1)),
    oid: z.string().min(1),
    sub: z.string().min(1),
    name: z.string(),
    upn: z.string(),
    azp: z.string().min(1),
    appid: z.string().min(1),
    expiresInSeconds: z.number().int(),
    nbf: z.number().int(),
    claims: z.record(z.string(), z.unknown()),
  })
  .partial()
  .strict();

function invalid(ctx: Ctx, what: string, error: z.ZodError): void {
  send(ctx, 400, {
    error: `Invalid ${what}: ${error.issues.map((i) => `${i.path.join(".") || "body"}: ${i.message}`).join("; ")}`,
  });
}

/**
 * A delegated (user) access token as Entra would issue it after a user signs in to `azp`, with the claims chosen.
 * No sign-in flow runs: the emulator only signs what it is asked to, with the tenant key and the issuer of the
 * version (learn.microsoft.com/entra/identity-platform/access-token-claims-reference for the claim names per version).
 */
async function mintUserToken(dir: Directory, body: z.infer<typeof userTokenSchema>) {
  const target = body.resourceAppId ?? body.audience!;
  const resolved = dir.resolveResource(target);
  const version = body.version ?? resolved?.version ?? 2;
  const now = Math.floor(Date.now() / 1000);
  const exp = now + (body.expiresInSeconds ?? dir.tokenLifetimeSeconds);
  const iat = Math.min(now, exp - 60);
  const client = body.azp ?? body.appid ?? AZURE_CLI_APP_ID;
  const oid = body.oid ?? randomUUID();
  const upn = body.upn ?? DEFAULT_UPN;
  const scp = Array.isArray(body.scp) ? body.scp.join(" ") : body.scp;
  const claims: Record<string, unknown> = {
    aud: body.audience ?? body.resourceAppId,
    iss: dir.issuer(version),
    tid: dir.tenantId,
    oid,
    // `sub` is pairwise: unique to the user and the client application.
    sub: body.sub ?? createHash("sha256").update(`${oid}:${client.toLowerCase()}`).digest("base64url").slice(0, 43),
    name: body.name ?? "Emulated User",
    ...(scp ? { scp } : {}),
    ...(body.roles?.length ? { roles: body.roles } : {}),
    idtyp: "user",
    uti: randomUUID().replace(/-/g, ""),
    ver: version === 2 ? "2.0" : "1.0",
    ...(version === 2
      ? { azp: client, azpacr: "0", preferred_username: upn }
      : { appid: client, appidacr: "0", upn, unique_name: upn, amr: ["pwd"] }),
    ...body.claims,
  };
  const times = { iat, nbf: body.nbf ?? iat, exp };
  return { token: await dir.sign(claims, times), claims: { ...times, ...claims } };
}

/**
 * `/_emulator/entra/*`, emulator-only: clients that may sign in (`POST /_emulator/entra/clients`) and delegated
 * user tokens minted with chosen claims (`POST /_emulator/entra/tokens`). No auth (loopback); never on real Entra.
 */
export function entraAdminRoutes(dir: Directory): Route[] {
  const view = (clientId: string) => {
    const c = dir.clients.get(clientId.toLowerCase())!;
    const { objectId, displayName } = dir.identify(c);
    return { clientId: c.clientId, objectId, displayName, federatedSubjects: c.federatedSubjects };
  };
  return [
    route("GET", "/_emulator/entra/clients", (ctx) =>
      send(
        ctx,
        200,
        [...dir.clients.values()].map((c) => ({ ...view(c.clientId), hasSecret: c.secret !== undefined })),
      ),
    ),
    route("POST", "/_emulator/entra/clients", (ctx) => {
      const parsed = clientSchema.safeParse(jsonBody(ctx) ?? {});
      if (!parsed.success) return invalid(ctx, "client", parsed.error);
      const { clientId, secret, displayName, federatedSubjects } = parsed.data;
      const added = dir.addClient({
        clientId,
        secret: secret ?? `emu-${randomUUID()}`,
        ...(displayName ? { displayName } : {}),
        federatedSubjects: federatedSubjects ?? [],
      });
      send(ctx, 201, { ...view(clientId), secret: added.secret });
    }),
    route("DELETE", "/_emulator/entra/clients/{clientId}", (ctx) => {
      const deleted = dir.clients.delete(ctx.params.clientId!.toLowerCase());
      send(ctx, deleted ? 204 : 404, deleted ? undefined : { error: `No client ${ctx.params.clientId}` });
    }),
    route("POST", "/_emulator/entra/tokens", async (ctx) => {
      const parsed = userTokenSchema.safeParse(jsonBody(ctx) ?? {});
      if (!parsed.success) return invalid(ctx, "token request", parsed.error);
      const body = parsed.data;
      if (!body.audience && !body.resourceAppId)
        return send(ctx, 400, { error: "Invalid token request: give audience or resourceAppId." });
      if (body.resourceAppId && !dir.resolveResource(body.resourceAppId))
        return send(ctx, 400, { error: `No resource '${body.resourceAppId}' in tenant ${dir.tenantId}.` });
      const { token, claims } = await mintUserToken(dir, body);
      send(ctx, 200, { token_type: "Bearer", access_token: token, expires_on: claims.exp, claims });
    }),
  ];
}
