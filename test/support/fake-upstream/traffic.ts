export interface RequestLogEntry {
  scheme: 'http' | 'https';
  /** Lower-case host name, without a port. */
  host: string;
  method: string;
  /** Path and query, as sent. */
  path: string;
  /** '' when the client sent none. */
  userAgent: string;
  /** When the request arrived, in ms since the epoch. */
  at: number;
  /** The status answered; 0 while there is no answer yet, and for good when the client gave up first. */
  status: number;
}

export interface HostTraffic {
  /** Requests that arrived since the start or the last reset. */
  requests: number;
  /** Requests between their arrival and the end of their response (or of the connection). */
  inFlight: number;
  /** The highest `inFlight` seen since the start or the last reset. */
  maxInFlight: number;
}

/**
 * The request log and the per-host in-flight counts. A request counts as in flight from
 * its arrival until its response has ended or its connection has closed, so the counts
 * stay right with keep-alive and when clients abort; that is what host-concurrency tests
 * across processes measure.
 */
export class TrafficLog {
  private entries: RequestLogEntry[] = [];
  private readonly hosts = new Map<string, HostTraffic>();
  private totalInFlight = 0;
  private idleWaiters: (() => void)[] = [];

  /** Records an arriving request; call the returned function once, when it has ended. */
  begin(request: Omit<RequestLogEntry, 'status'>): (status: number) => void {
    const entry: RequestLogEntry = { ...request, status: 0 };
    this.entries.push(entry);
    const traffic = this.hostTraffic(request.host);
    traffic.requests += 1;
    traffic.inFlight += 1;
    traffic.maxInFlight = Math.max(traffic.maxInFlight, traffic.inFlight);
    this.totalInFlight += 1;
    let ended = false;
    return (status) => {
      if (ended) return;
      ended = true;
      entry.status = status;
      traffic.inFlight -= 1;
      this.totalInFlight -= 1;
      if (this.totalInFlight === 0) {
        for (const resolve of this.idleWaiters.splice(0)) resolve();
      }
    };
  }

  /** Resolves once no request is in flight. */
  idle(): Promise<void> {
    if (this.totalInFlight === 0) return Promise.resolve();
    return new Promise((resolve) => this.idleWaiters.push(resolve));
  }

  /** A copy of the log, oldest first. */
  requests(): RequestLogEntry[] {
    return this.entries.map((entry) => ({ ...entry }));
  }

  requestCount(host?: string): number {
    if (host === undefined) return this.entries.length;
    return this.hosts.get(host.toLowerCase())?.requests ?? 0;
  }

  host(host: string): HostTraffic {
    return { ...(this.hosts.get(host.toLowerCase()) ?? { requests: 0, inFlight: 0, maxInFlight: 0 }) };
  }

  /** Every host seen, by name. */
  byHost(): Record<string, HostTraffic> {
    return Object.fromEntries([...this.hosts].map(([host, traffic]) => [host, { ...traffic }]));
  }

  /** Forgets the log and the counts; requests still in flight stay counted until they end. */
  reset(): void {
    this.entries = [];
    for (const [host, traffic] of this.hosts) {
      if (traffic.inFlight === 0) this.hosts.delete(host);
      traffic.requests = 0;
      traffic.maxInFlight = traffic.inFlight;
    }
  }

  private hostTraffic(host: string): HostTraffic {
    let traffic = this.hosts.get(host);
    if (traffic === undefined) {
      traffic = { requests: 0, inFlight: 0, maxInFlight: 0 };
      this.hosts.set(host, traffic);
    }
    return traffic;
  }
}
