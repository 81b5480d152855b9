export { startEmulator, type Emulator, type EmulatorOptions, type MountedService } from "./server.ts";
export type { Operation } from "./service.ts";
export { HostUnavailable, InjectedFault, ServiceError } from "./service-error.ts";
export { connectionInfo, type ConnectionInfo } from "./connection-info.ts";
export { parseThrottleSpec, AZURE_THROTTLE } from "./throttle.ts";
export { parseFaultsArg } from "./faults.ts";
export { createCa, type PemPair } from "./ca.ts";
export { EMULATED_CLOUDS, emulatedCloud, type EmulatedCloudName } from "./clouds.ts";
