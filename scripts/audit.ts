import { processIo } from "../lib/cli/common.ts";
import { runMain } from "../lib/cli/main.ts";
import { auditCommand } from "../lib/commands/audit.ts";

runMain((argv) => auditCommand(argv, processIo()));
