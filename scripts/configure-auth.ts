import { processIo } from "../lib/cli/common.ts";
import { runMain } from "../lib/cli/main.ts";
import { configureAuthCommand } from "../lib/commands/configure-auth.ts";

runMain((argv) => configureAuthCommand(argv, processIo()));
