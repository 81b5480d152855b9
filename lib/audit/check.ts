import type { CheckDefinition, Evidence, Finding, FindingTarget } from "./finding.ts";
import type { AuditObservations } from "./observation.ts";

/** One check as data: its definition, and a pure function from the observations to its findings. */
export interface Check {
  definition: CheckDefinition;
  run(o: AuditObservations): Finding[];
}

/**
 * A finding of `def` on `target`. `configPath` is the fixing field below the app's block (`auth.tokenStore`); the
 * command turns it and `appIndex` into a file and line (lib/config/locate.ts) after the checks ran.
 */
export function finding(
  def: CheckDefinition,
  target: FindingTarget,
  message: string,
  evidence: Evidence,
  at?: { appIndex: number; configPath?: string },
): Finding {
  return {
    checkId: def.id,
    severity: def.severity,
    target,
    message,
    evidence,
    fix: def.fix,
    ...(def.command ? { command: def.command } : {}),
    ...(at ? { config: { file: "", path: `apps[${at.appIndex}]${at.configPath ? `.${at.configPath}` : ""}` } } : {}),
  };
}
