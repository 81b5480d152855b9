import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { createCa } from "../../lib/emulator/ca.ts";

/** One CA per test run, trusted by every worker through NODE_EXTRA_CA_CERTS (read only at process start). */
export default async function setup(): Promise<() => void> {
  const dir = mkdtempSync(join(tmpdir(), "easyauth-test-ca-"));
  const ca = await createCa();
  writeFileSync(join(dir, "ca.pem"), ca.certPem);
  writeFileSync(join(dir, "ca-key.pem"), ca.keyPem, { mode: 0o600 });
  process.env.NODE_EXTRA_CA_CERTS = join(dir, "ca.pem");
  process.env.EASYAUTH_TEST_CA_DIR = dir;
  return () => rmSync(dir, { recursive: true, force: true });
}
