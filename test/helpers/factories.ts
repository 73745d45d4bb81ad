import { writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { Readable } from 'node:stream'
import type { FastifyInstance } from 'fastify'
import type { Db } from '../../src/db/client.ts'
import type { Role } from '../../src/db/schema.ts'
import { importCsv, type ImportOptions, type ImportReport } from '../../src/services/import.ts'
import { createUser } from '../../src/services/users.ts'
import { updateUserLocale } from '../../src/repos/users.ts'

export const PASSWORD = 'correct horse battery staple'

/** A staff account; it reads the pages in English unless given another language (null: DEFAULT_LOCALE). */
export async function addUser(db: Db, role: Role, email = `${role}@example.com`, locale: string | null = 'en') {
  const user = await createUser(db, { email, role, password: PASSWORD }, 'test')
  if (locale) updateUserLocale(db, user.id, locale)
  return { ...user, locale }
}

/** Cookies of a response as a Cookie header value, merged over earlier ones. */
export function cookieJar() {
  const jar = new Map<string, string>()
  return {
    take(res: { cookies: { name: string; value: string }[] }) {
      for (const c of res.cookies) {
        if (c.value === '') jar.delete(c.name)
        else jar.set(c.name, c.value)
      }
    },
    header: () => [...jar].map(([k, v]) => `${k}=${v}`).join('; '),
  }
}

/** The hidden CSRF token in a rendered form. */
export function csrfFrom(html: string): string {
  const m = /name="_csrf" value="([^"]+)"/.exec(html)
  if (!m) throw new Error('no CSRF token in page')
  return m[1]!
}

/**
 * Sign in through the real login form; returns the cookie jar of the session. `fields` go with
 * the form (a `next`), `headers` and `remoteAddress` with both requests (a client behind a proxy).
 */
export async function login(
  app: FastifyInstance,
  email: string,
  password = PASSWORD,
  options: { fields?: Record<string, string>; headers?: Record<string, string>; remoteAddress?: string } = {},
) {
  const jar = cookieJar()
  const page = await app.inject({ method: 'GET', url: '/login', headers: options.headers, remoteAddress: options.remoteAddress })
  jar.take(page)
  const res = await app.inject({
    method: 'POST',
    url: '/login',
    remoteAddress: options.remoteAddress,
    headers: { ...options.headers, cookie: jar.header(), 'content-type': 'application/x-www-form-urlencoded' },
    payload: new URLSearchParams({ email, password, ...options.fields, _csrf: csrfFrom(page.body) }).toString(),
  })
  jar.take(res)
  return { jar, res }
}

/** GET a page with the jar and return its CSRF token (for a following POST). */
export async function formToken(app: FastifyInstance, jar: ReturnType<typeof cookieJar>, url: string): Promise<string> {
  const page = await app.inject({ method: 'GET', url, headers: { cookie: jar.header() } })
  jar.take(page)
  return csrfFrom(page.body)
}

export const importDefaults = { actor: 'test', defaultLocale: 'de', defaultCurrency: 'EUR' } as const

/** Import CSV text directly through the service. */
export function importText(
  db: Db,
  kind: ImportOptions['kind'],
  text: string | Buffer,
  options: Partial<ImportOptions> = {},
): Promise<ImportReport> {
  return importCsv(db, Readable.from([Buffer.isBuffer(text) ? text : Buffer.from(text, 'utf8')]), `${kind}.csv`, {
    ...importDefaults,
    kind,
    ...options,
  })
}

export function writeFixture(dir: string, name: string, text: string): string {
  const path = join(dir, name)
  writeFileSync(path, text)
  return path
}
