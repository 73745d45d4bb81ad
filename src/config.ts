import { readFileSync } from 'node:fs'
import { z } from 'zod'

/** Environment variables (SPEC §12) → a validated, frozen Config. */
const envSchema = z.object({
  COMEBACK_DB: z.string().min(1).default('./data/comeback.db'),
  HOST: z.string().min(1).default('127.0.0.1'),
  PORT: z.coerce.number().int().min(0).max(65535).default(3000),
  BASE_URL: z.url({ protocol: /^https?$/ }).optional(),
  SMTP_URL: z.url({ protocol: /^smtps?$/ }).optional(),
  MAIL_FROM: z.string().min(3).default('Comeback <noreply@localhost>'),
  SESSION_SECRET: z.string().min(32, 'must be at least 32 characters').optional(),
  DEFAULT_LOCALE: z.enum(['de', 'en']).default('de'),
  DEFAULT_CURRENCY: z
    .string()
    .regex(/^[A-Za-z]{3}$/, 'must be a 3-letter ISO 4217 code')
    .transform((s) => s.toUpperCase())
    .default('EUR'),
  UNSUBSCRIBE_MAILTO: z.email().optional(),
  DKIM_DOMAIN: z.string().min(3).optional(),
  DKIM_SELECTOR: z.string().min(1).optional(),
  DKIM_PRIVATE_KEY: z.string().min(20).optional(),
  DKIM_PRIVATE_KEY_FILE: z.string().min(1).optional(),
  UPLOAD_LIMIT_MB: z.coerce.number().int().min(1).max(16_384).default(256),
  TRUST_PROXY: z
    .string()
    .regex(/^(true|false|[0-9a-fA-F.:/,\s]+|loopback|linklocal|uniquelocal)$/, 'true, false, or the proxies\' addresses/CIDR ranges separated by commas')
    .optional(),
  LOG_LEVEL: z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']).default('info'),
})

export type Config = Readonly<{
  dbFile: string
  host: string
  port: number
  baseUrl: string
  smtpUrl: string | undefined
  mailFrom: string
  sessionSecret: string | undefined
  defaultLocale: 'de' | 'en'
  defaultCurrency: string
  logLevel: z.infer<typeof envSchema>['LOG_LEVEL']
  /** An address for `List-Unsubscribe: <mailto:…>` beside the HTTPS link. */
  unsubscribeMailto: string | undefined
  /** DKIM signing of every mail, when all three are set. */
  dkim: { domainName: string; keySelector: string; privateKey: string } | undefined
  /** Cookies get the Secure flag when the app is served over https. */
  secureCookies: boolean
  /** The largest CSV upload on the Import page, in MiB. */
  uploadLimitMb: number
  /** Which proxies to believe about the client address (Fastify's trustProxy). */
  trustProxy: boolean | string
}>

/** TRUST_PROXY as Fastify takes it: true/false, or the proxies' addresses and ranges. */
function trustProxy(value: string | undefined): boolean | string {
  if (value === undefined || value === 'false') return false
  if (value === 'true') return true
  return value.split(',').map((v) => v.trim()).filter(Boolean).join(',')
}

function readKey(path: string): string {
  try {
    return readFileSync(path, 'utf8')
  } catch {
    throw new ConfigError(`Invalid configuration:\n  DKIM_PRIVATE_KEY_FILE: cannot read ${path}`)
  }
}

export class ConfigError extends Error {
  override readonly name = 'ConfigError'
}

export function loadConfig(env: NodeJS.ProcessEnv = process.env): Config {
  // Empty variables count as unset, as in most .env files.
  const present = Object.fromEntries(Object.entries(env).filter(([, v]) => v !== undefined && v !== ''))
  const parsed = envSchema.safeParse(present)
  if (!parsed.success) {
    const lines = parsed.error.issues.map((i) => `  ${i.path.join('.')}: ${i.message}`)
    throw new ConfigError(`Invalid configuration:\n${lines.join('\n')}`)
  }
  const e = parsed.data
  const privateKey = e.DKIM_PRIVATE_KEY ?? (e.DKIM_PRIVATE_KEY_FILE ? readKey(e.DKIM_PRIVATE_KEY_FILE) : undefined)
  if ((e.DKIM_DOMAIN || e.DKIM_SELECTOR || privateKey) && !(e.DKIM_DOMAIN && e.DKIM_SELECTOR && privateKey)) {
    throw new ConfigError('Invalid configuration:\n  DKIM: set DKIM_DOMAIN, DKIM_SELECTOR and DKIM_PRIVATE_KEY (or DKIM_PRIVATE_KEY_FILE) together')
  }
  const baseUrl = (e.BASE_URL ?? `http://${e.HOST.includes(':') ? `[${e.HOST}]` : e.HOST}:${e.PORT}`).replace(/\/+$/, '')
  return Object.freeze({
    dbFile: e.COMEBACK_DB,
    host: e.HOST,
    port: e.PORT,
    baseUrl,
    smtpUrl: e.SMTP_URL,
    mailFrom: e.MAIL_FROM,
    sessionSecret: e.SESSION_SECRET,
    defaultLocale: e.DEFAULT_LOCALE,
    defaultCurrency: e.DEFAULT_CURRENCY,
    logLevel: e.LOG_LEVEL,
    secureCookies: baseUrl.startsWith('https://'),
    uploadLimitMb: e.UPLOAD_LIMIT_MB,
    trustProxy: trustProxy(e.TRUST_PROXY),
    unsubscribeMailto: e.UNSUBSCRIBE_MAILTO,
    dkim: e.DKIM_DOMAIN && e.DKIM_SELECTOR && privateKey ? { domainName: e.DKIM_DOMAIN, keySelector: e.DKIM_SELECTOR, privateKey } : undefined,
  })
}
