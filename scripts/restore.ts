import { processIo } from "../lib/cli/common.ts";
import { runMain } from "../lib/cli/main.ts";
import { restoreCommand } from "../lib/commands/restore.ts";

runMain((argv) => restoreCommand(argv, processIo()));
