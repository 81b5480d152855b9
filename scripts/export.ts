import { processIo } from "../lib/cli/common.ts";
import { runMain } from "../lib/cli/main.ts";
import { exportCommand } from "../lib/commands/export.ts";

runMain((argv) => exportCommand(argv, processIo()));
