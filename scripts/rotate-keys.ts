import { processIo } from "../lib/cli/common.ts";
import { runMain } from "../lib/cli/main.ts";
import { rotateKeysCommand } from "../lib/commands/rotate-keys.ts";

runMain((argv) => rotateKeysCommand(argv, processIo()));
