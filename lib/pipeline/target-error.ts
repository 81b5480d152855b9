import { describeMissingPermission, missingPermission } from "../azure/missing-permission.ts";
import { ToolError, errorMessage } from "../errors.ts";

/**
 * Why a target failed, as the plan and the summary say it. A refused call (ARM, Graph or Key Vault 403) becomes
 * "missing permission X on scope Y for command Z" with what to grant, never the service's raw answer.
 */
export function targetReason(e: unknown, command: string): { message: string; fix?: string } {
  const missing = missingPermission(e);
  if (missing) return describeMissingPermission(missing, command);
  return { message: errorMessage(e), fix: e instanceof ToolError ? e.fix : undefined };
}
