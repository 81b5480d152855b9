import { processIo } from "../lib/cli/common.ts";
import { runMain } from "../lib/cli/main.ts";
import { applyCommand } from "../lib/commands/apply.ts";

runMain((argv) => applyCommand(argv, processIo()));
