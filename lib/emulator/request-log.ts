import type { ServiceName } from "./http.ts";

export interface LoggedRequest {
  service: ServiceName;
  method: string;
  path: string;
  /** HTTP status sent; 0 when the connection was reset by a fault. */
  status: number;
  apiVersion?: string;
  at: string;
}

export class RequestLog {
  private entries: LoggedRequest[] = [];
  add(e: Omit<LoggedRequest, "at">): void {
    this.entries.push({ ...e, at: new Date().toISOString() });
  }
  list(): LoggedRequest[] {
    return [...this.entries];
  }
  clear(): void {
    this.entries = [];
  }
}
