// Load from this process against servers in others (the bench's HTTP figures), and their memory.
import { fork, spawn, type ChildProcess } from 'node:child_process'
import { readFileSync } from 'node:fs'
import http from 'node:http'
import { resolve } from 'node:path'
import { setTimeout as sleep } from 'node:timers/promises'
import autocannon from 'autocannon'
import { freePort } from '../helpers/server-process.ts'

export interface Load {
  requestsPerSecond: number
  p99Ms: number
  ok: number
  errors: number
  non2xx3xx: number
  /** With `serverPid`: the CPU time of the server's main thread per request (µs), and its share of the run's time busy. */
  server?: { cpuUsPerRequest: number; busy: number }
}

/**
 * autocannon with `connections` for `seconds`, each request from `request(i)`, after
 * `warmSeconds` (2 unless said) of the same load unmeasured: no side pays for its code being
 * compiled, whatever its size. With `serverPid`, also what the measured load cost the server's
 * main thread (the one that runs JavaScript): where a server at its limit spends the machine,
 * whatever the load generator beside it takes. Failed requests count from the warm-up on.
 */
export async function load(url: string, options: { connections: number; seconds: number; warmSeconds?: number; serverPid?: number; request: (i: number) => { path: string; method?: 'GET' | 'POST'; body?: string; headers?: Record<string, string> } }): Promise<Load> {
  let i = 0
  const run = async (seconds: number) => {
    const result = await autocannon({
      url,
      connections: options.connections,
      duration: seconds,
      requests: [
        {
          setupRequest: (req: Record<string, unknown>) => {
            const r = options.request(i++)
            return { ...req, path: r.path, method: r.method ?? 'GET', body: r.body, headers: { ...(req.headers as object), ...(r.headers ?? {}) } }
          },
        },
      ],
    } as never)
    return result as unknown as { requests: { average: number; total: number }; latency: { p99: number }; '2xx': number; '3xx': number; errors: number; '4xx': number; '5xx': number }
  }
  const warm = (options.warmSeconds ?? 2) > 0 ? await run(options.warmSeconds ?? 2) : undefined
  const pid = options.serverPid
  const cpuBefore = pid === undefined ? 0 : cpuMs(pid, pid)
  const start = performance.now()
  const r = await run(options.seconds)
  const wallMs = performance.now() - start
  const server = pid === undefined ? undefined : (() => {
    const used = cpuMs(pid, pid) - cpuBefore
    return { cpuUsPerRequest: (used * 1000) / r.requests.total, busy: used / wallMs }
  })()
  const failed = (x: typeof r | undefined) => ({ errors: x?.errors ?? 0, non2xx3xx: (x?.['4xx'] ?? 0) + (x?.['5xx'] ?? 0) })
  return {
    requestsPerSecond: r.requests.average,
    p99Ms: r.latency.p99,
    ok: r['2xx'] + r['3xx'],
    errors: failed(r).errors + failed(warm).errors,
    non2xx3xx: failed(r).non2xx3xx + failed(warm).non2xx3xx,
    server,
  }
}

/**
 * The CPU time (user and system) a process has used, in ms: all its threads, or one of them
 * (`tid`; a process's main thread has the process's id). In /proc, fields 14 and 15 of `stat`,
 * in clock ticks of 10 ms.
 */
function cpuMs(pid: number, tid?: number): number {
  const stat = readFileSync(tid === undefined ? `/proc/${pid}/stat` : `/proc/${pid}/task/${tid}/stat`, 'utf8')
  const fields = stat.slice(stat.lastIndexOf(') ') + 2).split(' ')
  return (Number(fields[11]) + Number(fields[12])) * 10
}

/**
 * One request after another on one kept-alive connection: the median and 99th percentile round
 * trip in ms, after `warm` unmeasured ones. What a single visitor waits for, on an idle server.
 */
export async function sequential(url: string, path: (i: number) => string, n = 2000, warm = 500): Promise<{ medianMs: number; p99Ms: number }> {
  const agent = new http.Agent({ keepAlive: true, maxSockets: 1 })
  const get = (u: string) =>
    new Promise<void>((done, fail) => {
      http
        .get(u, { agent }, (res) => {
          if ((res.statusCode ?? 500) >= 400) fail(new Error(`${u}: ${res.statusCode}`))
          res.resume()
          res.on('end', () => done())
        })
        .on('error', fail)
    })
  const times: number[] = []
  for (let i = 0; i < warm + n; i++) {
    const t = performance.now()
    await get(url + path(i))
    if (i >= warm) times.push(performance.now() - t)
  }
  agent.destroy()
  times.sort((a, b) => a - b)
  return { medianMs: times[times.length >> 1]!, p99Ms: times[Math.floor(times.length * 0.99)]! }
}

/** The peak resident memory of a process so far (VmHWM), in MiB. */
export function peakMemoryMiB(pid: number): number {
  const m = /VmHWM:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'))
  return m ? Math.round(Number(m[1]) / 1024) : NaN
}

/** The built server as `npm start` runs it (its Node flags from package.json, no transpiler) on a database file. */
export async function startBuiltServer(dbFile: string): Promise<{ url: string; child: ChildProcess; stop: () => Promise<void> }> {
  const port = await freePort()
  const pkg = JSON.parse(readFileSync(resolve('package.json'), 'utf8')) as { config: { serverNodeFlags: string } }
  const child = spawn(process.execPath, [...pkg.config.serverNodeFlags.split(' '), resolve('dist/cli/run.js'), 'serve', '--host', '127.0.0.1', '--port', String(port)], {
    env: { ...process.env, COMEBACK_DB: dbFile, LOG_LEVEL: 'warn', BASE_URL: '', SMTP_URL: '', NODE_ENV: 'production' },
    stdio: ['ignore', 'ignore', 'inherit'],
  })
  const url = `http://127.0.0.1:${port}`
  await waitFor(`${url}/healthz`, child)
  await untilQuiet(child.pid!)
  return { url, child, stop: () => stop(child) }
}

/**
 * Wait until a process's background work at start (an analysis of a shop never analysed, the
 * figures worked out ahead, in threads) is over: its CPU time, all threads, grows by less than a
 * twentieth of the time passing over half a second. A figure is then the load's alone.
 */
async function untilQuiet(pid: number, maxMs = 120_000): Promise<void> {
  const deadline = Date.now() + maxMs
  let before = cpuMs(pid)
  while (Date.now() < deadline) {
    await sleep(500)
    const now = cpuMs(pid)
    if (now - before < 25) return
    before = now
  }
}

/** A bare Fastify server (bare-server.mjs), or another script of this folder that serves `/bare` too. */
export async function startBareServer(script = 'bare-server.mjs', ...args: string[]): Promise<{ url: string; child: ChildProcess; stop: () => Promise<void> }> {
  const port = await freePort()
  const child = fork(resolve(import.meta.dirname, script), [String(port), ...args], { stdio: ['ignore', 'ignore', 'inherit', 'ipc'] })
  const url = `http://127.0.0.1:${port}`
  await waitFor(`${url}/bare`, child)
  return { url, child, stop: () => stop(child) }
}

async function waitFor(url: string, child: ChildProcess): Promise<void> {
  for (let i = 0; i < 600; i++) {
    if (child.exitCode !== null) throw new Error(`server exited with ${child.exitCode}`)
    try {
      if ((await fetch(url)).ok) return
    } catch {
      // not yet listening
    }
    await sleep(50)
  }
  throw new Error(`no answer from ${url}`)
}

function stop(child: ChildProcess): Promise<void> {
  return new Promise((resolve) => {
    if (child.exitCode !== null) return resolve()
    child.once('exit', () => resolve())
    child.kill('SIGTERM')
  })
}
