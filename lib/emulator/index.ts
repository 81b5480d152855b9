export { startEmulator, type Emulator, type EmulatorOptions, type MountedService } from "./server.ts";
export { connectionInfo, type ConnectionInfo } from "./connection-info.ts";
export { parseThrottleSpec, AZURE_THROTTLE } from "./throttle.ts";
export { parseFaultsArg } from "./faults.ts";
export { createCa, type PemPair } from "./ca.ts";
