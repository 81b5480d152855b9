import { openSession } from "../lib/azure/session.ts";
import { runScript } from "../lib/cli/main.ts";
import { WRITING_OPTIONS } from "../lib/cli/common.ts";
import { UsageError } from "../lib/errors.ts";

// One raw ARM call, as `az rest` makes it: the demo uses it for a hand-made change the tool did not plan.
const spec = {
  name: "arm-request",
  summary:
    "Send one raw ARM request (as 'az rest --method put --url … --body …' does) with the tool's sign-in, and print the answer.\n" +
    "For hand-made changes in the demo; nothing is planned, confirmed or backed up.",
  options: {
    method: { type: "string", valueName: "GET|PUT|PATCH", description: "HTTP method", default: "GET" },
    url: { type: "string", valueName: "path", description: "ARM path (/subscriptions/…), api-version added" },
    body: { type: "string", valueName: "json", description: "Request body (JSON)" },
    auth: WRITING_OPTIONS.auth,
    cloud: WRITING_OPTIONS.cloud,
  },
  examples: [
    "npx tsx scripts/arm-request.ts --method PUT --url /subscriptions/<sub>/resourceGroups/<rg>/providers/Microsoft.Web/sites/<app>/config/authsettingsV2 --body '{\"properties\":{}}'",
  ],
} as const;

runScript(spec, async (v) => {
  if (!v.url?.startsWith("/subscriptions/"))
    throw new UsageError("--url must be an ARM path starting with /subscriptions/.", {
      fix: "Pass the resource's id.",
    });
  let body: unknown;
  try {
    body = v.body === undefined ? undefined : JSON.parse(v.body);
  } catch {
    throw new UsageError("--body is not JSON.", { fix: "Quote it: --body '{\"properties\":{}}'." });
  }
  const { arm } = await openSession(v, process.env);
  const method = (v.method ?? "GET").toUpperCase();
  const r =
    method === "PUT"
      ? await arm.put(v.url, body)
      : method === "PATCH"
        ? await arm.patch(v.url, body)
        : method === "GET"
          ? await arm.get(v.url)
          : undefined;
  if (!r) throw new UsageError(`--method ${method} is not one of GET, PUT, PATCH.`);
  process.stdout.write(`${r.status}\n`);
  return 0;
});
